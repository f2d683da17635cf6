// SPDX-License-Identifier: GPL-3.0-or-later
#include "DesktopIntegration.hpp"

#include "MachineCanvas.hpp"
#include "MainWindow.hpp"
#include "SessionLoader.hpp"

#include "tlblab/lesson.hpp"

#include <QAbstractButton>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTabBar>
#include <QLayout>
#include <QSettings>
#include <QStatusBar>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTextEdit>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "tlblab/version.hpp"

#include <algorithm>
#include <functional>

namespace tlblab::ui {

namespace {

const QString kSessionWhat = QStringLiteral("session/what");
const QString kSessionVariant = QStringLiteral("session/variant");
const QString kSessionStep = QStringLiteral("session/step");
const QString kRestoreSession = QStringLiteral("restoreSession");

bool isOpenableSuffix(const QString& path) {
    const QString s = QFileInfo(path).suffix().toLower();
    return s == QLatin1String("yaml") || s == QLatin1String("yml") || s == QLatin1String("tlb") ||
           s == QLatin1String("tlblab");
}

// "&Open lesson file..." -> "Open lesson file"
QString plainText(const QAction* a) {
    QString t = a->text();
    t.remove(QLatin1Char('&'));
    if (t.endsWith(QStringLiteral("..."))) t.chop(3);
    return t;
}

// A dialog that deletes itself when closed.
QDialog* newDialog(QWidget* parent, const QString& name, const QString& title) {
    auto* dialog = new QDialog(parent);
    dialog->setObjectName(name);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(title);
    return dialog;
}

// Shows `content` above a Close button, non-modal.
void showInDialog(QDialog* dialog, QWidget* content, const QSize& size) {
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(content);
    layout->addWidget(buttons);
    dialog->resize(size);
    dialog->show();
}

}  // namespace

DesktopIntegration::DesktopIntegration(MainWindow* window)
    : QObject(window), m_window(window), m_watcher(new QFileSystemWatcher(this)) {
    setObjectName(QStringLiteral("desktopIntegration"));
    buildHelpMenu();

    // Drops anywhere on the window: the window and every child that takes drops itself (the
    // canvas's viewport) hand them here.
    m_window->setAcceptDrops(true);
    m_window->installEventFilter(this);
    for (QWidget* w : m_window->findChildren<QWidget*>())
        if (w->acceptDrops() && !qobject_cast<QLineEdit*>(w) && !qobject_cast<QTextEdit*>(w) &&
            !qobject_cast<QPlainTextEdit*>(w))
            w->installEventFilter(this);

    // A broken save: a non-modal bar above the canvas, the last good version stays on screen.
    m_reloadBar = new QToolBar(tr("Reload error"), m_window);
    m_reloadBar->setObjectName(QStringLiteral("reloadBar"));
    m_reloadBar->setMovable(false);
    m_reloadLabel = new QLabel(m_reloadBar);
    m_reloadLabel->setObjectName(QStringLiteral("reloadError"));
    m_reloadLabel->setTextFormat(Qt::PlainText);  // file text never becomes markup
    m_reloadLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reloadLabel->setAccessibleName(tr("Reload error"));
    m_reloadBar->addWidget(m_reloadLabel);
    QAction* dismiss = m_reloadBar->addAction(tr("Dismiss"));
    dismiss->setObjectName(QStringLiteral("dismissReloadError"));
    connect(dismiss, &QAction::triggered, m_reloadBar, &QWidget::hide);
    m_window->addToolBarBreak(Qt::TopToolBarArea);
    m_window->addToolBar(Qt::TopToolBarArea, m_reloadBar);
    m_reloadBar->hide();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(150);  // editors write a file in several pieces
    connect(&m_debounce, &QTimer::timeout, this, [this] { reloadNow(); });
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &DesktopIntegration::onFileEvent);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &DesktopIntegration::onFileEvent);

    SessionController* c = m_window->controller();
    connect(c, &SessionController::loaded, this, [this, c] {
        m_reloadBar->hide();
        const auto d = c->session();
        watch(d ? QString::fromStdString(d->sourcePath) : QString());
    });
    connect(c, &SessionController::snapshotChanged, this, [this, c](const SnapshotPtr& snap) {
        m_current = {c->what(), QString::fromStdString(snap->session->variant), snap->step};
        m_window->canvas()->setAccessibleDescription(describeSnapshot(*snap));
    });
    m_window->canvas()->setAccessibleName(tr("Machine diagram"));
    connect(c, &SessionController::loaded, this, [this] { nameControls(m_window); });

    // Toolbar icons in the theme's text colour: the style's media icons are dark on any theme.
    for (QToolBar* tb : m_window->findChildren<QToolBar*>())
        for (QAction* a : tb->actions())
            connect(a, &QAction::changed, this, [this, a] {
                if (!m_tinting && !a->icon().isNull() && !m_tintedKeys.contains(a->icon().cacheKey())) tintToolBarIcons();
            });
    tintToolBarIcons();
    connect(qApp, &QCoreApplication::aboutToQuit, this, &DesktopIntegration::saveSession);
}

// ---- Help menu -------------------------------------------------------------------------------

void DesktopIntegration::buildHelpMenu() {
    QMenu* help = m_window->menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    auto add = [this, help](const QString& name, const QString& text, const QKeySequence& key, void (DesktopIntegration::*slot)()) {
        auto* a = new QAction(text, m_window);
        a->setObjectName(name);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        m_window->addAction(a);  // the shortcut works with the menu bar hidden (presentation)
        help->addAction(a);
        return a;
    };
    add(QStringLiteral("keyboardShortcuts"), tr("&Keyboard Shortcuts"), QKeySequence(Qt::Key_F1),
        &DesktopIntegration::showShortcuts);
    add(QStringLiteral("lessonFormat"), tr("&Lesson Format"), {}, &DesktopIntegration::showLessonFormat);
    help->addSeparator();
    add(QStringLiteral("about"), tr("&About TLB Lab"), {}, &DesktopIntegration::showAbout);

    // File menu: the session-restore setting and "Clear recent" live with the recent lessons.
    if (QMenu* file = m_window->menuBar()->actions().isEmpty() ? nullptr : m_window->menuBar()->actions().front()->menu()) {
        auto* restore = new QAction(tr("Restore the last session at start"), m_window);
        restore->setObjectName(QStringLiteral("restoreSession"));
        restore->setCheckable(true);
        restore->setChecked(restoreEnabled());
        connect(restore, &QAction::toggled, this, [](bool on) { QSettings().setValue(kRestoreSession, on); });
        const QList<QAction*> acts = file->actions();
        file->insertAction(acts.size() >= 2 ? acts.at(acts.size() - 2) : nullptr, restore);
    }
}

QStringList DesktopIntegration::shortcutLines() const {
    QStringList lines;
    QList<QAction*> seen;
    auto addAction = [&](QAction* a) {
        if (!a || a->isSeparator() || seen.contains(a) || a->shortcuts().isEmpty()) return;
        seen << a;
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
        lines << keys.join(QStringLiteral(", ")) + QLatin1Char('\t') + plainText(a);
    };
    // Menu order first, then the actions that live on the window only (presentation keys).
    std::function<void(QMenu*)> walk = [&](QMenu* m) {
        for (QAction* a : m->actions()) {
            if (a->menu()) walk(a->menu());
            else addAction(a);
        }
    };
    for (QAction* top : m_window->menuBar()->actions())
        if (top->menu()) walk(top->menu());
    for (QAction* a : m_window->actions()) addAction(a);
    return lines;
}

void DesktopIntegration::showShortcuts() {
    auto* dialog = newDialog(m_window, QStringLiteral("shortcutsDialog"), tr("Keyboard Shortcuts"));
    auto* table = new QTableWidget(dialog);
    table->setObjectName(QStringLiteral("shortcutsTable"));
    table->setAccessibleName(tr("Keyboard shortcuts"));
    table->setColumnCount(2);
    table->setHorizontalHeaderLabels({tr("Keys"), tr("Action")});
    const QStringList lines = shortcutLines();
    table->setRowCount(static_cast<int>(lines.size()));
    for (int i = 0; i < lines.size(); ++i) {
        const QStringList parts = lines.at(i).split(QLatin1Char('\t'));
        table->setItem(i, 0, new QTableWidgetItem(parts.value(0)));
        table->setItem(i, 1, new QTableWidgetItem(parts.value(1)));
    }
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->resizeColumnsToContents();
    showInDialog(dialog, table, QSize(520, 560));  // non-modal: keys can be tried with the list open
}

QString DesktopIntegration::aboutText() const {
    return tr("<h3>TLB Lab %1</h3>"
              "<p>A visual debugger and teaching tool for x86 PAE paging, TLBs and AMD Erratum 383.</p>"
              "<p>Copyright 2026 the TLB Lab contributors. This program is free software: you can "
              "redistribute it and/or modify it under the terms of the GNU General Public License as published "
              "by the Free Software Foundation, either version 3 of the License, or (at your option) any later "
              "version (GPL-3.0-or-later). It comes with absolutely no warranty.</p>"
              "<p><b>Sources the lessons cite</b></p><ul>"
              "<li>AMD, <i>Revision Guide for AMD Family 10h Processors</i>, PID 41322, erratum 383</li>"
              "<li>Intel, <i>Intel 64 and IA-32 Architectures Software Developer's Manual</i>, vol. 3A, "
              "chapter 4 (paging)</li>"
              "<li>Linux commit fd89a137924e: a separate trampoline page table for booting CPUs (the merged fix)</li>"
              "<li>Linux commit ad5ca55f6bdb: x86, cpa: global TLB flush after splitting a big page</li>"
              "<li>Linux commit 805e3f495057: xen: x86/32: perform initial startup on initial_page_table</li>"
              "<li>LKML, 18 January 2011: Konrad Wilk's reply to Joerg Roedel's "
              "&quot;[PATCH 1/3] x86-32: Separate 1:1 pagetables from swapper_pg_dir&quot;</li></ul>"
              "<p>Built with Qt, QCustomPlot, yaml-cpp, fmt, nlohmann-json and CLI11.</p>")
        .arg(QString::fromLatin1(tlblab::kVersion));
}

void DesktopIntegration::showAbout() {
    auto* box = new QMessageBox(QMessageBox::NoIcon, tr("About TLB Lab"), aboutText(), QMessageBox::Close, m_window);
    box->setObjectName(QStringLiteral("aboutDialog"));
    box->setTextFormat(Qt::RichText);
    box->setIconPixmap(QApplication::windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString DesktopIntegration::lessonFormatPath() {
    for (const std::string& dir : lessonDirs()) {
        const QString p = QString::fromStdString(dir) + QStringLiteral("/README.md");
        if (QFileInfo::exists(p)) return QFileInfo(p).absoluteFilePath();
    }
    return {};
}

void DesktopIntegration::showLessonFormat() {
    const QString path = lessonFormatPath();
    QFile f(path);
    if (path.isEmpty() || !f.open(QIODevice::ReadOnly)) {
        QMessageBox::information(m_window, tr("Lesson Format"),
                                 tr("The lesson format's description (lessons/README.md) is not installed."));
        return;
    }
    auto* dialog = newDialog(m_window, QStringLiteral("lessonFormatDialog"), tr("Lesson Format - %1").arg(path));
    auto* text = new QTextBrowser(dialog);
    text->setObjectName(QStringLiteral("lessonFormatText"));
    text->setAccessibleName(tr("Lesson format"));
    text->setOpenExternalLinks(false);
    text->setMarkdown(QString::fromUtf8(f.readAll()));
    showInDialog(dialog, text, QSize(900, 700));
}

// ---- theme -----------------------------------------------------------------------------------

QIcon DesktopIntegration::tinted(const QIcon& icon, const QColor& color) {
    QIcon out;
    for (int size : {16, 22, 24, 32, 48}) {
        QPixmap pm = icon.pixmap(size, size);
        if (pm.isNull()) continue;
        QPainter p(&pm);
        p.setCompositionMode(QPainter::CompositionMode_SourceIn);
        p.fillRect(QRect(QPoint(0, 0), pm.size()), color);
        p.end();
        out.addPixmap(pm);
    }
    return out;
}

void DesktopIntegration::tintToolBarIcons() {
    m_tinting = true;
    const QColor fg = m_window->palette().color(QPalette::ButtonText);
    QSet<qint64> keys;
    for (QToolBar* tb : m_window->findChildren<QToolBar*>())
        for (QAction* a : tb->actions()) {
            if (a->icon().isNull()) continue;
            if (!m_tintedKeys.contains(a->icon().cacheKey())) m_untinted[a] = a->icon();  // set by the window
            const QIcon icon = tinted(m_untinted.value(a), fg);
            keys.insert(icon.cacheKey());
            a->setIcon(icon);
        }
    m_tintedKeys = keys;
    m_tinting = false;
}

// ---- drag and drop ---------------------------------------------------------------------------

QStringList DesktopIntegration::openableFiles(const QList<QUrl>& urls) {
    QStringList out;
    for (const QUrl& u : urls) {
        if (!u.isLocalFile()) continue;
        const QFileInfo fi(u.toLocalFile());
        if (fi.isFile() && isOpenableSuffix(fi.filePath())) out << fi.absoluteFilePath();
    }
    return out;
}

bool DesktopIntegration::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
    case QEvent::DragEnter:
    case QEvent::DragMove: {
        auto* e = static_cast<QDragMoveEvent*>(event);
        if (e->mimeData()->hasUrls() && !openableFiles(e->mimeData()->urls()).isEmpty()) {
            e->acceptProposedAction();
            return true;
        }
        break;
    }
    case QEvent::Drop: {
        auto* e = static_cast<QDropEvent*>(event);
        const QStringList files = e->mimeData()->hasUrls() ? openableFiles(e->mimeData()->urls()) : QStringList();
        if (!files.isEmpty()) {
            e->acceptProposedAction();
            m_window->openLesson(files.front());  // one window, one lesson: the first file
            return true;
        }
        break;
    }
    case QEvent::Close:
        if (watched == m_window) saveSession();
        break;
    case QEvent::PaletteChange:
        if (watched == m_window) tintToolBarIcons();
        break;
    case QEvent::ChildPolished:
        // The dock areas' tab bars come and go with the layout.
        if (auto* bar = qobject_cast<QTabBar*>(static_cast<QChildEvent*>(event)->child()); bar && bar->accessibleName().isEmpty())
            bar->setAccessibleName(tr("Panel tabs"));
        break;
    case QEvent::Show:
        if (watched == m_window) QTimer::singleShot(0, this, [this] { nameControls(m_window); });  // dock tab bars
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

// ---- live reload -----------------------------------------------------------------------------

void DesktopIntegration::watch(const QString& path) {
    if (!m_watcher->files().isEmpty()) m_watcher->removePaths(m_watcher->files());
    if (!m_watcher->directories().isEmpty()) m_watcher->removePaths(m_watcher->directories());
    m_path = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    m_loadedBytes.clear();
    if (m_path.isEmpty()) return;
    QFile f(m_path);
    if (f.open(QIODevice::ReadOnly)) m_loadedBytes = f.readAll();
    m_watcher->addPath(m_path);
    // Editors that save by writing a new file and renaming it over the old one replace the watched
    // inode: the directory's change event brings the path back.
    m_watcher->addPath(QFileInfo(m_path).absolutePath());
}

void DesktopIntegration::onFileEvent() {
    if (m_path.isEmpty()) return;
    if (!m_watcher->files().contains(m_path) && QFileInfo::exists(m_path)) m_watcher->addPath(m_path);
    m_debounce.start();
}

bool DesktopIntegration::reloadNow() {
    SessionController* c = m_window->controller();
    const auto d = c->session();
    if (m_path.isEmpty() || !d) return false;
    QFile f(m_path);
    if (!f.open(QIODevice::ReadOnly)) return false;  // mid-rename: the directory event comes back
    const QByteArray bytes = f.readAll();
    if (bytes == m_loadedBytes) return true;  // a touch, or another file of the folder
    try {
        LoadedSession s = loadSession(m_path.toStdString(), d->variant);
        m_loadedBytes = bytes;
        const int steps = static_cast<int>(s.data->steps.size());
        const int step = std::min(c->step(), steps - 1);
        c->setSession(std::move(s), step);
        m_reloadBar->hide();
        m_window->statusBar()->showMessage(tr("Reloaded %1").arg(QFileInfo(m_path).fileName()), 3000);
        emit reloaded();
        return true;
    } catch (const std::exception& e) {
        m_loadedBytes = bytes;  // the same broken text does not report twice
        showReloadError(QString::fromStdString(e.what()));
        return false;
    }
}

void DesktopIntegration::showReloadError(const QString& msg) {
    m_reloadLabel->setText(tr("Not reloaded, still showing the last good version: %1").arg(msg));
    m_reloadBar->show();
    emit reloadFailed(msg);
}

QString DesktopIntegration::reloadError() const { return m_reloadBar->isVisible() ? m_reloadLabel->text() : QString(); }

// ---- session restore -------------------------------------------------------------------------

SavedSession DesktopIntegration::savedSession() {
    QSettings s;
    return {s.value(kSessionWhat).toString(), s.value(kSessionVariant).toString(), s.value(kSessionStep, -1).toInt()};
}

bool DesktopIntegration::restoreEnabled() { return QSettings().value(kRestoreSession, true).toBool(); }

void DesktopIntegration::saveSession() const {
    if (!m_current.valid()) return;
    QSettings s;
    QString what = m_current.what;
    if (QFileInfo(what).isFile()) what = QFileInfo(what).absoluteFilePath();
    s.setValue(kSessionWhat, what);
    s.setValue(kSessionVariant, m_current.variant);
    s.setValue(kSessionStep, m_current.step);
}

// ---- accessibility ---------------------------------------------------------------------------

QString DesktopIntegration::describeSnapshot(const Snapshot& snap) {
    QStringList parts;
    const SessionData& d = *snap.session;
    if (const StepInfo* s = snap.stepInfo())
        parts << tr("Step %1 of %2: %3.").arg(s->number).arg(d.steps.size()).arg(QString::fromStdString(s->title));
    else
        parts << tr("Set-up, before step 1 of %1.").arg(d.steps.size());
    const Machine& m = snap.machine;
    for (const Cpu& c : m.cpus()) {
        const std::string table = m.tableName(c.regs.cr3);
        QString line = tr("cpu%1 %2, CR3 %3%4, %n TLB entries", nullptr, static_cast<int>(c.tlb.size()))
                           .arg(c.id)
                           .arg(QLatin1String(cpuStateName(c.state)))
                           .arg(QString::fromStdString(hex32(c.regs.cr3)))
                           .arg(table.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(table)));
        QStringList entries;
        for (const TlbEntry& e : c.tlb.entries()) {
            if (entries.size() == 6) {
                entries << tr("and more");
                break;
            }
            entries << QStringLiteral("%1 %2%3 %4")
                           .arg(QString::fromStdString(hex32(e.va)), QLatin1String(pageSizeName(e.size)),
                                e.global ? tr(" global") : QString(), e.user ? tr("user") : tr("supervisor"));
        }
        if (!entries.isEmpty()) line += QStringLiteral(": ") + entries.join(QStringLiteral("; "));
        if (c.mc0Status) line += tr(", machine check, MC0_STATUS %1").arg(QString::fromStdString(hex(c.mc0Status)));
        parts << line + QLatin1Char('.');
    }
    return parts.join(QLatin1Char(' '));
}

namespace {

// What kind of control a widget is, for a name made from its panel's title: "Console input".
QString kindOf(const QWidget* w) {
    if (qobject_cast<const QLineEdit*>(w)) return DesktopIntegration::tr("input");
    if (qobject_cast<const QAbstractSpinBox*>(w)) return DesktopIntegration::tr("number");
    if (qobject_cast<const QComboBox*>(w)) return DesktopIntegration::tr("choice");
    if (qobject_cast<const QAbstractItemView*>(w)) return DesktopIntegration::tr("list");
    if (qobject_cast<const QTextEdit*>(w) || qobject_cast<const QPlainTextEdit*>(w)) return DesktopIntegration::tr("text");
    return DesktopIntegration::tr("control");
}

// The text of the label just before `w` in its parent's layout, if that is a label.
QString labelBefore(const QWidget* w) {
    const QWidget* parent = w->parentWidget();
    QLayout* layout = parent ? parent->layout() : nullptr;
    if (!layout) return {};
    // The layout may be nested: look in every layout of the parent for the item holding w.
    QList<QLayout*> layouts = parent->findChildren<QLayout*>();
    layouts << layout;
    for (QLayout* l : layouts) {
        const int i = l->indexOf(const_cast<QWidget*>(w));
        if (i <= 0) continue;
        if (auto* label = qobject_cast<QLabel*>(l->itemAt(i - 1)->widget())) {
            QString t = label->text().remove(QLatin1Char('&')).trimmed();
            if (t.endsWith(QLatin1Char(':'))) t.chop(1);
            if (!t.isEmpty() && !t.startsWith(QLatin1Char('<'))) return t;
        }
    }
    return {};
}

QString dockTitleOf(const QWidget* w) {
    for (const QWidget* p = w->parentWidget(); p; p = p->parentWidget())
        if (auto* dock = qobject_cast<const QDockWidget*>(p)) return dock->windowTitle();
    return {};
}

}  // namespace

void DesktopIntegration::nameControls(QWidget* root) {
    for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!w->accessibleName().isEmpty()) continue;
        QString name;
        if (auto* b = qobject_cast<QAbstractButton*>(w)) {
            name = b->text().remove(QLatin1Char('&'));
            if (name.isEmpty() && qobject_cast<QToolButton*>(w) && static_cast<QToolButton*>(w)->defaultAction())
                name = plainText(static_cast<QToolButton*>(w)->defaultAction());
        }
        if (name.isEmpty() && (w->objectName() == QLatin1String("qt_menubar_ext_button") ||
                               w->objectName() == QLatin1String("qt_toolbar_ext_button")))
            name = tr("More");
        if (name.isEmpty()) name = w->toolTip();
        if (name.isEmpty())
            for (QLabel* l : root->findChildren<QLabel*>())
                if (l->buddy() == w) name = l->text().remove(QLatin1Char('&'));
        if (name.isEmpty()) name = labelBefore(w);
        // The parts of a spin box or combo box speak for it.
        if (name.isEmpty() && w->parentWidget() &&
            (qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget())))
            name = w->parentWidget()->accessibleName().isEmpty() ? labelBefore(w->parentWidget())
                                                                 : w->parentWidget()->accessibleName();
        const QString dock = dockTitleOf(w);
        if (name.isEmpty()) {
            if (auto* bar = qobject_cast<QScrollBar*>(w))
                name = (bar->orientation() == Qt::Vertical ? tr("Vertical scroll bar") : tr("Horizontal scroll bar")) +
                       (dock.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(dock));
            else if (qobject_cast<QTabBar*>(w))
                name = tr("Panel tabs");
            else if (w->parentWidget() && qobject_cast<QDockWidget*>(w->parentWidget()))
                name = dock;
            else if (!dock.isEmpty() && (qobject_cast<QLineEdit*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
                                         qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractItemView*>(w) ||
                                         qobject_cast<QTextEdit*>(w) || qobject_cast<QPlainTextEdit*>(w)))
                name = dock + QLatin1Char(' ') + kindOf(w);
        }
        if (!name.isEmpty()) w->setAccessibleName(name);
    }
}

}  // namespace tlblab::ui

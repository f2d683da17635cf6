// SPDX-License-Identifier: GPL-3.0-or-later
// The window as a desktop program: live reload, session restore, drag and drop, recent files,
// the Help menu, the lesson picker's titles and accessible names.
#include "gui_helpers.hpp"

#include "DesktopIntegration.hpp"
#include "MachineCanvas.hpp"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QTableWidget>
#include <QTextBrowser>
#include <QPlainTextEdit>
#include <QTabBar>
#include <QTextEdit>
#include <QUrl>

using namespace tlblab;
using tlblab::test::openWindow;

namespace {

ui::DesktopIntegration* desktop(ui::MainWindow& w) {
    auto* d = w.findChild<ui::DesktopIntegration*>();
    REQUIRE(d);
    return d;
}

// A lesson of three steps whose second step's title is `title`.
QByteArray lessonText(const QString& title) {
    return QStringLiteral("title: \"Reload probe\"\n"
                          "setup: |\n"
                          "  cpus 1\n"
                          "  table t\n"
                          "  map t 0x1000 0x5000 16K 4K user rw\n"
                          "steps:\n"
                          "  - title: \"load CR3\"\n"
                          "    ops: |\n"
                          "      cpu0 load_cr3 t\n"
                          "  - title: \"%1\"\n"
                          "    ops: |\n"
                          "      cpu0 access 0x1000 read user\n"
                          "  - title: \"third\"\n"
                          "    ops: |\n"
                          "      cpu0 access 0x2000 read user\n")
        .arg(title)
        .toUtf8();
}

// Saves the way many editors do: write a new file, then rename it over the old one.
void saveByRename(const QString& path, const QByteArray& text) {
    const QString tmp = path + QStringLiteral(".new");
    QFile f(tmp);
    REQUIRE(f.open(QIODevice::WriteOnly));
    f.write(text);
    f.close();
    QFile::remove(path);
    REQUIRE(QFile::rename(tmp, path));
}

void saveInPlace(const QString& path, const QByteArray& text) {
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

QString stepTitle(const ui::SessionController* c, int step) {
    return QString::fromStdString(c->session()->steps.at(static_cast<std::size_t>(step)).title);
}

}  // namespace

TEST_CASE("live reload keeps the step, survives a broken save and follows saves by rename") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("probe.yaml"));
    saveInPlace(path, lessonText(QStringLiteral("first version")));
    auto w = openWindow(path, {}, 1);
    auto* c = w->controller();
    auto* d = desktop(*w);
    CHECK(d->watchedFile() == QFileInfo(path).absoluteFilePath());
    REQUIRE(c->step() == 1);
    CHECK(stepTitle(c, 1) == QStringLiteral("first version"));

    QSignalSpy reloaded(d, &ui::DesktopIntegration::reloaded);
    QSignalSpy failed(d, &ui::DesktopIntegration::reloadFailed);
    saveInPlace(path, lessonText(QStringLiteral("second version")));
    REQUIRE(reloaded.wait(5000));
    CHECK(c->step() == 1);
    CHECK(stepTitle(c, 1) == QStringLiteral("second version"));

    // A broken save: the error names FILE:LINE:COL in the bar, the last good version stays.
    saveByRename(path, lessonText(QStringLiteral("broken")) + "  - title: [unclosed\n");
    REQUIRE(failed.wait(5000));
    const QString msg = failed.takeFirst().at(0).toString();
    CHECK(msg.contains(QRegularExpression(QStringLiteral("probe\\.yaml:\\d+:\\d+: error"))));
    CHECK(d->reloadError().contains(msg));
    CHECK(stepTitle(c, 1) == QStringLiteral("second version"));
    CHECK(c->step() == 1);
    CHECK(w->findChildren<QMessageBox*>().isEmpty());  // a bar, not a dialog

    // After the rename the new file is watched: the fix reloads and hides the bar.
    reloaded.clear();
    saveByRename(path, lessonText(QStringLiteral("third version")));
    REQUIRE(reloaded.wait(5000));
    CHECK(stepTitle(c, 1) == QStringLiteral("third version"));
    CHECK(c->step() == 1);
    CHECK(d->reloadError().isEmpty());
}

TEST_CASE("the session comes back: lesson, variant and step are saved when the window closes") {
    {
        auto w = openWindow(QStringLiteral("erratum-383"), QStringLiteral("fix-flush"), 3);
        REQUIRE(w->controller()->step() == 3);
        w->close();
    }
    const ui::SavedSession s = ui::DesktopIntegration::savedSession();
    CHECK(s.what == QStringLiteral("erratum-383"));
    CHECK(s.variant == QStringLiteral("fix-flush"));
    CHECK(s.step == 3);
    CHECK(ui::DesktopIntegration::restoreEnabled());

    // Reopened as main() does it, the window shows the same place.
    auto w = openWindow(s.what, s.variant, s.step);
    CHECK(w->controller()->step() == 3);
    CHECK(w->controller()->session()->variant == "fix-flush");

    // The File menu's setting turns it off for the next start.
    QAction* restore = w->action(QStringLiteral("restoreSession"));
    REQUIRE(restore);
    CHECK(restore->isChecked());
    restore->setChecked(false);
    CHECK_FALSE(ui::DesktopIntegration::restoreEnabled());
    restore->setChecked(true);
    CHECK(ui::DesktopIntegration::restoreEnabled());
}

TEST_CASE("a lesson file dropped on the window opens; other files are refused") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString lesson = dir.filePath(QStringLiteral("dropped.yaml"));
    saveInPlace(lesson, lessonText(QStringLiteral("dropped")));
    const QString text = dir.filePath(QStringLiteral("notes.txt"));
    saveInPlace(text, "not a lesson");
    auto w = openWindow(QStringLiteral("lazy-tlb"));

    QMimeData refused;
    refused.setUrls({QUrl::fromLocalFile(text)});
    QDragEnterEvent no(QPoint(50, 50), Qt::CopyAction, &refused, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &no);
    CHECK_FALSE(no.isAccepted());

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(lesson)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &enter);
    CHECK(enter.isAccepted());
    QSignalSpy loaded(w->controller(), &ui::SessionController::loaded);
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &drop);
    CHECK(drop.isAccepted());
    REQUIRE(loaded.wait(20000));
    CHECK(w->controller()->session()->title == "Reload probe");
    // Dropped on the canvas (which takes drops itself) works as well.
    QDragEnterEvent onCanvas(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QWidget* viewport = w->canvas()->findChild<QWidget*>(QStringLiteral("qt_scrollarea_viewport"));
    QApplication::sendEvent(viewport ? viewport : static_cast<QWidget*>(w->canvas()), &onCanvas);
    CHECK(onCanvas.isAccepted());
}

TEST_CASE("recent files are absolute paths and can be cleared") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    saveInPlace(dir.filePath(QStringLiteral("rel.yaml")), lessonText(QStringLiteral("relative")));
    const QString before = QDir::currentPath();
    QDir::setCurrent(dir.path());
    auto w = openWindow(QStringLiteral("rel.yaml"));
    QDir::setCurrent(before);
    const QStringList recent = QSettings().value(QStringLiteral("recentLessons")).toStringList();
    REQUIRE_FALSE(recent.isEmpty());
    CHECK(recent.front() == QFileInfo(dir.filePath(QStringLiteral("rel.yaml"))).absoluteFilePath());
    QAction* clear = w->findChild<QAction*>(QStringLiteral("clearRecent"));
    REQUIRE(clear);
    clear->trigger();
    CHECK(QSettings().value(QStringLiteral("recentLessons")).toStringList().isEmpty());
}

TEST_CASE("Help: keyboard shortcuts come from the actions, About names the licence and sources") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* d = desktop(*w);
    const QStringList lines = d->shortcutLines();
    CHECK(lines.contains(QStringLiteral("F1\tKeyboard Shortcuts")));
    // Every action of the window that has a shortcut is listed, with each of its keys.
    for (QAction* a : w->findChildren<QAction*>()) {
        if (a->shortcuts().isEmpty()) continue;
        const QString keys = a->shortcut().toString(QKeySequence::NativeText);
        bool found = false;
        for (const QString& l : lines) found = found || l.startsWith(keys);
        INFO(a->objectName().toStdString() << " " << keys.toStdString());
        CHECK(found);
    }
    QAction* f1 = w->action(QStringLiteral("keyboardShortcuts"));
    REQUIRE(f1);
    f1->trigger();
    auto* table = w->findChild<QTableWidget*>(QStringLiteral("shortcutsTable"));
    REQUIRE(table);
    CHECK(table->rowCount() == lines.size());

    const QString about = d->aboutText();
    for (const char* s : {"GPL-3.0-or-later", "41322", "fd89a137", "ad5ca55f", "805e3f49", "LKML", "Software Developer"})
        CHECK(about.contains(QLatin1String(s)));
    CHECK(about.contains(QCoreApplication::applicationVersion().isEmpty() ? QStringLiteral("0.") : QString()));
    CHECK(ui::DesktopIntegration::lessonFormatPath().endsWith(QStringLiteral("README.md")));
    w->action(QStringLiteral("lessonFormat"))->trigger();
    auto* text = w->findChild<QTextBrowser*>(QStringLiteral("lessonFormatText"));
    REQUIRE(text);
    CHECK(text->toPlainText().contains(QStringLiteral("narration")));
}

TEST_CASE("the lesson picker shows titles and keeps ids") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* box = w->findChild<QComboBox*>(QStringLiteral("lessonPicker"));
    REQUIRE(box);
    const int i = box->findData(QStringLiteral("erratum-383"));
    REQUIRE(i >= 0);
    CHECK(box->itemText(i) == QString::fromStdString(w->controller()->session()->title));
    CHECK(box->itemText(i) != QStringLiteral("erratum-383"));
}

TEST_CASE("the lesson picker names a lesson opened from a file by its own entry, not a bundled one") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* box = w->findChild<QComboBox*>(QStringLiteral("lessonPicker"));
    REQUIRE(box);
    const int bundled = box->count();
    // A copy of a bundled lesson, same id, another title, in another folder (an explorer trace, a
    // lesson being written): the picker must not show the bundled lesson's title for it.
    QFile src(QStringLiteral(TLBLAB_EXPLORE_TEST_DIR "/../../lessons/pae-translation.yaml"));
    REQUIRE(src.open(QIODevice::ReadOnly));
    QByteArray text = src.readAll();
    const QByteArray title = "\ntitle: \"PAE address translation\"";
    REQUIRE(text.contains(title));
    text.replace(title, "\ntitle: \"PAE address translation (my copy)\"");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("pae-translation.yaml"));  // the id comes from the name
    {
        QFile f(path);
        REQUIRE(f.open(QIODevice::WriteOnly));
        f.write(text);
    }
    QSignalSpy loaded(w->controller(), &ui::SessionController::loaded);
    w->openLesson(path);
    REQUIRE(loaded.wait(20000));
    REQUIRE(w->controller()->session()->id == "pae-translation");
    CHECK(box->count() == bundled + 1);
    CHECK(box->currentIndex() == bundled);
    CHECK(box->currentText().contains(QStringLiteral("(my copy)")));
    CHECK(box->currentText().endsWith(QStringLiteral("(file)")));
    // Back to a bundled lesson: its entry, and the file's entry is gone.
    w->openLesson(QStringLiteral("lazy-tlb"));
    REQUIRE(loaded.wait(20000));
    CHECK(box->count() == bundled);
    CHECK(box->currentData().toString() == QStringLiteral("lazy-tlb"));
}

TEST_CASE("every control has an accessible name; the canvas describes the step") {
    // Step 8 of erratum-383: the machine check (step 3 was split in two, so it is no longer step 6).
    auto w = openWindow(QStringLiteral("erratum-383"), QStringLiteral("buggy"), 7);
    QStringList unnamed;
    for (QWidget* c : w->findChildren<QWidget*>()) {
        const bool control = qobject_cast<QAbstractButton*>(c) || qobject_cast<QComboBox*>(c) ||
                             qobject_cast<QLineEdit*>(c) || qobject_cast<QAbstractSlider*>(c) ||
                             qobject_cast<QAbstractSpinBox*>(c) || qobject_cast<QAbstractItemView*>(c) ||
                             qobject_cast<QTextEdit*>(c) || qobject_cast<QPlainTextEdit*>(c) ||
                             qobject_cast<QTabBar*>(c) || c == w->canvas();
        if (!control || !c->isVisible()) continue;  // a hidden widget is not there for a screen reader either
        if (c->parentWidget() && qobject_cast<QComboBox*>(c->parentWidget())) continue;  // a combo's own parts
        if (qobject_cast<QLineEdit*>(c) && qobject_cast<QComboBox*>(c->parentWidget())) continue;
        QAccessibleInterface* a = QAccessible::queryAccessibleInterface(c);
        const QString name = a ? a->text(QAccessible::Name) : QString();
        if (name.trimmed().isEmpty())
            unnamed << QStringLiteral("%1 (%2 in %3)")
                           .arg(c->objectName(), QLatin1String(c->metaObject()->className()),
                                QLatin1String(c->parentWidget() ? c->parentWidget()->metaObject()->className() : "-"));
    }
    INFO("controls without an accessible name: " << unnamed.join(QStringLiteral(", ")).toStdString());
    CHECK(unnamed.isEmpty());

    const QString desc = w->canvas()->accessibleDescription();
    INFO(desc.toStdString());
    CHECK(desc.contains(QStringLiteral("Step 8 of")));
    CHECK(desc.contains(QStringLiteral("cpu1")));
    CHECK(desc.contains(QStringLiteral("CR3 0x")));
    CHECK(desc.contains(QStringLiteral("machine check")));
    CHECK(w->canvas()->accessibleName() == QStringLiteral("Machine diagram"));
    // What a screen reader asks for.
    QAccessibleInterface* canvas = QAccessible::queryAccessibleInterface(w->canvas());
    REQUIRE(canvas);
    CHECK(canvas->text(QAccessible::Description) == desc);
    // The next step changes it.
    w->controller()->stepForward();
    CHECK(w->canvas()->accessibleDescription() != desc);
    CHECK(w->canvas()->accessibleDescription().contains(QStringLiteral("Step 9 of")));
}

namespace {
// Mean lightness (0..255) of an icon's opaque pixels.
int iconLightness(const QIcon& icon) {
    const QImage img = icon.pixmap(24, 24).toImage().convertToFormat(QImage::Format_ARGB32);
    long sum = 0, n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            if (c.alpha() < 128) continue;
            sum += c.lightness();
            ++n;
        }
    return n ? static_cast<int>(sum / n) : -1;
}
}  // namespace

TEST_CASE("toolbar icons follow the theme: light on dark, dark on light, also after play/pause") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    w->setThemeChoice(ui::ThemeChoice::Dark);
    QAction* next = w->action(QStringLiteral("stepForward"));
    QAction* play = w->action(QStringLiteral("playPause"));
    REQUIRE(next);
    CHECK(iconLightness(next->icon()) > 160);
    CHECK(iconLightness(play->icon()) > 160);
    w->controller()->togglePlay();  // the window sets the pause icon: it is tinted too
    CHECK(iconLightness(play->icon()) > 160);
    w->controller()->togglePlay();
    w->setThemeChoice(ui::ThemeChoice::Light);
    CHECK(iconLightness(next->icon()) >= 0);
    CHECK(iconLightness(next->icon()) < 100);
    w->setThemeChoice(ui::ThemeChoice::System);
}

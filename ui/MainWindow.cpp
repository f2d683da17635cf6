// SPDX-License-Identifier: GPL-3.0-or-later
#include "MainWindow.hpp"

#include "BreakpointsPanel.hpp"
#include "ChallengePanel.hpp"
#include "ChangesList.hpp"
#include "CompareView.hpp"
#include "DesktopIntegration.hpp"
#include "ConsolePanel.hpp"
#include "ExportDialog.hpp"
#include "ExplorePanel.hpp"
#include "Inspector.hpp"
#include "MachineCanvas.hpp"
#include "NarrationPanel.hpp"
#include "PlotsDock.hpp"
#include "SceneExport.hpp"
#include "SnapshotScene.hpp"
#include "StressPanel.hpp"
#include "SwimlaneTimeline.hpp"

#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QShowEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QScreen>
#include <QScrollArea>
#include <QHash>
#include <QSet>
#include <QLabel>
#include <QMouseEvent>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QToolBar>

namespace tlblab::ui {

namespace {
constexpr double kPresentationFontScale = 1.6;
// Canvas text below these sizes is drawn as a bar: 12 px from the back row of a lecture hall; at the
// desk (normal window, a laptop at 1280x720) 7 px, which a reader at the screen can still read.
constexpr double kPresentationMinTextPx = 12.0;
constexpr double kDeskMinTextPx = 7.0;
constexpr int kCaptionPercent = 28;  // presentation: caption column's share of the width (canvas 72 %)
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_controller(new SessionController(this)),
      m_canvas(new MachineCanvas(this)),
      m_compare(new CompareView(m_controller, this)),
      m_split(new QSplitter(Qt::Horizontal, this)),
      m_narration(new NarrationPanel(this)),
      m_changes(new ChangesList(this)),
      m_timeline(new SwimlaneTimeline(this)),
      m_inspector(new Inspector(this)),
      m_console(new ConsolePanel(m_controller, this)),
      m_breakpoints(new BreakpointsPanel(m_controller, this)),
      m_plots(new PlotsDock(m_controller, this)),
      m_explore(new ExplorePanel(this)),
      m_stress(new StressPanel(this)),
      m_lessonBox(new QComboBox(this)),
      m_variantBox(new QComboBox(this)),
      m_speedBox(new QComboBox(this)),
      m_position(new QLabel(this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("TLB Lab"));
    m_canvas->setMinTextPx(kDeskMinTextPx);
    m_systemPalette = QApplication::palette();
    m_baseFont = font();
    m_canvas->setObjectName(QStringLiteral("canvas"));
    m_split->addWidget(m_canvas);
    m_split->addWidget(m_compare);
    m_compare->hide();
    // The central area: the canvas (and compare's pane) and, in presentation mode only, the
    // caption column with the step's narration.
    m_central = new QWidget(this);
    auto* centralLayout = new QHBoxLayout(m_central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_split, 1);
    m_caption = new NarrationPanel(m_central);
    m_caption->setObjectName(QStringLiteral("caption"));
    m_caption->browser()->setFocusPolicy(Qt::NoFocus);  // clicker keys always reach the window
    // The step title one size up from the text, not two: it stays on one or two lines of the column.
    m_caption->browser()->document()->setDefaultStyleSheet(QStringLiteral("h2 { font-size: large; margin-bottom: 4px; }"));
    m_caption->hide();
    centralLayout->addWidget(m_caption);
    setCentralWidget(m_central);
    m_blank = new QWidget(this);
    m_blank->setObjectName(QStringLiteral("blankScreen"));
    m_blank->setAutoFillBackground(true);
    {
        QPalette bp;
        bp.setColor(QPalette::Window, Qt::black);
        m_blank->setPalette(bp);
    }
    m_blank->hide();
    setDockNestingEnabled(true);

    addDock(m_narration, tr("Narration"), QStringLiteral("narrationDock"), Qt::RightDockWidgetArea);
    auto* changesDock = addDock(m_changes, tr("Changes"), QStringLiteral("changesDock"), Qt::RightDockWidgetArea);
    auto* inspectorDock = addDock(m_inspector, tr("Inspector"), QStringLiteral("inspectorDock"), Qt::RightDockWidgetArea);
    auto* consoleDock = addDock(m_console, tr("Console"), QStringLiteral("consoleDock"), Qt::RightDockWidgetArea);
    // Panels taller or wider than a 1280x720 screen allows beside the others scroll inside their
    // dock, so the window's minimum size keeps the timeline and status bar on such a screen.
    auto* bpDock = addDock(m_breakpoints, tr("Breakpoints"), QStringLiteral("breakpointsDock"), Qt::RightDockWidgetArea, true);
    auto* plotsDock = addDock(m_plots, tr("Plots"), QStringLiteral("plotsDock"), Qt::RightDockWidgetArea, true);
    tabifyDockWidget(changesDock, inspectorDock);
    tabifyDockWidget(inspectorDock, consoleDock);
    tabifyDockWidget(consoleDock, bpDock);
    tabifyDockWidget(bpDock, plotsDock);
    auto* exploreDock = addDock(m_explore, tr("Explore"), QStringLiteral("exploreDock"), Qt::RightDockWidgetArea, true);
    auto* stressDock = addDock(m_stress, tr("Stress"), QStringLiteral("stressDock"), Qt::RightDockWidgetArea, true);
    tabifyDockWidget(plotsDock, exploreDock);
    tabifyDockWidget(exploreDock, stressDock);
    auto* challenge = new ChallengePanel(m_controller, this);
    tabifyDockWidget(stressDock, addDock(challenge, tr("Challenge"), QStringLiteral("challengeDock"), Qt::RightDockWidgetArea));
    connect(challenge, &ChallengePanel::openCounterexample, this,
            [this](const QString& path, const QString& variant) { openLesson(path, variant); });
    changesDock->raise();
    addDock(m_timeline, tr("Timeline"), QStringLiteral("timelineDock"), Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    resizeDocks({m_docks.front()}, {460}, Qt::Horizontal);
    resizeDocks({m_docks.front(), changesDock}, {520, 380}, Qt::Vertical);

    buildActions();
    buildMenus();
    buildToolBar();
    statusBar()->addPermanentWidget(m_position);

    connect(m_controller, &SessionController::snapshotChanged, this, &MainWindow::showSnapshot);
    connect(m_controller, &SessionController::loaded, this, &MainWindow::onLoaded);
    connect(m_controller, &SessionController::loadFailed, this, &MainWindow::onLoadFailed);
    connect(m_controller, &SessionController::loadStarted, this,
            [this](const QString& what) { statusBar()->showMessage(tr("Loading %1 ...").arg(what)); });
    connect(m_controller, &SessionController::breakpointHit, this, [this](int, const QString& d) {
        statusBar()->showMessage(tr("Breakpoint: %1").arg(d), 5000);
    });
    connect(m_controller, &SessionController::playingChanged, this, [this](bool playing) {
        action(QStringLiteral("playPause"))->setText(playing ? tr("Pause") : tr("Play"));
        action(QStringLiteral("playPause"))->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    });
    connect(m_explore, &ExplorePanel::openCounterexample, this,
            [this](const QString& path, const QString& variant) { openLesson(path, variant); });
    connect(m_timeline, &SwimlaneTimeline::seekRequested, m_controller, &SessionController::seekPosition);
    m_timeline->setEventSource([this](std::size_t op) { return m_controller->eventsOfOp(op); });
    connect(m_canvas, &MachineCanvas::tlbEntryClicked, m_inspector, &Inspector::inspectTlbEntry);
    connect(m_canvas, &MachineCanvas::tableEntryClicked, m_inspector, &Inspector::inspectTableEntry);
    auto raiseInspector = [inspectorDock] { inspectorDock->raise(); };
    connect(m_canvas, &MachineCanvas::tlbEntryClicked, this, raiseInspector);
    connect(m_canvas, &MachineCanvas::tableEntryClicked, this, raiseInspector);

    restoreSettings();
    applyAppearance();
    new DesktopIntegration(this);  // Help menu, drops, live reload, session restore
    DesktopIntegration::nameControls(this);
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addDock(QWidget* w, const QString& title, const QString& name, Qt::DockWidgetArea area,
                                 bool scroll) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    if (scroll) {
        auto* scroller = new QScrollArea(dock);
        scroller->setObjectName(name + QStringLiteral("Scroll"));
        scroller->setWidgetResizable(true);
        scroller->setFrameShape(QFrame::NoFrame);
        scroller->setWidget(w);
        dock->setWidget(scroller);
    } else {
        dock->setWidget(w);
    }
    addDockWidget(area, dock);
    m_docks << dock;
    return dock;
}

QAction* MainWindow::action(const QString& objectName) const { return findChild<QAction*>(objectName); }

void MainWindow::buildActions() {
    auto make = [this](const QString& name, const QString& text, QList<QKeySequence> keys, auto slot) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);  // shortcuts work while menus and toolbars are hidden (presentation mode)
        return a;
    };
    auto* c = m_controller;
    make(QStringLiteral("playPause"), tr("Play"), {Qt::Key_Space}, [c] { c->togglePlay(); })
        ->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    make(QStringLiteral("stepForward"), tr("Next"), {Qt::Key_Right, Qt::Key_PageDown}, [c] { c->stepForward(); })
        ->setIcon(style()->standardIcon(QStyle::SP_MediaSeekForward));
    make(QStringLiteral("stepBack"), tr("Back"), {Qt::Key_Left, Qt::Key_PageUp}, [c] { c->stepBack(); })
        ->setIcon(style()->standardIcon(QStyle::SP_MediaSeekBackward));
    make(QStringLiteral("opForward"), tr("Next operation"), {QKeySequence(Qt::SHIFT | Qt::Key_Right)}, [c] { c->opForward(); });
    make(QStringLiteral("opBack"), tr("Previous operation"), {QKeySequence(Qt::SHIFT | Qt::Key_Left)}, [c] { c->opBack(); });
    make(QStringLiteral("first"), tr("First"), {Qt::Key_Home}, [c] { c->first(); })
        ->setIcon(style()->standardIcon(QStyle::SP_MediaSkipBackward));
    make(QStringLiteral("last"), tr("Last"), {Qt::Key_End}, [c] { c->last(); })
        ->setIcon(style()->standardIcon(QStyle::SP_MediaSkipForward));
    make(QStringLiteral("runToBreakpoint"), tr("Run to breakpoint"), {Qt::Key_F5}, [c] { c->runToBreakpoint(); });
    make(QStringLiteral("presentation"), tr("Presentation mode"), {Qt::Key_F11}, [this] { setPresentation(!m_presentation); })
        ->setCheckable(true);
    make(QStringLiteral("leavePresentation"), tr("Leave presentation mode"), {Qt::Key_Escape}, [this] {
        if (m_presentation) setPresentation(false);
    });
    // Clickers send B or period for "blank the screen"; enabled in presentation mode only, so the
    // letters stay letters everywhere else.
    make(QStringLiteral("blank"), tr("Blank the screen"), {Qt::Key_B, Qt::Key_Period}, [this] { setBlanked(!isBlanked()); })
        ->setEnabled(false);
    make(QStringLiteral("zoomIn"), tr("Zoom in"), {QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn},
         [this] { setZoom(m_zoom * 1.15); });
    make(QStringLiteral("zoomOut"), tr("Zoom out"), {QKeySequence::ZoomOut}, [this] { setZoom(m_zoom / 1.15); });
    make(QStringLiteral("zoomReset"), tr("Reset zoom"), {QKeySequence(Qt::CTRL | Qt::Key_0)}, [this] {
        setZoom(1.0);
        m_canvas->fitToView();
    });
    make(QStringLiteral("compare"), tr("Compare variants"), {QKeySequence(Qt::CTRL | Qt::Key_K)},
         [this] { setCompare(!m_compare->isActive()); })
        ->setCheckable(true);
    make(QStringLiteral("open"), tr("Open lesson file..."), {QKeySequence::Open}, [this] { openFileDialog(); });
    make(QStringLiteral("export"), tr("Export..."), {QKeySequence(tr("Ctrl+E"))}, [this] { exportDialog(); });
    make(QStringLiteral("quit"), tr("Quit"), {QKeySequence::Quit}, [this] { close(); });
    make(QStringLiteral("dropBranch"), tr("Drop what-if branch"), {}, [c] { c->dropBranch(); });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("open")));
    m_recentMenu = file->addMenu(tr("Recent lessons"));
    file->addAction(action(QStringLiteral("export")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("quit")));

    QMenu* go = menuBar()->addMenu(tr("&Go"));
    for (const char* n : {"playPause", "stepBack", "stepForward", "opBack", "opForward", "first", "last", "runToBreakpoint",
                          "dropBranch"})
        go->addAction(action(QLatin1String(n)));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (const char* n : {"presentation", "compare", "zoomIn", "zoomOut", "zoomReset"}) view->addAction(action(QLatin1String(n)));
    QMenu* theme = view->addMenu(tr("Theme"));
    auto* group = new QActionGroup(this);
    for (ThemeChoice t : {ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark}) {
        auto* a = theme->addAction(t == ThemeChoice::System ? tr("Follow the system")
                                   : t == ThemeChoice::Light ? tr("Light")
                                                             : tr("Dark"));
        a->setObjectName(QStringLiteral("theme-") + QLatin1String(themeChoiceName(t)));
        a->setCheckable(true);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, t] { setThemeChoice(t); });
    }
    view->addSeparator();
    for (QDockWidget* d : m_docks) view->addAction(d->toggleViewAction());
}

void MainWindow::buildToolBar() {
    QToolBar* tb = addToolBar(tr("Lesson"));
    tb->setObjectName(QStringLiteral("mainToolBar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);  // icons alone read as disabled on dark themes
    m_lessonBox->setObjectName(QStringLiteral("lessonPicker"));
    m_lessonBox->setMinimumContentsLength(16);
    m_lessonBox->setAccessibleName(tr("Lesson"));
    for (const std::string& path : bundledLessons()) {
        const QFileInfo fi(QString::fromStdString(path));
        QString title = fi.completeBaseName();
        try {
            title = QString::fromStdString(loadLesson(path).title);  // the picker shows titles, keeps ids as data
        } catch (const std::exception&) {
        }
        m_lessonBox->addItem(title, fi.completeBaseName());
        m_lessonBox->setItemData(m_lessonBox->count() - 1, fi.completeBaseName(), Qt::ToolTipRole);
        m_lessonBox->setItemData(m_lessonBox->count() - 1, fi.canonicalFilePath(), Qt::UserRole + 1);
    }
    m_bundledCount = m_lessonBox->count();
    m_variantBox->setObjectName(QStringLiteral("variantPicker"));
    m_variantBox->setMinimumContentsLength(12);
    m_variantBox->setAccessibleName(tr("Variant"));
    tb->addWidget(new QLabel(tr(" Lesson "), this));
    tb->addWidget(m_lessonBox);
    tb->addWidget(new QLabel(tr(" Variant "), this));
    tb->addWidget(m_variantBox);
    tb->addSeparator();
    for (const char* n : {"first", "stepBack", "playPause", "stepForward", "last"}) tb->addAction(action(QLatin1String(n)));
    tb->addSeparator();
    tb->addWidget(new QLabel(tr(" Animation "), this));
    m_speedBox->setObjectName(QStringLiteral("speedPicker"));
    m_speedBox->setAccessibleName(tr("Animation speed"));
    const std::pair<const char*, double> speeds[] = {{"none", 0.0}, {"slow", 0.5}, {"normal", 1.0}, {"fast", 2.0}};
    for (const auto& [name, v] : speeds) m_speedBox->addItem(tr(name), v);
    m_speedBox->setCurrentIndex(2);
    tb->addWidget(m_speedBox);
    tb->addAction(action(QStringLiteral("compare")));
    tb->addAction(action(QStringLiteral("presentation")));

    connect(m_lessonBox, &QComboBox::activated, this, [this](int i) { openLesson(m_lessonBox->itemData(i).toString()); });
    connect(m_variantBox, &QComboBox::activated, this,
            [this](int i) { m_controller->setVariant(m_variantBox->itemData(i).toString()); });
    connect(m_speedBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_canvas->setAnimationSpeed(m_speedBox->itemData(i).toDouble()); });
}

void MainWindow::openLesson(const QString& what, const QString& variant, int step) {
    m_controller->load(what, variant, step);
}

void MainWindow::openFileDialog() {
    const QString f = QFileDialog::getOpenFileName(this, tr("Open a lesson or script"), {},
                                                   tr("Lessons and scripts (*.yaml *.yml *.tlb);;All files (*)"));
    if (!f.isEmpty()) openLesson(f);
}

void MainWindow::exportDialog() {
    const auto d = m_controller->session();
    if (!d) {
        QMessageBox::information(this, tr("Export"), tr("Open a lesson first."));
        return;
    }
    const std::size_t count = d->steps.size();
    const int at = d->stepAt(m_controller->position());
    ExportDialog dialog(at < 0 ? 0 : static_cast<std::size_t>(at) + 1, count, this);
    if (dialog.exec() != QDialog::Accepted) return;
    const ExportRequest req = dialog.request();
    try {
        ExportDocument doc;
        const bool script = sourceKind(d->sourcePath) == SourceKind::Script;
        if (script) {
            QFile f(QString::fromStdString(d->sourcePath));
            if (!f.open(QIODevice::ReadOnly))
                throw std::runtime_error(d->sourcePath + ": cannot open for reading: " + f.errorString().toStdString());
            const std::vector<Op> ops = parseScript(f.readAll().toStdString(), d->sourcePath);
            doc = documentFromScript(ops, d->id, req.first, std::min(req.last, ops.size()));
        } else {
            LessonRun run(loadLesson(d->sourcePath), d->variant);
            doc = documentFromLesson(run, req.first, req.last);
        }
        doc.answers = req.answers ? ExportAnswers::Include : ExportAnswers::None;
        exportDocument(doc, req.format, req.theme, req.scale, req.path.toStdString());
        statusBar()->showMessage(tr("Exported to %1").arg(req.path), 5000);
    } catch (const OpError& e) {
        QMessageBox::critical(this, tr("Export failed"), QString::fromStdString(e.format()));
    } catch (const std::exception& e) {
        QMessageBox::critical(this, tr("Export failed"), QString::fromStdString(e.what()));
    }
}

void MainWindow::onLoaded(const QString& what, const QString& variant) {
    const auto d = m_controller->session();
    m_variantBox->clear();
    for (const auto& [name, desc] : d->variants) {
        m_variantBox->addItem(QString::fromStdString(name), QString::fromStdString(name));
        m_variantBox->setItemData(m_variantBox->count() - 1, QString::fromStdString(desc), Qt::ToolTipRole);
    }
    m_variantBox->setCurrentIndex(m_variantBox->findData(variant));
    m_variantBox->setEnabled(m_variantBox->count() > 1);
    // The picker names what is open: a bundled lesson by its entry; anything opened from a file (a copy
    // of a lesson, an explorer trace, a script) by an entry of its own after them, never by a bundled
    // lesson's title (an explorer trace of erratum-383 once showed "PAE address translation").
    while (m_lessonBox->count() > m_bundledCount) m_lessonBox->removeItem(m_lessonBox->count() - 1);
    const QString source = QFileInfo(QString::fromStdString(d->sourcePath)).canonicalFilePath();
    int li = m_lessonBox->findData(QString::fromStdString(d->id));
    if (li >= 0 && !source.isEmpty() && m_lessonBox->itemData(li, Qt::UserRole + 1).toString() != source) li = -1;
    if (li < 0) {
        const QString title = d->title.empty() ? QFileInfo(QString::fromStdString(d->sourcePath)).fileName()
                                               : QString::fromStdString(d->title);
        m_lessonBox->addItem(tr("%1 (file)").arg(title), QString::fromStdString(d->sourcePath));
        li = m_lessonBox->count() - 1;
        m_lessonBox->setItemData(li, QString::fromStdString(d->sourcePath), Qt::ToolTipRole);
    }
    m_lessonBox->setCurrentIndex(li);
    setWindowTitle(tr("%1 - TLB Lab").arg(QString::fromStdString(d->title)));
    // A session limited to stay within the app's memory budget says so, and keeps running.
    if (!d->budgetNote.empty()) statusBar()->showMessage(QString::fromStdString(d->budgetNote));
    else statusBar()->showMessage(tr("Loaded %1 (%2)").arg(what, variant), 3000);
    addRecent(what);
    // The Explore panel searches the lesson's explore: section (scripts have none).
    try {
        if (sourceKind(d->sourcePath) == SourceKind::Lesson) m_explore->setLesson(loadLesson(d->sourcePath));
    } catch (const std::exception&) {
        // The lesson loaded a moment ago; if it changed on disk since, the panel keeps the last one.
    }
}

void MainWindow::onLoadFailed(const QString& message) {
    m_lastError = message;
    statusBar()->showMessage(message);
    auto* box = new QMessageBox(QMessageBox::Critical, tr("Cannot open the lesson"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("loadErrorDialog"));
    box->open();  // not modal-blocking: the app keeps running
}

void MainWindow::showSnapshot(const SnapshotPtr& snap) {
    m_canvas->showSnapshot(snap, !m_firstScene);  // laid out for the canvas, the camera on the step's subject
    m_firstScene = false;
    m_narration->showSnapshot(snap);
    if (m_presentation) m_caption->showSnapshot(snap);
    m_changes->showSnapshot(snap);
    m_timeline->showSnapshot(snap);
    m_inspector->showSnapshot(snap);
    m_plots->showSnapshot(snap);
    const auto& d = *snap->session;
    m_position->setText(tr("%1  step %2/%3  op %4/%5%6")
                            .arg(QString::fromStdString(d.variant))
                            .arg(snap->step + 1)
                            .arg(d.steps.size())
                            .arg(snap->position)
                            .arg(d.opCount())
                            .arg(d.branch ? tr("  [what-if branch]") : QString()));
    emit snapshotShown();
}

// ---- appearance ------------------------------------------------------------------------------

bool MainWindow::darkTheme() const { return isDark(palette()); }

void MainWindow::applyAppearance() {
    QPalette pal = m_presentation                     ? highContrastPalette()
                   : m_theme == ThemeChoice::Light    ? lightPalette()
                   : m_theme == ThemeChoice::Dark     ? darkPalette()
                                                      : m_systemPalette;
    QApplication::setPalette(pal);
    setPalette(pal);
    QFont f = m_baseFont;
    const double base = m_baseFont.pointSizeF() > 0 ? m_baseFont.pointSizeF() : 10.0;
    f.setPointSizeF(base * m_zoom * (m_presentation ? kPresentationFontScale : 1.0));
    setFont(f);
    m_canvas->setTheme(m_presentation ? Theme::HighContrast : isDark(pal) ? Theme::Dark : Theme::Light);
    m_compare->canvas()->setTheme(m_canvas->theme());
    if (auto* a = findChild<QAction*>(QStringLiteral("theme-") + QLatin1String(themeChoiceName(m_theme)))) a->setChecked(true);
    m_plots->applyPalette();
    // Panels that paint with palette colours refresh their contents.
    if (auto s = m_controller->snapshot()) {
        m_changes->showSnapshot(s);
        m_narration->showSnapshot(s);
        if (m_presentation) m_caption->showSnapshot(s);
    }
}

void MainWindow::setThemeChoice(ThemeChoice t) {
    m_theme = t;
    applyAppearance();
}

void MainWindow::setZoom(double zoom) {
    zoom = std::clamp(zoom, 0.5, 3.0);
    const double factor = zoom / m_zoom;
    m_zoom = zoom;
    m_canvas->setZoom(m_canvas->zoom() * factor);
    applyAppearance();
}

void MainWindow::endDockDrags() {
    // A dock being dragged (its title held: F11 or Esc pressed meanwhile) keeps pointers into the
    // dock layout that hiding and showing docks rebuilds: end the drag first, as a release would.
    for (QDockWidget* d : findChildren<QDockWidget*>()) {
        QMouseEvent release(QEvent::MouseButtonRelease, QPointF(0, 0), d->mapToGlobal(QPointF(0, 0)), Qt::LeftButton,
                            Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(d, &release);
    }
}

void MainWindow::setPresentation(bool on) {
    if (on == m_presentation) return;
    endDockDrags();
    m_presentation = on;
    m_canvas->setMinTextPx(on ? kPresentationMinTextPx : kDeskMinTextPx);
    action(QStringLiteral("presentation"))->setChecked(on);
    action(QStringLiteral("blank"))->setEnabled(on);
    if (on) {
        // Everything changed below is recorded, then put back as it was on leaving.
        m_restore = PresentationRestore{};
        m_restore.geometry = saveGeometry();
        m_restore.windowState = windowState();
        for (QDockWidget* d : findChildren<QDockWidget*>()) {
            // Open = ticked in the View menu (a tab behind another is open but not visible).
            // Front: on screen (Qt keeps the tabs behind visible but moves them out of the window).
            const bool front = d->isVisible() && (d->isFloating() || rect().intersects(d->geometry()));
            QList<QPointer<QDockWidget>> tabs;
            for (QDockWidget* t : tabifiedDockWidgets(d)) tabs << t;
            m_restore.docks.append({d, d->toggleViewAction()->isChecked(), front, d->size(), d->isFloating(),
                                    dockWidgetArea(d), tabs});
            d->hide();
        }
        for (QToolBar* tb : findChildren<QToolBar*>()) {
            m_restore.toolBars.append({tb, !tb->isHidden()});
            tb->hide();
        }
        m_restore.menuBar = !menuBar()->isHidden();
        m_restore.statusBar = !statusBar()->isHidden();
        menuBar()->hide();
        statusBar()->hide();
        m_caption->show();
        if (auto snap = m_controller->snapshot()) m_caption->showSnapshot(snap);
        showFullScreen();
        layoutCaption();
    } else {
        setBlanked(false);
        m_caption->hide();
        applyAppearance();  // first: the window's own fonts give the toolbar and docks their own sizes
        // The window first (a maximised window stays maximised), then what was inside it: the
        // docks come back at the sizes they kept while hidden.
        if (m_restore.windowState & Qt::WindowMaximized) {
            showMaximized();
        } else {
            showNormal();
            restoreGeometry(m_restore.geometry);
        }
        if (m_restore.menuBar) menuBar()->show();
        if (m_restore.statusBar) statusBar()->show();
        for (const auto& [tb, visible] : m_restore.toolBars)
            if (tb) tb->setVisible(visible);
        // Docks moved meanwhile (floated, docked, tabbed elsewhere) go back to their place, then
        // the ones that were closed close again. Every recorded dock is shown for that: Qt lists
        // the tab group of visible docks only. Docks created meanwhile are left as they are.
        for (const DockRestore& r : m_restore.docks)
            if (r.dock) r.dock->show();
        putDocksBack();
        for (const DockRestore& r : m_restore.docks)
            if (r.dock && !r.open) r.dock->hide();
        // The docks' moves may have grown the window for a moment (its minimum size with every dock
        // shown): the geometry once more.
        if (!(m_restore.windowState & Qt::WindowMaximized)) restoreGeometry(m_restore.geometry);
        // Tabbed docks: the tab that was in front is in front again.
        for (const DockRestore& r : m_restore.docks)
            if (r.dock && r.front && !tabifiedDockWidgets(r.dock).isEmpty()) r.dock->raise();
        // The docks in front get their sizes back one by one. Not QMainWindow::restoreState: a
        // state saved on entering, restored after the docks changed meanwhile (a drag begun,
        // docks shown, floated, tabbed, added or removed), crashed inside Qt (issue 15, monkey
        // seeds 4242 and 77; tests/gui/test_window.cpp reproduces it with restoreState).
        restoreDockSizes();
        QTimer::singleShot(0, this, [this] { restoreDockSizes(); });  // once a window manager has resized
    }
    if (on) applyAppearance();  // (leaving: done above, before the docks came back)
    QTimer::singleShot(0, this, [this] { m_canvas->frameSubject(); });
}

void MainWindow::putDocksBack() {
    auto alive = [](const QList<QPointer<QDockWidget>>& l) {
        QSet<QDockWidget*> out;
        for (const auto& d : l)
            if (d) out.insert(d);
        return out;
    };
    auto tabsOf = [this](QDockWidget* d) {
        const QList<QDockWidget*> l = tabifiedDockWidgets(d);
        return QSet<QDockWidget*>(l.begin(), l.end());
    };
    QHash<QDockWidget*, QSet<QDockWidget*>> want;  // each recorded dock's tab group, itself left out
    QHash<QDockWidget*, Qt::DockWidgetArea> area;
    for (const DockRestore& r : m_restore.docks)
        if (r.dock) {
            want.insert(r.dock, alive(r.tabbedWith));
            area.insert(r.dock, r.area);
        }
    // Floating or docked as it was: a dock floated meanwhile goes back to the place Qt kept for it.
    for (const DockRestore& r : m_restore.docks)
        if (r.dock && r.dock->isFloating() != r.floating) r.dock->setFloating(r.floating);
    // In its place: docked in its area, tabbed with the docks of its group and no others.
    auto inPlace = [&](QDockWidget* d) {
        return !want.contains(d) || d->isFloating() || (dockWidgetArea(d) == area.value(d) && tabsOf(d) == want.value(d));
    };
    // A group member that holds no dock from outside its group: the others of the group join it.
    auto cleanMember = [&](const QSet<QDockWidget*>& group) -> QDockWidget* {
        for (QDockWidget* t : group)
            if (want.contains(t) && !t->isFloating() && dockWidgetArea(t) == area.value(t) &&
                (tabsOf(t) - want.value(t)).isEmpty())
                return t;
        return nullptr;
    };
    // First the docks of tab groups (out of a group they were put in, back into their own), then
    // the docks that stood alone and are still tabbed or in another area.
    for (const DockRestore& r : m_restore.docks) {
        if (!r.dock || r.floating || inPlace(r.dock) || want.value(r.dock).isEmpty()) continue;
        if (QDockWidget* anchor = cleanMember(want.value(r.dock))) tabifyDockWidget(anchor, r.dock);
    }
    for (const DockRestore& r : m_restore.docks)
        if (r.dock && !r.floating && r.area != Qt::NoDockWidgetArea && !inPlace(r.dock) && want.value(r.dock).isEmpty())
            addDockWidget(r.area, r.dock);
}

void MainWindow::restoreDockSizes() {
    if (m_presentation) return;
    QList<QDockWidget*> docks;
    QList<int> widths, heights;
    for (const DockRestore& r : m_restore.docks) {
        // A tabbed dock's size leaves out its tab bar: the untabbed ones are set, the tab groups
        // take what remains, as they had.
        if (!r.dock || !r.front || r.dock->isFloating() || !r.dock->isVisible() || !tabifiedDockWidgets(r.dock).isEmpty())
            continue;
        docks << r.dock;
        widths << r.size.width();
        heights << r.size.height();
    }
    // One at a time (docks of different areas in one call move each other's separators), and
    // corrected by what the layout made of the request (the dock's frame is not the item's size).
    for (int i = 0; i < docks.size(); ++i) {
        for (const Qt::Orientation o : {Qt::Horizontal, Qt::Vertical}) {
            const int target = o == Qt::Horizontal ? widths[i] : heights[i];
            int request = target;
            for (int round = 0; round < 3; ++round) {
                resizeDocks({docks[i]}, {request}, o);
                if (layout()) layout()->activate();
                const int got = o == Qt::Horizontal ? docks[i]->width() : docks[i]->height();
                if (got == target) break;
                request += target - got;
            }
        }
    }
}

bool MainWindow::isBlanked() const { return m_blank->isVisible(); }

void MainWindow::setBlanked(bool on) {
    on = on && m_presentation;
    m_blank->setGeometry(rect());
    m_blank->setVisible(on);
    if (on) m_blank->raise();
}

void MainWindow::layoutCaption() {
    if (!m_presentation) return;
    // Readable from the back row: about 27 px at 1080 lines, 18 px at 720.
    const int px = std::clamp(height() / 40, 16, 48);
    QFont f = font();
    f.setPixelSize(px);
    m_caption->setFont(f);
    m_caption->setFixedWidth(std::max(240, width() * kCaptionPercent / 100));
    if (m_blank->isVisible()) m_blank->setGeometry(rect());
}

void MainWindow::resizeEvent(QResizeEvent* e) {
    QMainWindow::resizeEvent(e);
    layoutCaption();
}

void MainWindow::setCompare(bool on) {
    m_compare->setActive(on);
    action(QStringLiteral("compare"))->setChecked(on);
    if (on) m_split->setSizes({1, 1});
}

// ---- settings --------------------------------------------------------------------------------

void MainWindow::addRecent(const QString& typed) {
    // Files as absolute paths: a relative one typed on the command line breaks from another folder.
    const QString what = QFileInfo(typed).isFile() ? QFileInfo(typed).absoluteFilePath() : typed;
    m_recent.removeAll(what);
    m_recent.prepend(what);
    while (m_recent.size() > 8) m_recent.removeLast();
    rebuildRecentMenu();
    QSettings().setValue(QStringLiteral("recentLessons"), m_recent);
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    for (const QString& r : m_recent) {
        QAction* a = m_recentMenu->addAction(r);
        connect(a, &QAction::triggered, this, [this, r] { openLesson(r); });
    }
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear recent"));
    clear->setObjectName(QStringLiteral("clearRecent"));
    connect(clear, &QAction::triggered, this, [this] {
        m_recent.clear();
        QSettings().setValue(QStringLiteral("recentLessons"), m_recent);
        QTimer::singleShot(0, this, [this] { rebuildRecentMenu(); });  // not while the menu runs this action
    });
    m_recentMenu->setEnabled(!m_recent.isEmpty());
}

void MainWindow::saveSettings() const {
    QSettings s;
    s.setValue(QStringLiteral("geometry"), saveGeometry());
    s.setValue(QStringLiteral("windowState"), saveState());  // closeEvent left presentation mode first
    s.setValue(QStringLiteral("theme"), QLatin1String(themeChoiceName(m_theme)));
    s.setValue(QStringLiteral("zoom"), m_zoom);
    s.setValue(QStringLiteral("animationSpeed"), m_canvas->animationSpeed());
    s.setValue(QStringLiteral("recentLessons"), m_recent);
}

void MainWindow::restoreSettings() {
    QSettings s;
    const bool saved = s.contains(QStringLiteral("geometry")) && restoreGeometry(s.value(QStringLiteral("geometry")).toByteArray());
    fitToScreen(saved);
    if (s.contains(QStringLiteral("windowState"))) {
        restoreState(s.value(QStringLiteral("windowState")).toByteArray());
        m_defaultLayoutPending = false;
    }
    m_theme = parseThemeChoice(s.value(QStringLiteral("theme")).toString());
    m_zoom = std::clamp(s.value(QStringLiteral("zoom"), 1.0).toDouble(), 0.5, 3.0);
    const int si = m_speedBox->findData(s.value(QStringLiteral("animationSpeed"), 1.0).toDouble());
    if (si >= 0) m_speedBox->setCurrentIndex(si);
    m_recent = s.value(QStringLiteral("recentLessons")).toStringList();
    rebuildRecentMenu();
}

void MainWindow::fitToScreen(bool keepSavedSize) {
    const QScreen* sc = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!sc || isMaximized() || isFullScreen()) return;
    const QRect avail = sc->availableGeometry();
    // Room for the window manager's frame and title bar, which the geometry does not include.
    const QSize room(std::max(320, avail.width() - 16), std::max(240, avail.height() - 48));
    if (!keepSavedSize) {
        resize(QSize(1440, 900).boundedTo(room));
        move(avail.topLeft() + QPoint((avail.width() - width()) / 2, std::max(0, (avail.height() - height() - 32) / 2)));
        return;
    }
    // A layout saved on a larger screen: shrink it and bring it back on this one.
    if (width() > room.width() || height() > room.height()) resize(size().boundedTo(room));
    if (!avail.intersects(frameGeometry()) || !avail.contains(frameGeometry().topLeft()))
        move(avail.topLeft() + QPoint((avail.width() - width()) / 2, std::max(0, (avail.height() - height() - 32) / 2)));
}

void MainWindow::showEvent(QShowEvent* e) {
    QMainWindow::showEvent(e);
    if (!m_defaultLayoutPending) return;
    m_defaultLayoutPending = false;
    QTimer::singleShot(0, this, [this] { applyDefaultLayout(); });
}

void MainWindow::applyDefaultLayout() {
    // The canvas gets most of the width; narration and its tabs about 28 %.
    QDockWidget* narration = m_docks.front();
    QDockWidget* timeline = findChild<QDockWidget*>(QStringLiteral("timelineDock"));
    resizeDocks({narration}, {std::max(380, width() * 28 / 100)}, Qt::Horizontal);
    resizeDocks({narration, findChild<QDockWidget*>(QStringLiteral("changesDock"))}, {height() * 55 / 100, height() * 30 / 100},
                Qt::Vertical);
    resizeDocks({timeline}, {std::min(180, height() / 5)}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    setPresentation(false);  // the layout saved is the window's own, not presentation mode's
    saveSettings();
    QMainWindow::closeEvent(e);
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// The main window: lays out the canvas and the panels, holds the actions and their shortcuts,
// and wires them to the controller. No simulation logic lives here.
#pragma once

#include "SessionController.hpp"

#include "AppTheme.hpp"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QSplitter;
class QToolBar;

namespace tlblab::ui {

class BreakpointsPanel;
class ChangesList;
class CompareView;
class ConsolePanel;
class Inspector;
class MachineCanvas;
class NarrationPanel;
class PlotsDock;
class ExplorePanel;
class StressPanel;
class SwimlaneTimeline;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    SessionController* controller() const { return m_controller; }
    MachineCanvas* canvas() const { return m_canvas; }
    NarrationPanel* narration() const { return m_narration; }
    ChangesList* changes() const { return m_changes; }
    SwimlaneTimeline* timeline() const { return m_timeline; }
    Inspector* inspector() const { return m_inspector; }
    ConsolePanel* console() const { return m_console; }
    PlotsDock* plots() const { return m_plots; }
    ExplorePanel* explorePanel() const { return m_explore; }
    StressPanel* stressPanel() const { return m_stress; }
    CompareView* compare() const { return m_compare; }
    QAction* action(const QString& objectName) const;  // "playPause", "stepForward", ...

    void openLesson(const QString& what, const QString& variant = {}, int step = -1);
    QString lastError() const { return m_lastError; }  // the last load error shown in a dialog

    void setPresentation(bool on);
    bool isPresentation() const { return m_presentation; }
    // Presentation mode's caption (the step's narration beside the canvas, at presentation size)
    // and its blank screen (B or period, as on a clicker).
    NarrationPanel* caption() const { return m_caption; }
    bool isBlanked() const;
    void setBlanked(bool on);
    void setZoom(double zoom);  // global: panel fonts and the canvas
    double zoom() const { return m_zoom; }
    void setThemeChoice(ThemeChoice t);
    ThemeChoice themeChoice() const { return m_theme; }
    bool darkTheme() const;
    void setCompare(bool on);

signals:
    void snapshotShown();  // every panel shows the current snapshot

protected:
    void closeEvent(QCloseEvent* e) override;
    void showEvent(QShowEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolBar();
    // `scroll`: the panel scrolls inside its dock (its own minimum size would not fit a small screen).
    QDockWidget* addDock(QWidget* w, const QString& title, const QString& name, Qt::DockWidgetArea area, bool scroll = false);
    void showSnapshot(const SnapshotPtr& snap);
    void onLoaded(const QString& what, const QString& variant);
    void onLoadFailed(const QString& message);
    void applyAppearance();
    void addRecent(const QString& typed);
    void rebuildRecentMenu();
    void saveSettings() const;
    void restoreSettings();
    void openFileDialog();
    // File > Export: the dialog, then the lesson's (or script's) steps exported; errors in a dialog.
    void exportDialog();
    void applyDefaultLayout();
    // First start (no saved geometry), or a saved geometry that no longer fits: the window fits
    // the screen's available geometry.
    void fitToScreen(bool keepSavedSize);
    void layoutCaption();  // the caption column's width and font, from the window size
    void endDockDrags();   // a dock drag in progress ends before the dock layout changes
    void restoreDockSizes();  // leaving presentation: the docks in front at their sizes again
    void putDocksBack();      // leaving presentation: each dock floating or docked, in its area and tab group

    SessionController* m_controller;
    MachineCanvas* m_canvas;
    CompareView* m_compare;
    QSplitter* m_split;
    NarrationPanel* m_narration;
    ChangesList* m_changes;
    SwimlaneTimeline* m_timeline;
    Inspector* m_inspector;
    ConsolePanel* m_console;
    BreakpointsPanel* m_breakpoints;
    PlotsDock* m_plots;
    ExplorePanel* m_explore;
    StressPanel* m_stress;
    QComboBox* m_lessonBox;
    int m_bundledCount = 0;  // the picker's bundled lessons; past them, the lesson opened from a file
    QComboBox* m_variantBox;
    QComboBox* m_speedBox;
    QLabel* m_position;
    QMenu* m_recentMenu = nullptr;
    QList<QDockWidget*> m_docks;
    QStringList m_recent;
    QString m_lastError;
    // What presentation mode changed, to put back exactly on leaving it: the window's geometry
    // and state, each dock's visibility, floating and tab group, toolbars, menu and status bar.
    // Not QMainWindow::saveState/restoreState: restoring a state saved on entering after the docks
    // changed meanwhile (a drag begun, docks shown, floated, tabbed, added or removed) crashed
    // inside Qt (issue 15, monkey seeds 4242 and 77).
    struct DockRestore {
        QPointer<QDockWidget> dock;
        bool open = false;   // ticked in the View menu
        bool front = false;  // on screen: the front tab of its group
        QSize size;
        bool floating = false;
        Qt::DockWidgetArea area = Qt::NoDockWidgetArea;
        QList<QPointer<QDockWidget>> tabbedWith;
    };
    struct PresentationRestore {
        QByteArray geometry;
        Qt::WindowStates windowState;
        QList<DockRestore> docks;
        QList<QPair<QPointer<QToolBar>, bool>> toolBars;
        bool menuBar = true, statusBar = true;
    };
    PresentationRestore m_restore;
    NarrationPanel* m_caption = nullptr;
    QWidget* m_central = nullptr;
    QWidget* m_blank = nullptr;
    ThemeChoice m_theme = ThemeChoice::System;
    QPalette m_systemPalette;
    QFont m_baseFont;
    double m_zoom = 1.0;
    bool m_presentation = false;
    bool m_firstScene = true;
    bool m_defaultLayoutPending = true;  // no saved layout: size the docks at the first show
};

}  // namespace tlblab::ui

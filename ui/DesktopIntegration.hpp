// SPDX-License-Identifier: GPL-3.0-or-later
// What makes the main window a desktop citizen, kept out of MainWindow.cpp: the Help menu (About,
// Keyboard Shortcuts from the window's real actions, Lesson format), opening files dropped on the
// window, live reload of the open lesson or script when it changes on disk (a broken save shows its
// FILE:LINE:COL error in a bar and keeps the last good version), the session remembered for the
// next start, and the canvas's text description for screen readers.
#pragma once

#include "Session.hpp"  // first: core headers before Qt ones

#include <QHash>
#include <QIcon>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

class QAction;
class QFileSystemWatcher;
class QLabel;
class QToolBar;
class QWidget;

namespace tlblab::ui {

class MainWindow;

// The lesson, variant and step shown when the app last closed (QSettings group "session").
struct SavedSession {
    QString what;  // bundled id or absolute path
    QString variant;
    int step = -1;
    bool valid() const { return !what.isEmpty(); }
};

class DesktopIntegration : public QObject {
    Q_OBJECT
public:
    explicit DesktopIntegration(MainWindow* window);

    // ---- session restore -------------------------------------------------------------------
    static SavedSession savedSession();
    static bool restoreEnabled();  // the "Restore the last session at start" setting (default on)
    void saveSession() const;      // also done when the window closes

    // ---- live reload -----------------------------------------------------------------------
    QString watchedFile() const { return m_path; }
    QString reloadError() const;  // the bar's message, empty while the bar is hidden
    // Reloads the open file from disk now (the watcher does this by itself), keeping the step;
    // returns false and shows the bar if it does not load.
    bool reloadNow();

    // ---- helpers the menus use (public for the tests) ---------------------------------------
    // One "keys<TAB>action" line per window action with a shortcut, in menu order.
    QStringList shortcutLines() const;
    QString aboutText() const;
    static QString lessonFormatPath();  // lessons/README.md as installed, or "" if none
    // The canvas's accessible description of a snapshot: step, CPUs, CR3s, TLB entries in play.
    static QString describeSnapshot(const Snapshot& snap);
    // Local files of a drop that TLB Lab opens (lessons and scripts), absolute.
    static QStringList openableFiles(const QList<QUrl>& urls);
    // Sets an accessible name on controls that have none (from a label buddy, tooltip or dock).
    static void nameControls(QWidget* root);
    // A monochrome icon drawn in `color` (the toolbar's media icons follow the theme's text colour).
    static QIcon tinted(const QIcon& icon, const QColor& color);

    void showShortcuts();
    void showAbout();
    void showLessonFormat();

signals:
    void reloaded();                        // the open file was reloaded from disk
    void reloadFailed(const QString& msg);  // ... and did not load: the bar shows msg

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildHelpMenu();
    void watch(const QString& path);
    void onFileEvent();
    void showReloadError(const QString& msg);
    void tintToolBarIcons();

    MainWindow* m_window;
    QFileSystemWatcher* m_watcher;
    QTimer m_debounce;
    QToolBar* m_reloadBar = nullptr;
    QLabel* m_reloadLabel = nullptr;
    QString m_path;             // absolute path of the open lesson or script ("" for a bundled id's file too)
    QByteArray m_loadedBytes;   // its contents when last loaded, to skip events that changed nothing
    SavedSession m_current;     // what the window shows now
    QHash<QAction*, QIcon> m_untinted;  // toolbar icons as the window set them
    QSet<qint64> m_tintedKeys;          // cacheKey of the icons set here (to tell them from new ones)
    bool m_tinting = false;
};

}  // namespace tlblab::ui

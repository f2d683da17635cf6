// SPDX-License-Identifier: GPL-3.0-or-later
// Shared set-up of the GUI tests: one QApplication for the process, settings in a temporary
// place, and helpers that wait for the window.
#pragma once

#include "MainWindow.hpp"  // first: core headers before Qt ones

#include <QApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QStandardPaths>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>

namespace tlblab::test {

inline QApplication& app() {
    static int argc = 1;
    static char name[] = "tlblab_gui_tests";
    static char* argv[] = {name, nullptr};
    // Never destroyed: destroying a QApplication from an exit handler, after the platform plugin's
    // statics are gone, crashes.
    static QApplication* a = [] {
        if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
        QStandardPaths::setTestModeEnabled(true);  // settings go to a test location
        auto* p = new QApplication(argc, argv);
        QApplication::setOrganizationName(QStringLiteral("TLB Lab tests"));
        QApplication::setApplicationName(QStringLiteral("tlblab-gui-tests"));
        // ctest runs test cases as parallel processes: each gets settings of its own, so one
        // test's recent lessons or theme never leak into another running at the same time.
        static QTemporaryDir settingsDir;
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
        return p;
    }();
    return *a;
}

// A fresh window with the lesson loaded (blocking until the worker thread is done).
inline std::unique_ptr<ui::MainWindow> openWindow(const QString& lesson, const QString& variant = {}, int step = -1) {
    app();
    auto w = std::make_unique<ui::MainWindow>();
    w->resize(1400, 900);
    w->show();
    QSignalSpy loaded(w->controller(), &ui::SessionController::loaded);
    w->openLesson(lesson, variant, step);
    REQUIRE(loaded.wait(20000));
    return w;
}

inline void waitLoaded(ui::SessionController* c) {
    QSignalSpy loaded(c, &ui::SessionController::loaded);
    REQUIRE(loaded.wait(20000));
}

}  // namespace tlblab::test

// SPDX-License-Identifier: GPL-3.0-or-later
// Catch2 main for the Qt export and canvas tests: the QApplication lives on main's stack, so it is
// destroyed before the statics QTest creates (a static QApplication crashes at exit).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QStandardPaths>

#include <cstdlib>

int main(int argc, char** argv) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    int qtArgc = 1;
    QStandardPaths::setTestModeEnabled(true);  // settings (the export dialog's) go to a test location
    QApplication app(qtArgc, argv);
    QApplication::setOrganizationName(QStringLiteral("TLB Lab tests"));
    QApplication::setApplicationName(QStringLiteral("tlblab-export-qt-tests"));
    return Catch::Session().run(argc, argv);
}

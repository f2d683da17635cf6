// SPDX-License-Identifier: GPL-3.0-or-later
// The Explore and Stress panels (issue 6) on the offscreen platform.
#include "gui_helpers.hpp"

#include "ExplorePanel.hpp"
#include "StressPanel.hpp"

#include <QPushButton>

#include <qcustomplot.h>

using namespace tlblab;

TEST_CASE("the explore panel searches in the background and opens the counterexample as a lesson") {
    test::app();
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    REQUIRE(lesson.explore);
    ui::ExplorePanel panel;
    panel.setLesson(lesson);

    QSignalSpy done(&panel, &ui::ExplorePanel::finished);
    panel.run(QStringLiteral("buggy"));
    CHECK(panel.isRunning());
    REQUIRE(done.wait(20000));
    REQUIRE(panel.lastResult());
    CHECK(panel.lastResult()->found);
    CHECK(panel.report().contains(QStringLiteral("machine check reachable on cpu1")));

    QSignalSpy open(&panel, &ui::ExplorePanel::openCounterexample);
    QPushButton* button = nullptr;
    for (auto* b : panel.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Open counterexample")) button = b;
    REQUIRE(button);
    REQUIRE(button->isEnabled());
    button->click();
    REQUIRE(open.count() == 1);
    const QString file = open.at(0).at(0).toString();
    CHECK(open.at(0).at(1).toString() == QStringLiteral("buggy"));
    const Lesson trace = loadLesson(file.toStdString());
    LessonRun run(trace);
    CHECK(run.allPassed());
    CHECK(run.timeline().head().cpu(1).mc0Status == pae::kMc0StatusErratum383);

    panel.run(QStringLiteral("fix-trampoline"));
    REQUIRE(done.wait(20000));
    CHECK_FALSE(panel.lastResult()->found);
    CHECK(panel.lastResult()->complete);
    CHECK_FALSE(button->isEnabled());
}

TEST_CASE("the stress panel plots the crash rate and the cost of each fix") {
    test::app();
    ui::StressPanel panel;
    panel.setCycles(3000);
    panel.setSeed(5);
    QSignalSpy done(&panel, &ui::StressPanel::finished);
    panel.run();
    REQUIRE(done.wait(60000));
    REQUIRE(panel.results().size() == 3);
    CHECK(panel.results()[0].variant == KernelVariant::Buggy);
    CHECK(panel.results()[0].machineChecks > 0);
    CHECK(panel.results()[1].machineChecks == 0);
    CHECK(panel.results()[2].machineChecks == 0);
    REQUIRE(panel.crashPlot()->plottableCount() == 1);
    auto* crash = qobject_cast<QCPBars*>(panel.crashPlot()->plottable(0));
    REQUIRE(crash);
    REQUIRE(crash->data()->size() == 3);
    CHECK(crash->data()->at(0)->value == Approx(panel.results()[0].machineChecksPer1000()));
    CHECK(crash->data()->at(1)->value == 0.0);
    CHECK(panel.costPlot()->plottableCount() == 4);
}

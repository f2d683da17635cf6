// SPDX-License-Identifier: GPL-3.0-or-later
// The Explore and Stress panels (issue 6) on the offscreen platform.
#include "gui_helpers.hpp"

#include "ExplorePanel.hpp"
#include "StressPanel.hpp"

#include <QCheckBox>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
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

TEST_CASE("the explore panel stops a hostile problem at its memory budget and writes traces privately") {
    test::app();
    const Lesson hostile = loadLesson(std::string(TLBLAB_EXPLORE_TEST_DIR) + "/cli/hostile-explore.yaml");
    ui::ExplorePanel panel;
    panel.setLesson(hostile);
    CHECK(panel.memoryBudgetMiB() >= 16);
    panel.setMemoryBudgetMiB(16);
    QSignalSpy done(&panel, &ui::ExplorePanel::finished);
    panel.run(QStringLiteral("buggy"));
    REQUIRE(done.wait(120000));
    REQUIRE(panel.lastResult());
    CHECK_FALSE(panel.lastResult()->complete);
    CHECK(panel.lastResult()->stop == ExploreStop::Memory);
    CHECK(panel.lastResult()->peakMemory <= (u64{17} << 20));
    CHECK(panel.statusText().contains(QStringLiteral("search incomplete: memory budget reached")));

    // The counterexample goes to a fresh private file, not to a name planted in the temp folder.
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    const QString planted = QDir(QDir::tempPath()).filePath(
        QStringLiteral("tlblab-%1-counterexample-buggy.yaml").arg(QString::fromStdString(lesson.id)));
    const QString target = QDir(QDir::tempPath()).filePath(QStringLiteral("tlblab-test-symlink-target-%1").arg(QCoreApplication::applicationPid()));
    QFile::remove(planted);
    {
        QFile t(target);
        REQUIRE(t.open(QIODevice::WriteOnly));
        t.write("keep me\n");
    }
    const bool linked = QFile::link(target, planted);
    panel.setLesson(lesson);
    panel.run(QStringLiteral("buggy"));
    REQUIRE(done.wait(20000));
    REQUIRE(panel.lastResult()->found);
    QSignalSpy open(&panel, &ui::ExplorePanel::openCounterexample);
    for (auto* b : panel.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Open counterexample")) b->click();
    REQUIRE(open.count() == 1);
    const QString file = open.at(0).at(0).toString();
    CHECK(file != planted);
    CHECK(QFileInfo(file).isFile());
    CHECK_FALSE(QFileInfo(file).isSymLink());
    CHECK((QFile::permissions(file) & (QFileDevice::ReadOther | QFileDevice::ReadGroup)) == 0);
    QFile t(target);
    REQUIRE(t.open(QIODevice::ReadOnly));
    CHECK(t.readAll() == QByteArray("keep me\n"));
    if (linked) QFile::remove(planted);
    QFile::remove(target);
    LessonRun run(loadLesson(file.toStdString()));
    CHECK(run.allPassed());
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

TEST_CASE("the explore panel's fine-grained checkbox runs the --fine search and its counterexample has the kernel steps") {
    test::app();
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    ui::ExplorePanel panel;
    panel.setLesson(lesson);
    QCheckBox* box = nullptr;
    for (auto* b : panel.findChildren<QCheckBox*>())
        if (b->accessibleName() == QStringLiteral("Fine-grained kernel steps")) box = b;
    REQUIRE(box);
    CHECK_FALSE(box->isChecked());
    CHECK_FALSE(box->toolTip().isEmpty());
    CHECK((box->focusPolicy() & Qt::TabFocus) == Qt::TabFocus);
    CHECK(box->isEnabled());
    box->click();  // what Space on the focused box or its Alt+S mnemonic does
    CHECK(panel.fineSteps());

    QSignalSpy done(&panel, &ui::ExplorePanel::finished);
    panel.run(QStringLiteral("buggy"));
    CHECK_FALSE(box->isEnabled());  // not changed under a running search
    REQUIRE(done.wait(60000));
    REQUIRE(panel.lastResult());
    const ExploreResult& r = *panel.lastResult();
    CHECK(r.found);
    CHECK(r.fineSteps);
    // The same search as the CLI's --fine.
    const ExploreResult cli = explore(problemFromLesson(lesson, "buggy", true));
    CHECK(cli.found);
    CHECK(cli.schedule.size() == r.schedule.size());
    CHECK(cli.states == r.states);
    const auto kernelSteps =
        std::count_if(r.schedule.begin(), r.schedule.end(), [](const ScheduleStep& s) { return s.op.code == OpCode::KernelStep; });
    CHECK(kernelSteps > 0);

    QSignalSpy open(&panel, &ui::ExplorePanel::openCounterexample);
    for (auto* b : panel.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Open counterexample")) b->click();
    REQUIRE(open.count() == 1);
    const Lesson trace = loadLesson(open.at(0).at(0).toString().toStdString());
    std::size_t traceSteps = 0;
    for (const auto& s : trace.steps)
        for (const Op& op : s.ops) traceSteps += op.code == OpCode::KernelStep;
    CHECK(traceSteps == static_cast<std::size_t>(kernelSteps));  // one lesson step per fine step, played in order
    LessonRun run(trace);
    CHECK(run.allPassed());
    CHECK(run.timeline().head().cpu(r.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);

    box->click();  // back to the atomic kernel paths: the shorter schedule without kernel steps
    panel.run(QStringLiteral("buggy"));
    REQUIRE(done.wait(20000));
    REQUIRE(panel.lastResult());
    CHECK_FALSE(panel.lastResult()->fineSteps);
    CHECK(std::none_of(panel.lastResult()->schedule.begin(), panel.lastResult()->schedule.end(),
                       [](const ScheduleStep& s) { return s.op.code == OpCode::KernelStep; }));
}

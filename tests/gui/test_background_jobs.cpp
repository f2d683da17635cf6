// SPDX-License-Identifier: GPL-3.0-or-later
// BackgroundJobs: results come back on the owner's thread; destroying or cancelling joins the
// workers and drops results that have not been delivered.
#include "gui_helpers.hpp"

#include "BackgroundJobs.hpp"
#include "ChallengePanel.hpp"
#include "ExplorePanel.hpp"
#include "StressPanel.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>
#include <QThread>

#include <chrono>
#include <thread>

using tlblab::ui::BackgroundJobs;

namespace {
void pumpUntil(const std::function<bool()>& cond) {
    QElapsedTimer t;
    t.start();
    while (!cond() && t.elapsed() < 10000) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}
}  // namespace

TEST_CASE("a background job's result is delivered on the context's thread", "[jobs]") {
    tlblab::test::app();
    QObject context;
    BackgroundJobs jobs(&context);
    std::atomic<bool> ranOffThread{false};
    QThread* deliveredOn = nullptr;
    int result = 0;
    jobs.run([&](const std::atomic<bool>&) -> BackgroundJobs::Finish {
        ranOffThread = QThread::currentThread() != context.thread();
        const int computed = 6 * 7;
        return [&, computed] {
            deliveredOn = QThread::currentThread();
            result = computed;
        };
    });
    pumpUntil([&] { return result != 0; });
    CHECK(ranOffThread);
    CHECK(result == 42);
    CHECK(deliveredOn == context.thread());
    jobs.waitAll();
    CHECK(jobs.running() == 0);
}

TEST_CASE("destroying BackgroundJobs stops and joins a running job and drops its result", "[jobs]") {
    tlblab::test::app();
    QObject context;
    std::atomic<bool> started{false}, sawStop{false}, returned{false};
    bool delivered = false;
    {
        BackgroundJobs jobs(&context);
        jobs.run([&](const std::atomic<bool>& stop) -> BackgroundJobs::Finish {
            started = true;
            while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            sawStop = true;
            returned = true;
            return [&] { delivered = true; };
        });
        while (!started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(jobs.running() == 1);
    }  // the destructor cancels and joins: the job has returned by now
    CHECK(sawStop);
    CHECK(returned);
    QCoreApplication::processEvents();
    CHECK_FALSE(delivered);
}

TEST_CASE("cancel drops the results of earlier jobs, later jobs still deliver", "[jobs]") {
    tlblab::test::app();
    QObject context;
    BackgroundJobs jobs(&context);
    int first = 0, second = 0;
    jobs.run([&](const std::atomic<bool>&) -> BackgroundJobs::Finish { return [&] { first = 1; }; });
    jobs.waitAll();  // its Finish is queued, not yet run
    jobs.cancel();
    jobs.run([&](const std::atomic<bool>&) -> BackgroundJobs::Finish { return [&] { second = 1; }; });
    pumpUntil([&] { return second != 0; });
    CHECK(second == 1);
    CHECK(first == 0);
}

// ---- the owners: a controller or panel destroyed while its job runs --------------------------
// Each destructor must stop (where the work can stop) and join its job; nothing the job hands back
// may run afterwards (under the asan preset a late callback is a use after free).

TEST_CASE("destroying a SessionController while loads run joins them and delivers nothing", "[jobs]") {
    tlblab::test::app();
    QObject probe;
    int delivered = 0;
    {
        auto* c = new tlblab::ui::SessionController;
        QObject::connect(c, &tlblab::ui::SessionController::loaded, &probe, [&] { ++delivered; });
        QObject::connect(c, &tlblab::ui::SessionController::loadFailed, &probe, [&] { ++delivered; });
        // A load superseded by a second one (the first used to call back into a freed controller),
        // then the controller destroyed before either result is delivered.
        c->load(QStringLiteral("erratum-383"));
        c->load(QStringLiteral("pae-translation"));
        CHECK(c->isLoading());
        delete c;
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 300) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    CHECK(delivered == 0);

    // The same controller type still loads normally: the newest load only is delivered.
    tlblab::ui::SessionController c;
    QStringList loaded;
    QObject::connect(&c, &tlblab::ui::SessionController::loaded, &probe, [&](const QString& what) { loaded << what; });
    c.load(QStringLiteral("erratum-383"));
    c.load(QStringLiteral("pae-translation"));
    pumpUntil([&] { return !c.isLoading(); });
    CHECK(loaded == QStringList{QStringLiteral("pae-translation")});
}

TEST_CASE("destroying the Explore panel during a search stops it at once and delivers nothing", "[jobs]") {
    tlblab::test::app();
    // A search that runs for a long time unless stopped (the hostile problem of issue 15).
    const tlblab::Lesson big = tlblab::loadLesson(std::string(TLBLAB_EXPLORE_TEST_DIR) + "/cli/hostile-explore.yaml");
    REQUIRE(big.explore);
    QObject probe;
    int delivered = 0;
    auto* panel = new tlblab::ui::ExplorePanel;
    QObject::connect(panel, &tlblab::ui::ExplorePanel::finished, &probe, [&] { ++delivered; });
    panel->setMemoryBudgetMiB(4096);
    panel->setLesson(big);
    panel->run();
    REQUIRE(panel->isRunning());
    QTest::qWait(200);  // the search is under way, progress queued
    QElapsedTimer t;
    t.start();
    delete panel;
    const qint64 ms = t.elapsed();
    INFO("the destructor took " << ms << " ms");
    CHECK(ms < 5000);  // cancelled, not run to the end
    QTest::qWait(100);
    CHECK(delivered == 0);
}

TEST_CASE("another lesson while the Explore panel searches drops the old search's result", "[jobs]") {
    tlblab::test::app();
    const tlblab::Lesson big = tlblab::loadLesson(std::string(TLBLAB_EXPLORE_TEST_DIR) + "/cli/hostile-explore.yaml");
    auto path = tlblab::findLesson("erratum-383");
    REQUIRE(path);
    const tlblab::Lesson small = tlblab::loadLesson(*path);
    tlblab::ui::ExplorePanel panel;
    panel.setMemoryBudgetMiB(4096);
    panel.setLesson(big);
    panel.run();
    REQUIRE(panel.isRunning());
    QTest::qWait(100);
    panel.setLesson(small);  // returns at once; the old search winds down in the background
    CHECK_FALSE(panel.isRunning());
    QSignalSpy done(&panel, &tlblab::ui::ExplorePanel::finished);
    panel.run(QStringLiteral("buggy"));
    REQUIRE(done.wait(20000));
    QTest::qWait(200);
    CHECK(done.count() == 1);  // the old search's result never arrives
    REQUIRE(panel.lastResult());
    CHECK(panel.lastResult()->found);
}

TEST_CASE("destroying the Stress panel during a run stops it and delivers nothing", "[jobs]") {
    tlblab::test::app();
    QObject probe;
    int delivered = 0;
    auto* panel = new tlblab::ui::StressPanel;
    QObject::connect(panel, &tlblab::ui::StressPanel::finished, &probe, [&] { ++delivered; });
    panel->setCycles(50000000);
    panel->run();
    REQUIRE(panel->isRunning());
    QTest::qWait(100);
    QElapsedTimer t;
    t.start();
    delete panel;
    INFO("the destructor took " << t.elapsed() << " ms");
    CHECK(t.elapsed() < 5000);
    QTest::qWait(100);
    CHECK(delivered == 0);
}

TEST_CASE("destroying the Challenge panel while it checks delivers no verdict", "[jobs]") {
    tlblab::test::app();
    auto path = tlblab::findLesson("erratum-383");
    REQUIRE(path);
    QObject probe;
    int delivered = 0;
    auto* panel = new tlblab::ui::ChallengePanel;
    QObject::connect(panel, &tlblab::ui::ChallengePanel::finished, &probe, [&] { ++delivered; });
    panel->setLesson(tlblab::loadLesson(*path));
    panel->selectChallenge(QStringLiteral("fix-the-kernel"));
    panel->setAnswer(QStringLiteral("after cpu1 1: __flush_tlb\n"));
    panel->check();
    REQUIRE(panel->isRunning());
    delete panel;  // joins the check; its verdict, queued or not, is dropped
    QTest::qWait(200);
    CHECK(delivered == 0);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// BackgroundJobs: results come back on the owner's thread; destroying or cancelling joins the
// workers and drops results that have not been delivered.
#include "gui_helpers.hpp"

#include "BackgroundJobs.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
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

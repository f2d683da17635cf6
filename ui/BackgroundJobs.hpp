// SPDX-License-Identifier: GPL-3.0-or-later
// Work off the GUI thread, owned: a BackgroundJobs runs each job on a thread of its own and, when
// destroyed, asks every job still running to stop and joins it, so no job outlives the object that
// started it. A job returns what to do with its result; that runs later on the context object's
// thread, and only while this BackgroundJobs is alive and was not cancelled since the job started.
#pragma once

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace tlblab::ui {

class BackgroundJobs {
public:
    // What a job hands back: run on the context's thread with the job's result.
    using Finish = std::function<void()>;
    // The job itself: runs on a worker thread; `stop` turns true when it should give up early.
    using Work = std::function<Finish(const std::atomic<bool>& stop)>;

    // `context` must outlive this object (make it a member of the context, or of its child).
    explicit BackgroundJobs(QObject* context);
    ~BackgroundJobs();  // cancel() and join every thread
    BackgroundJobs(const BackgroundJobs&) = delete;
    BackgroundJobs& operator=(const BackgroundJobs&) = delete;

    void run(Work work);
    // Asks the running jobs to stop; their results are dropped. Later jobs run normally.
    void cancel();
    // Blocks until every job started so far has returned (its Finish may still be queued).
    void waitAll();
    int running() const { return m_running->load(); }

private:
    struct Generation {  // shared with the workers: outlives this object if a Finish is still queued
        std::atomic<bool> stop{false};
    };
    void reapFinished();

    QObject* m_context;
    std::shared_ptr<Generation> m_generation = std::make_shared<Generation>();
    std::shared_ptr<std::atomic<int>> m_running = std::make_shared<std::atomic<int>>(0);
    struct Job {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::vector<Job> m_jobs;
};

}  // namespace tlblab::ui

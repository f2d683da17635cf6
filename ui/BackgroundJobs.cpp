// SPDX-License-Identifier: GPL-3.0-or-later
#include "BackgroundJobs.hpp"

#include <QMetaObject>

namespace tlblab::ui {

BackgroundJobs::BackgroundJobs(QObject* context) : m_context(context) {}

BackgroundJobs::~BackgroundJobs() {
    cancel();
    waitAll();
}

void BackgroundJobs::reapFinished() {
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        if (it->done->load()) {
            it->thread.join();
            it = m_jobs.erase(it);
        } else {
            ++it;
        }
    }
}

void BackgroundJobs::run(Work work) {
    reapFinished();
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<Generation> gen = m_generation;
    QObject* context = m_context;
    m_running->fetch_add(1);
    std::thread t([work = std::move(work), gen, context, done, running = m_running] {
        Finish finish;
        try {
            finish = work(gen->stop);
        } catch (...) {
            finish = nullptr;  // a job reports its own errors through its Finish
        }
        if (finish && !gen->stop.load()) {
            // Queued to the context's thread (alive: it outlives this object, which joins us);
            // dropped if the jobs are cancelled or destroyed before it runs.
            QMetaObject::invokeMethod(
                context, [gen, finish = std::move(finish)] {
                    if (!gen->stop.load()) finish();
                },
                Qt::QueuedConnection);
        }
        running->fetch_sub(1);
        done->store(true);
    });
    m_jobs.push_back({std::move(t), std::move(done)});
}

void BackgroundJobs::cancel() {
    m_generation->stop.store(true);
    m_generation = std::make_shared<Generation>();
}

void BackgroundJobs::waitAll() {
    for (Job& j : m_jobs) j.thread.join();
    m_jobs.clear();
}

}  // namespace tlblab::ui

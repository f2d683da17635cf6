// SPDX-License-Identifier: GPL-3.0-or-later
#include "SessionController.hpp"

#include "tlblab/ops.hpp"

#include <QThread>

#include <algorithm>

namespace tlblab::ui {

SessionController::SessionController(QObject* parent) : QObject(parent) {
    m_timer.setInterval(1500);
    connect(&m_timer, &QTimer::timeout, this, &SessionController::onTick);
}

SessionController::~SessionController() {
    if (m_loading) {
        m_loading->wait();
    }
}

// ---- loading -------------------------------------------------------------------------------

void SessionController::load(const QString& what, const QString& variant, int step) {
    if (step == kKeepStep) step = this->step();
    const std::uint64_t generation = ++m_generation;
    if (m_loading) {
        // The older load finishes in the background; its result is ignored (generation).
        m_loading->disconnect(this);
    }
    m_what = what;
    m_variant = variant;
    emit loadStarted(what);
    const std::string w = what.toStdString(), v = variant.toStdString();
    QThread* worker = QThread::create([this, w, v, generation, step] {
        LoadedSession s;
        QString error;
        try {
            s = loadSession(w, v);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this, [this, generation, s = std::move(s), error, step]() mutable {
                finishLoad(generation, std::move(s), error, step);
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &QThread::finished, this, [this, worker] {
        if (m_loading == worker) m_loading = nullptr;
    });
    m_loading = worker;
    worker->start();
}

void SessionController::finishLoad(std::uint64_t generation, LoadedSession s, QString error, int step) {
    if (generation != m_generation) return;  // a newer load superseded this one
    m_doneGeneration = generation;
    if (!error.isEmpty()) {
        emit loadFailed(error);
        return;
    }
    m_variant = QString::fromStdString(s.data->variant);
    setSession(std::move(s), step);
    emit loaded(m_what, m_variant);
}

void SessionController::setSession(LoadedSession s, int step) {
    pause();
    m_data = std::move(s.data);
    m_timeline = std::move(s.timeline);
    m_lessonData.reset();
    m_lessonTimeline.reset();
    m_pos = static_cast<std::size_t>(-1);  // force a snapshot
    emit branchChanged(false);
    goToStep(step);
}

void SessionController::setVariant(const QString& variant) {
    if (m_what.isEmpty() || variant == m_variant) return;
    load(m_what, variant, kKeepStep);
}

int SessionController::step() const { return m_data ? m_step : -1; }

// ---- navigation ----------------------------------------------------------------------------

void SessionController::moveTo(std::size_t position, int step) {
    if (!m_data) return;
    position = std::min(position, m_data->opCount());
    if (step == kAutoStep) step = m_data->stepAt(position);
    if (position == m_pos && step == m_step) return;
    m_pos = position;
    m_step = step;
    emitSnapshot();
}

void SessionController::goToStep(int step) {
    if (!m_data) return;
    step = std::clamp(step, -1, static_cast<int>(m_data->steps.size()) - 1);
    moveTo(m_data->positionOfStep(step), step);
}

std::pair<std::size_t, int> SessionController::nextStepTarget() const {
    const int k = m_step;
    const int n = static_cast<int>(m_data->steps.size());
    if (k >= 0 && m_pos < m_data->positionOfStep(k)) return {m_data->positionOfStep(k), k};  // finish this step
    if (k + 1 < n) return {m_data->positionOfStep(k + 1), k + 1};
    return {m_data->opCount(), kAutoStep};
}

void SessionController::emitSnapshot() {
    auto snap = std::make_shared<Snapshot>();
    snap->session = m_data;
    snap->machine = m_timeline->seek(m_pos);
    snap->position = m_pos;
    snap->step = m_step;
    const StepInfo* info = snap->stepInfo();
    snap->atStepEnd = info ? info->endOp == m_pos : m_pos == m_data->setupEnd;
    const std::size_t begin = info ? std::min(info->beginOp, m_pos) : m_pos;
    for (std::size_t i = begin; i < m_pos; ++i)
        snap->stepEvents.insert(snap->stepEvents.end(), m_data->events[i].begin(), m_data->events[i].end());
    if (m_pos > 0) {
        snap->lastOpEvents = m_data->events[m_pos - 1];
        snap->lastOpText = m_data->opTexts[m_pos - 1];
        snap->lastResult = m_timeline->resultOf(m_pos);
    }
    m_snapshot = std::move(snap);
    emit snapshotChanged(m_snapshot);
}

void SessionController::stepForward() {
    if (!m_data) return;
    const auto [pos, step] = nextStepTarget();
    moveTo(pos, step);
}

void SessionController::stepBack() {
    if (!m_data) return;
    if (m_step < 0) {
        moveTo(0);
        return;
    }
    goToStep(m_step - 1);
}

void SessionController::opForward() { moveTo(m_pos + 1); }
void SessionController::opBack() {
    if (m_pos > 0) moveTo(m_pos - 1);
}
void SessionController::first() { goToStep(-1); }
void SessionController::last() {
    if (!m_data) return;
    const int n = static_cast<int>(m_data->steps.size());
    if (n > 0 && m_data->steps.back().endOp == m_data->opCount())
        goToStep(n - 1);
    else
        moveTo(m_data->opCount());
}
void SessionController::seekPosition(std::size_t position) { moveTo(position); }
void SessionController::seekStep(int s) { goToStep(s); }
bool SessionController::atEnd() const {
    if (!m_data) return true;
    const int n = static_cast<int>(m_data->steps.size());
    return m_pos >= m_data->opCount() && (n == 0 || m_step >= n - 1 || m_data->steps.back().endOp != m_pos);
}

void SessionController::play() {
    if (!m_data || m_timer.isActive()) return;
    if (atEnd()) first();
    m_timer.start();
    emit playingChanged(true);
}

void SessionController::pause() {
    if (!m_timer.isActive()) return;
    m_timer.stop();
    emit playingChanged(false);
}

void SessionController::togglePlay() { isPlaying() ? pause() : play(); }

void SessionController::onTick() {
    if (atEnd()) {
        pause();
        return;
    }
    const auto [target, targetStep] = nextStepTarget();
    int which = -1;
    const long hit = scanBreakpoints(m_pos, target, &which);
    if (hit >= 0) {
        pause();
        moveTo(static_cast<std::size_t>(hit) + 1);
        emit breakpointHit(which, QString::fromStdString(m_breakpoints[static_cast<std::size_t>(which)].describe()));
        return;
    }
    moveTo(target, targetStep);
    if (atEnd()) pause();
}

// ---- breakpoints ---------------------------------------------------------------------------

void SessionController::setBreakpoints(std::vector<Breakpoint> bps) {
    m_breakpoints = std::move(bps);
    emit breakpointsChanged();
}

void SessionController::addBreakpoint(const Breakpoint& bp) {
    m_breakpoints.push_back(bp);
    emit breakpointsChanged();
}

void SessionController::removeBreakpoint(std::size_t index) {
    if (index >= m_breakpoints.size()) return;
    m_breakpoints.erase(m_breakpoints.begin() + static_cast<long>(index));
    emit breakpointsChanged();
}

long SessionController::scanBreakpoints(std::size_t from, std::size_t to, int* which) const {
    if (!m_data) return -1;
    to = std::min(to, m_data->opCount());
    for (std::size_t i = from; i < to; ++i) {
        const int w = firstHit(m_breakpoints, m_data->events[i]);
        if (w >= 0) {
            if (which) *which = w;
            return static_cast<long>(i);
        }
    }
    return -1;
}

int SessionController::runToBreakpoint() {
    if (!m_data) return -1;
    pause();
    int which = -1;
    const long hit = scanBreakpoints(m_pos, m_data->opCount(), &which);
    if (hit < 0) {
        last();
        return -1;
    }
    moveTo(static_cast<std::size_t>(hit) + 1);
    emit breakpointHit(which, QString::fromStdString(m_breakpoints[static_cast<std::size_t>(which)].describe()));
    return which;
}

bool SessionController::runToTag(const QString& tag) {
    if (!m_data) return false;
    const std::string t = tag.toStdString();
    for (int k = std::max(m_step + 1, 0); k < static_cast<int>(m_data->steps.size()); ++k) {
        const auto& tags = m_data->steps[static_cast<std::size_t>(k)].tags;
        if (std::find(tags.begin(), tags.end(), t) != tags.end()) {
            seekStep(k);
            return true;
        }
    }
    return false;
}

// ---- "what if" -----------------------------------------------------------------------------

bool SessionController::runConsoleOp(const QString& text, QString* error, int* column) {
    if (!m_data) {
        if (error) *error = tr("no lesson loaded");
        if (column) *column = 0;
        return false;
    }
    Op op;
    try {
        if (!parseOp(text.toStdString(), SourceLoc{"", 1, 1}, op)) {
            if (error) *error = tr("empty operation");
            if (column) *column = 0;
            return false;
        }
    } catch (const OpError& e) {
        if (error) *error = QString::fromStdString(e.what());
        if (column) *column = e.loc().col;
        return false;
    }
    // Copy-on-write: snapshots already emitted keep the data they were made from.
    auto data = std::make_shared<SessionData>(*m_data);
    auto tl = std::make_shared<Timeline>(*m_timeline);
    const bool startsBranch = !data->branch;
    if (startsBranch) {
        data->branch = true;
        data->branchPoint = m_pos;
    }
    // Drop everything after the current position.
    tl->truncate(m_pos);
    data->events.resize(m_pos);
    data->opTexts.resize(m_pos);
    data->stats.resize(m_pos + 1);
    std::vector<StepInfo> kept;
    for (StepInfo s : data->steps) {
        if (s.beginOp >= m_pos) continue;
        s.endOp = std::min(s.endOp, m_pos);
        kept.push_back(std::move(s));
    }
    data->steps = std::move(kept);
    try {
        appendOp(*data, *tl, op);
    } catch (const OpError& e) {
        if (error) *error = QString::fromStdString(e.what());
        if (column) *column = e.loc().col;
        return false;
    }
    StepInfo s;
    s.title = "what if: " + data->opTexts.back();
    s.narration = "A branch typed in the console at position " + std::to_string(data->branchPoint) +
                  " (not part of the lesson). Drop the branch to return to the lesson.";
    s.beginOp = m_pos;
    s.endOp = m_pos + 1;
    data->steps.push_back(std::move(s));
    if (startsBranch) {
        m_lessonData = m_data;
        m_lessonTimeline = m_timeline;
    }
    m_data = std::move(data);
    m_timeline = std::move(tl);
    m_pos = static_cast<std::size_t>(-1);
    moveTo(m_data->opCount());
    if (startsBranch) emit branchChanged(true);
    return true;
}

void SessionController::dropBranch() {
    if (!inBranch() || !m_lessonData) return;
    const std::size_t back = m_data->branchPoint;
    m_data = std::move(m_lessonData);
    m_timeline = std::move(m_lessonTimeline);
    m_lessonData.reset();
    m_lessonTimeline.reset();
    m_pos = static_cast<std::size_t>(-1);
    moveTo(back);
    emit branchChanged(false);
}

}  // namespace tlblab::ui

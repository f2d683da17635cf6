// SPDX-License-Identifier: GPL-3.0-or-later
#include "SessionController.hpp"

#include "tlblab/ops.hpp"

#include <algorithm>
#include <optional>

namespace tlblab::ui {

SessionController::SessionController(QObject* parent) : QObject(parent) {
    m_timer.setInterval(1500);
    connect(&m_timer, &QTimer::timeout, this, &SessionController::onTick);
}

SessionController::~SessionController() = default;  // m_jobs: the load running is joined, its result dropped

// ---- loading -------------------------------------------------------------------------------

void SessionController::load(const QString& what, const QString& variant, int step) {
    if (step == kKeepStep) step = this->step();
    const std::uint64_t generation = ++m_generation;
    // An older load still running finishes in the background; its result is dropped.
    m_jobs.cancel();
    m_what = what;
    m_variant = variant;
    emit loadStarted(what);
    const std::string w = what.toStdString(), v = variant.toStdString();
    m_jobs.run([this, w, v, generation, step](const std::atomic<bool>&) -> BackgroundJobs::Finish {
        auto s = std::make_shared<LoadedSession>();
        QString error;
        try {
            *s = loadSession(w, v);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        return [this, generation, s, error, step] { finishLoad(generation, std::move(*s), error, step); };
    });
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
    m_recent.clear();
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
    // On the last step: only trailing ops remain, and they belong to this step. (kAutoStep here
    // would pick the previous step when the last one has no ops and shares its position.)
    return {m_data->opCount(), n > 0 ? k : kAutoStep};
}

void SessionController::emitSnapshot() {
    // A position seen a moment ago (stepping back and forth) is shown from the cache.
    for (const SnapshotPtr& c : m_recent)
        if (c->session == m_data && c->position == m_pos && c->step == m_step) {
            m_snapshot = c;
            emit snapshotChanged(m_snapshot);
            return;
        }
    auto snap = std::make_shared<Snapshot>();
    snap->session = m_data;
    snap->position = m_pos;
    snap->step = m_step;
    const StepInfo* info = snap->stepInfo();
    snap->atStepEnd = info ? info->endOp == m_pos : m_pos == m_data->setupEnd;
    const std::size_t begin = info ? std::min(info->beginOp, m_pos) : m_pos;
    if (m_data->eventsStored) {
        snap->machine = m_timeline->seek(m_pos);
        for (std::size_t i = begin; i < m_pos; ++i) {
            const EventList ev = m_timeline->eventsOf(i + 1);
            snap->stepEvents.insert(snap->stepEvents.end(), ev.begin(), ev.end());
        }
        if (m_pos > 0) {
            snap->lastOpEvents = m_timeline->eventsOf(m_pos);
            snap->lastResult = m_timeline->resultOf(m_pos);
        }
    } else {
        // Events on demand: the step's ops replayed on a copy of the machine where the step
        // starts, which ends as the machine shown.
        snap->machine = m_timeline->seek(begin);
        for (std::size_t i = begin; i < m_pos; ++i) {
            EventList ev;
            snap->lastResult = snap->machine.execute(m_timeline->op(i), &ev);
            snap->stepEvents.insert(snap->stepEvents.end(), ev.begin(), ev.end());
            if (i + 1 == m_pos) snap->lastOpEvents = std::move(ev);
        }
        if (m_pos > 0 && begin == m_pos) {
            const OpOutcome o = outcomeOf(m_pos - 1);
            snap->lastOpEvents = o.events;
            snap->lastResult = o.result;
        }
    }
    if (m_pos > 0) snap->lastOpText = m_data->opTexts[m_pos - 1];
    m_snapshot = std::move(snap);
    m_recent.push_front(m_snapshot);
    if (m_recent.size() > kRecentSnapshots) m_recent.pop_back();
    emit snapshotChanged(m_snapshot);
}

SessionController::OpOutcome SessionController::outcomeOf(std::size_t op) {
    OpOutcome o;
    if (!m_data || op >= m_data->opCount()) return o;
    if (m_data->eventsStored) {
        o.events = m_timeline->eventsOf(op + 1);
        o.result = m_timeline->resultOf(op + 1);
        return o;
    }
    Machine m = m_timeline->seek(op);
    o.result = m.execute(m_timeline->op(op), &o.events);
    return o;
}

EventList SessionController::eventsOfOp(std::size_t op) { return outcomeOf(op).events; }

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

long SessionController::scanBreakpoints(std::size_t from, std::size_t to, int* which) {
    if (!m_data || m_breakpoints.empty()) return -1;
    to = std::min(to, m_data->opCount());
    if (from >= to) return -1;
    // Without stored events the ops are replayed once, on a copy, with their events.
    std::optional<Machine> replay;
    if (!m_data->eventsStored) replay = m_timeline->seek(from);
    for (std::size_t i = from; i < to; ++i) {
        EventList ev;
        if (replay) replay->execute(m_timeline->op(i), &ev);
        else ev = m_timeline->eventsOf(i + 1);
        const int w = firstHit(m_breakpoints, ev);
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
    data->opTexts.resize(m_pos);
    if (data->markBegin.size() > m_pos + 1) {
        data->markBegin.resize(m_pos + 1);
        data->marks.resize(data->markBegin.back());
    }
    std::vector<StepInfo> kept;
    int firstChanged = static_cast<int>(data->steps.size());  // counters after it no longer hold
    for (StepInfo s : data->steps) {
        if (s.beginOp >= m_pos) continue;
        if (s.endOp > m_pos && firstChanged == static_cast<int>(data->steps.size())) firstChanged = static_cast<int>(kept.size());
        s.endOp = std::min(s.endOp, m_pos);
        kept.push_back(std::move(s));
    }
    firstChanged = std::min(firstChanged, static_cast<int>(kept.size()));
    data->steps = std::move(kept);
    while (!data->statsStep.empty() && data->statsStep.back() >= firstChanged) {
        data->statsStep.pop_back();
        data->stats.pop_back();
    }
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
    recordStats(*data, static_cast<int>(data->steps.size()) - 1, tl->head());
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

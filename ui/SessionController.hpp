// SPDX-License-Identifier: GPL-3.0-or-later
// The one controller of a session: owns the timeline and the play timer, moves the position
// (by lesson step or by single op) and emits one immutable Snapshot per position. Views never
// touch the machine; "what if" ops from the console go through here and make a branch.
#pragma once

#include "Session.hpp"
#include "SessionLoader.hpp"

#include "tlblab/breakpoints.hpp"

#include "BackgroundJobs.hpp"

#include <QObject>
#include <QString>
#include <QTimer>

#include <deque>
#include <memory>
#include <vector>

namespace tlblab::ui {

class SessionController : public QObject {
    Q_OBJECT
public:
    explicit SessionController(QObject* parent = nullptr);
    ~SessionController() override;

    // ---- loading ---------------------------------------------------------------------------
    // Loads a lesson id, lesson file or script on a worker thread; `step` = lesson step index to
    // show once loaded (-1 = set-up; kKeepStep = the current one, for a variant switch).
    static constexpr int kKeepStep = -100;
    void load(const QString& what, const QString& variant = {}, int step = -1);
    // True from load() until its result (session or error) has been delivered; the worker thread
    // may still be winding down after that.
    bool isLoading() const { return m_generation != m_doneGeneration; }
    // Installs an already loaded session (tests, benchmarks) and shows `step`.
    void setSession(LoadedSession s, int step = -1);
    void setVariant(const QString& variant);  // reloads, keeping the step where it can
    QString what() const { return m_what; }

    bool hasSession() const { return m_data != nullptr; }
    std::shared_ptr<const SessionData> session() const { return m_data; }
    SnapshotPtr snapshot() const { return m_snapshot; }
    std::size_t position() const { return m_pos; }
    int step() const;

    // ---- navigation ------------------------------------------------------------------------
    void stepForward();
    void stepBack();
    void opForward();
    void opBack();
    void first();
    void last();
    void seekPosition(std::size_t position);
    void seekStep(int step);
    bool atEnd() const;

    void play();
    void pause();
    void togglePlay();
    bool isPlaying() const { return m_timer.isActive(); }
    void setPlayInterval(int ms) { m_timer.setInterval(ms); }
    int playInterval() const { return m_timer.interval(); }

    // ---- breakpoints -----------------------------------------------------------------------
    const std::vector<Breakpoint>& breakpoints() const { return m_breakpoints; }
    void setBreakpoints(std::vector<Breakpoint> bps);
    void addBreakpoint(const Breakpoint& bp);
    void removeBreakpoint(std::size_t index);
    // Moves forward op by op until an op's events hit an enabled breakpoint (stops just after
    // it) or the end. Returns the index of the breakpoint hit, or -1.
    int runToBreakpoint();
    // Moves forward to the next lesson step carrying `tag`; false if none.
    bool runToTag(const QString& tag);

    // ---- "what if" ---------------------------------------------------------------------------
    // Parses and runs one op at the current position. The first such op copies the timeline,
    // truncates it here and appends: a branch. On error returns false with the message and the
    // 1-based column (0 if none) and changes nothing.
    bool runConsoleOp(const QString& text, QString* error = nullptr, int* column = nullptr);
    bool inBranch() const { return m_data && m_data->branch; }
    void dropBranch();  // back to the lesson, at the branch point

    // ---- events on demand ---------------------------------------------------------------------
    // The events and result of op `op` (position op -> op + 1): stored for lessons, replayed on a
    // copy of the machine for scripts. Nothing per op is kept for the whole history but marks.
    struct OpOutcome {
        EventList events;
        OpResult result;
    };
    OpOutcome outcomeOf(std::size_t op);
    EventList eventsOfOp(std::size_t op);

signals:
    void loadStarted(const QString& what);
    void loaded(const QString& what, const QString& variant);
    void loadFailed(const QString& message);
    void snapshotChanged(const tlblab::ui::SnapshotPtr& snapshot);
    void playingChanged(bool playing);
    void breakpointsChanged();
    void breakpointHit(int index, const QString& description);
    void branchChanged(bool inBranch);

private:
    static constexpr int kAutoStep = -1000;
    // Moves to `position` showing lesson step `step` (kAutoStep: the step holding the position).
    // Steps without ops share a position with their neighbour, so the step is kept explicitly.
    void moveTo(std::size_t position, int step = kAutoStep);
    void goToStep(int step);
    // Where "next step" leads from here: (position, step).
    std::pair<std::size_t, int> nextStepTarget() const;
    void emitSnapshot();
    void onTick();
    // First op index in [from, to) whose events hit a breakpoint, or -1.
    long scanBreakpoints(std::size_t from, std::size_t to, int* which);
    void finishLoad(std::uint64_t generation, LoadedSession s, QString error, int step);

    std::shared_ptr<SessionData> m_data;
    std::shared_ptr<Timeline> m_timeline;
    // The lesson a branch came from, to return to.
    std::shared_ptr<SessionData> m_lessonData;
    std::shared_ptr<Timeline> m_lessonTimeline;
    std::size_t m_pos = 0;
    int m_step = -1;
    SnapshotPtr m_snapshot;
    // The last few snapshots: stepping back and forth shows them again without a replay.
    static constexpr std::size_t kRecentSnapshots = 8;
    std::deque<SnapshotPtr> m_recent;
    QTimer m_timer;
    std::vector<Breakpoint> m_breakpoints;
    QString m_what, m_variant;
    std::uint64_t m_generation = 0;
    std::uint64_t m_doneGeneration = 0;  // the last load whose result was delivered
    BackgroundJobs m_jobs{this};  // last: destroyed (cancelled and joined) first
};

}  // namespace tlblab::ui

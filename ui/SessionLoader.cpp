// SPDX-License-Identifier: GPL-3.0-or-later
#include "SessionLoader.hpp"

#include "tlblab/ops.hpp"
#include "tlblab/script_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tlblab::ui {

Occupancy occupancyOf(const Tlb& tlb) {
    Occupancy o;
    for (const TlbEntry& e : tlb.entries()) {
            if (e.size == PageSize::K4)
                ++(e.global ? o.k4Global : o.k4NonGlobal);
        else
            ++(e.global ? o.m2Global : o.m2NonGlobal);
    }
    return o;
}

PositionStats statsOf(const Machine& m) {
    PositionStats s;
    s.cpu.reserve(m.cpus().size());
    s.occupancy.reserve(m.cpus().size());
    for (const Cpu& c : m.cpus()) {
        s.cpu.push_back(c.stats);
        s.occupancy.push_back(occupancyOf(c.tlb));
    }
    return s;
}

int SessionData::stepAt(std::size_t position) const {
    if (position <= setupEnd) return -1;
    for (std::size_t k = 0; k < steps.size(); ++k)
        if (position > steps[k].beginOp && position <= steps[k].endOp) return static_cast<int>(k);
    // Past the last step (branch ops, or trailing ops): the last step.
    return steps.empty() ? -1 : static_cast<int>(steps.size() - 1);
}

std::size_t SessionData::positionOfStep(int step) const {
    if (step < 0 || steps.empty()) return setupEnd;
    const auto k = std::min(static_cast<std::size_t>(step), steps.size() - 1);
    return steps[k].endOp;
}

EventMark EventMark::of(const Event& e) {
    EventMark m;
    m.cpu = static_cast<std::int16_t>(e.cpu);
    m.kind = e.kind;
    m.bits = static_cast<std::uint8_t>((e.origin == Origin::Speculative ? kSpeculative : 0) | (e.global ? kGlobal : 0));
    return m;
}

Event EventMark::event() const {
    Event e(kind, cpu);
    e.origin = (bits & kSpeculative) ? Origin::Speculative : Origin::Demand;
    e.global = (bits & kGlobal) != 0;
    return e;
}

const PositionStats* SessionData::statsAfter(int step) const {
    const auto it = std::lower_bound(statsStep.begin(), statsStep.end(), step);
    return it != statsStep.end() && *it == step ? &stats[static_cast<std::size_t>(it - statsStep.begin())] : nullptr;
}

void recordOp(SessionData& data, const Op& op, const EventList& events) {
    data.opTexts.push_back(formatOp(op));
    if (!data.marksComplete) return;
    if (data.marks.size() + events.size() > kMarkBudget / sizeof(EventMark)) {
        data.marksComplete = false;  // later ops get no marks; the status bar says so
        return;
    }
    for (const Event& e : events) data.marks.push_back(EventMark::of(e));
    data.markBegin.push_back(static_cast<std::uint32_t>(data.marks.size()));
}

void recordStats(SessionData& data, int step, const Machine& m) {
    data.statsStep.push_back(step);
    data.stats.push_back(statsOf(m));
}

void appendOp(SessionData& data, Timeline& tl, const Op& op) {
    EventList ev;
    tl.append(op, &ev);
    recordOp(data, op, ev);
}

std::size_t machineCopyBytes(const Machine& m) {
    std::size_t b = sizeof(Machine);
    for (const Cpu& c : m.cpus()) {
        b += sizeof(Cpu);
        for (const auto& a : c.tlb.arrays()) b += a.entries.size() * (sizeof(TlbEntry) + 2 * sizeof(u32) + 1) + 128;
    }
    // Frames are shared between copies until written (A/D bits): count each as if it were not.
    b += m.memory().frameCount() * (sizeof(Frame) + 64) + m.memory().symbols().size() * 128;
    return b;
}

std::size_t keyframeIntervalFor(std::size_t ops, std::size_t machineBytes) {
    std::size_t interval = kAppKeyframeInterval;
    while (interval < kMaxAppKeyframeInterval && (ops / interval + 1) * machineBytes > kKeyframeBudget) interval *= 2;
    return interval;
}

namespace {

// Within the script limit (16 MiB), like tlblab-cli exec: /dev/zero or a huge file is an error.
std::string readFile(const std::string& path) {
    try {
        return readScriptFile(path);
    } catch (const OpError& e) {
        throw LoadError(e.format());
    } catch (const std::exception& e) {
        std::string why = e.what();  // "PATH: reason"
        if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
        throw LoadError(path + ": error: " + why);
    }
}

}  // namespace

namespace {
// The note shown when a session was limited to stay within its budget.
// `interval`: the keyframe interval the budget imposed (0: none did).
void noteBudget(SessionData& d, std::size_t interval, std::size_t statsStride) {
    std::string note;
    if (interval > kAppKeyframeInterval)
        note += "stepping back replays up to " + std::to_string(interval - 1) + " operations";
    if (statsStride > 1)
        note += (note.empty() ? "" : "; ") + std::string("the plots show every ") + std::to_string(statsStride) + "th step";
    if (!d.marksComplete)
        note += (note.empty() ? "" : "; ") + std::string("the timeline shows the events of the first ") +
                std::to_string(d.markBegin.size() - 1) + " operations";
    if (!note.empty()) d.budgetNote = "Large session (" + std::to_string(d.opCount()) + " operations): " + note + ".";
}

std::size_t statsStrideFor(std::size_t steps, std::size_t cpus) {
    const std::size_t cells = (steps + 1) * std::max<std::size_t>(1, cpus);
    return std::max<std::size_t>(1, (cells + kStatCellBudget - 1) / kStatCellBudget);
}
}  // namespace

LoadedSession loadScriptText(const std::string& text, const std::string& name) {
    std::vector<Op> ops;
    try {
        ops = parseScript(text, name);
    } catch (const OpError& e) {
        throw LoadError(e.format());
    }
    // The machine after the set-up sizes the keyframe interval (the set-up is a few ops; the
    // script itself runs once, below).
    std::size_t setupOps = 0;
    Machine probe;
    try {
        while (setupOps < ops.size() && isSetupOp(ops[setupOps].code)) probe.execute(ops[setupOps++], nullptr);
    } catch (const OpError& e) {
        throw LoadError(e.format());
    }
    const std::size_t interval = keyframeIntervalFor(ops.size(), machineCopyBytes(probe));
    const std::size_t steps = ops.size() - setupOps;
    const std::size_t stride = statsStrideFor(steps, probe.cpus().size());

    LoadedSession out;
    out.data = std::make_shared<SessionData>();
    out.timeline = std::make_shared<Timeline>(Machine{}, interval, false);
    SessionData& d = *out.data;
    d.id = name;
    d.title = name;
    d.sourcePath = name;
    d.opTexts.reserve(ops.size());
    d.markBegin.reserve(ops.size() + 1);
    d.steps.reserve(steps);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (i == setupOps) recordStats(d, -1, out.timeline->head());
        try {
            appendOp(d, *out.timeline, ops[i]);
        } catch (const OpError& e) {
            throw LoadError(e.format());
        }
        if (i < setupOps) {
            d.setupEnd = out.timeline->size();
            continue;
        }
        StepInfo s;
        s.title = d.opTexts.back();
        s.beginOp = out.timeline->size() - 1;
        s.endOp = out.timeline->size();
        d.steps.push_back(std::move(s));
        const int k = static_cast<int>(d.steps.size()) - 1;
        if ((k + 1) % static_cast<int>(stride) == 0 || d.steps.size() == steps) recordStats(d, k, out.timeline->head());
    }
    if (setupOps == ops.size()) recordStats(d, -1, out.timeline->head());
    noteBudget(d, interval, stride);
    return out;
}

LoadedSession loadSession(const std::string& what, const std::string& variant) {
    if (sourceKind(what) == SourceKind::Script) return loadScriptText(readFile(what), what);
    const std::optional<std::string> path = findLesson(what);
    if (!path) throw LoadError(what + ": error: no bundled lesson of that id and no such lesson file");
    try {
        const Lesson lesson = loadLesson(*path);
        // The lesson is played once: its run's timeline (events stored, keyframes every 2048 ops;
        // a lesson has at most 20,000) becomes the session's.
        LessonRun run(lesson, variant);
        LoadedSession out;
        out.data = std::make_shared<SessionData>();
        out.timeline = std::make_shared<Timeline>(std::move(run.timeline()));
        Timeline& tl = *out.timeline;
        SessionData& d = *out.data;
        d.eventsStored = true;
        d.id = lesson.id;
        d.title = lesson.title;
        d.summary = lesson.summary;
        d.sourcePath = *path;
        d.references = lesson.references;
        for (const auto& v : lesson.variants) d.variants.emplace_back(v.name, v.description);
        d.variant = run.variant().name;
        d.setupEnd = run.setupEnd();
        d.opTexts.reserve(tl.size());
        d.markBegin.reserve(tl.size() + 1);
        for (std::size_t p = 0; p < tl.size(); ++p) recordOp(d, tl.op(p), tl.eventsOf(p + 1));
        const std::size_t stride = statsStrideFor(run.steps().size(), tl.head().cpus().size());
        recordStats(d, -1, tl.seek(d.setupEnd));
        for (const PlayedStep& ps : run.steps()) {
            const LessonStep& ls = run.lessonStep(ps);
            StepInfo s;
            s.title = ls.title;
            s.number = ps.number;
            s.cpus = ls.cpus;
            s.narration = ls.narrationIn(d.variant);
            if (const Question* q = ls.questionIn(d.variant)) s.question = *q;
            s.highlights = ls.highlights;
            s.expectations = ps.expectations;
            s.tags = ls.breakpoints;
            s.beginOp = ps.firstOp;
            s.endOp = ps.lastOp;
            d.steps.push_back(std::move(s));
            const int k = static_cast<int>(d.steps.size()) - 1;
            // Counters after each step: one forward pass over the timeline, without events.
            if ((k + 1) % static_cast<int>(stride) == 0 || d.steps.size() == run.steps().size())
                recordStats(d, k, tl.seek(ps.lastOp));
        }
        tl.seek(d.setupEnd);
        noteBudget(d, 0, stride);  // a lesson's timeline keeps the run's keyframes (every 2048 ops)
        return out;
    } catch (const OpError& e) {
        throw LoadError(e.format());
    }
}

}  // namespace tlblab::ui

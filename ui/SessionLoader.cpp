// SPDX-License-Identifier: GPL-3.0-or-later
#include "SessionLoader.hpp"

#include "tlblab/ops.hpp"
#include "tlblab/script_file.hpp"


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

void appendOp(SessionData& data, Timeline& tl, const Op& op) {
    tl.append(op);
    data.events.push_back(tl.eventsOf(tl.size()));
    data.opTexts.push_back(formatOp(op));
    data.stats.push_back(statsOf(tl.head()));
}

namespace {

bool isSetupOp(OpCode c) {
    switch (c) {
    case OpCode::Cpus: case OpCode::CpuModel: case OpCode::TlbPreset: case OpCode::KernelVariant:
    case OpCode::Seed: case OpCode::Speculation: case OpCode::KernelBoot:
        return true;
    default:
        return false;
    }
}

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

LoadedSession loadScriptText(const std::string& text, const std::string& name) {
    std::vector<Op> ops;
    try {
        ops = parseScript(text, name);
    } catch (const OpError& e) {
        throw LoadError(e.format());
    }
    LoadedSession out;
    out.data = std::make_shared<SessionData>();
    out.timeline = std::make_shared<Timeline>(Machine{}, kAppKeyframeInterval, true);
    SessionData& d = *out.data;
    d.id = name;
    d.title = name;
    d.sourcePath = name;
    d.stats.push_back(statsOf(out.timeline->head()));
    bool inSetup = true;
    for (const Op& op : ops) {
        try {
            appendOp(d, *out.timeline, op);
        } catch (const OpError& e) {
            throw LoadError(e.format());
        }
        if (inSetup && isSetupOp(op.code)) {
            d.setupEnd = out.timeline->size();
            continue;
        }
        inSetup = false;
        StepInfo s;
        s.title = d.opTexts.back();
        s.beginOp = out.timeline->size() - 1;
        s.endOp = out.timeline->size();
        d.steps.push_back(std::move(s));
    }
    return out;
}

namespace {
bool isScriptPath(const std::string& what) {
    const auto dot = what.rfind('.');
    return dot != std::string::npos && (what.substr(dot) == ".tlb" || what.substr(dot) == ".ops");
}
}  // namespace

LoadedSession loadSession(const std::string& what, const std::string& variant) {
    if (isScriptPath(what)) return loadScriptText(readFile(what), what);
    const std::optional<std::string> path = findLesson(what);
    if (!path) throw LoadError(what + ": error: no bundled lesson of that id and no such lesson file");
    try {
        const Lesson lesson = loadLesson(*path);
        const LessonRun run(lesson, variant);
        LoadedSession out;
        out.data = std::make_shared<SessionData>();
        out.timeline = std::make_shared<Timeline>(Machine{}, kAppKeyframeInterval, true);
        SessionData& d = *out.data;
        d.id = lesson.id;
        d.title = lesson.title;
        d.summary = lesson.summary;
        d.sourcePath = *path;
        d.references = lesson.references;
        for (const auto& v : lesson.variants) d.variants.emplace_back(v.name, v.description);
        d.variant = run.variant().name;
        d.setupEnd = run.setupEnd();
        d.stats.push_back(statsOf(out.timeline->head()));
        // Replaying the run's ops into the app's timeline (short keyframe interval) records the
        // events and counters of every position; the model is deterministic.
        for (const Op& op : run.timeline().ops()) appendOp(d, *out.timeline, op);
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
        }
        return out;
    } catch (const OpError& e) {
        throw LoadError(e.format());
    }
}

}  // namespace tlblab::ui

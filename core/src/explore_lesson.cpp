// SPDX-License-Identifier: GPL-3.0-or-later
// The explorer's link to lessons: a problem from a lesson's `explore:` section, and the shortest
// schedule written back as a lesson file that the player and the app open like any lesson.
#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace tlblab {

namespace {

// Lesson steps played before the concurrent section, under this variant.
std::vector<const LessonStep*> prefixSteps(const Lesson& lesson, const LessonVariant& v) {
    std::vector<const LessonStep*> out;
    const int n = lesson.explore ? lesson.explore->afterStep : 0;
    for (int i = 0; i < n && i < static_cast<int>(lesson.steps.size()); ++i)
        if (lesson.steps[static_cast<std::size_t>(i)].appliesTo(v.name)) out.push_back(&lesson.steps[static_cast<std::size_t>(i)]);
    return out;
}

Op kernelStepsFineOp() {
    Op op;
    op.code = OpCode::KernelSteps;
    op.name = "fine";
    return op;
}

}  // namespace

ExploreProblem problemFromLesson(const Lesson& lesson, const std::string& variant, bool fineSteps) {
    if (!lesson.explore)
        throw OpError(SourceLoc{lesson.path, 0, 0}, fmt::format("lesson '{}' has no explore: section", lesson.id));
    const LessonVariant& v = lesson.pickVariant(variant);
    ExploreProblem p;
    for (const Op& op : variantOps(v)) p.initial.execute(op, nullptr);
    for (const Op& op : lesson.setup) p.initial.execute(op, nullptr);
    for (const LessonStep* s : prefixSteps(lesson, v))
        for (const Op& op : s->ops) p.initial.execute(op, nullptr);
    if (fineSteps) {
        Op fine = kernelStepsFineOp();
        fine.loc = lesson.explore->loc;
        p.initial.execute(fine, nullptr);
        p.fineSteps = true;
    }
    const auto ncpu = p.initial.cpus().size();
    p.threads.resize(ncpu);
    p.speculation.resize(ncpu);
    for (const auto& [cpu, ops] : lesson.explore->threads) {
        if (static_cast<std::size_t>(cpu) >= ncpu)
            throw OpError(ops.empty() ? lesson.explore->loc : ops.front().loc,
                          fmt::format("a thread for cpu{}, but the machine has {} CPUs", cpu, ncpu));
        p.threads[static_cast<std::size_t>(cpu)] = ops;
    }
    for (const auto& [cpu, vas] : lesson.explore->speculation) {
        if (static_cast<std::size_t>(cpu) >= ncpu)
            throw OpError(lesson.explore->loc, fmt::format("speculation for cpu{}, but the machine has {} CPUs", cpu, ncpu));
        p.speculation[static_cast<std::size_t>(cpu)] = vas;
    }
    p.name = fmt::format("{} ({}{})", lesson.id, v.name, fineSteps ? ", fine steps" : "");
    return p;
}

// ---- the counterexample as a lesson --------------------------------------------------------------

namespace {

// id, title, summary and the one variant the schedule was found under.
void emitHeader(YAML::Emitter& y, const Lesson& lesson, const LessonVariant& v, const ExploreResult& result) {
    y << YAML::Key << "id" << YAML::Value << fmt::format("{}-counterexample-{}", lesson.id, v.name);
    y << YAML::Key << "title" << YAML::Value
      << fmt::format("{}: the shortest schedule to a machine check ({})", lesson.title, v.name);
    y << YAML::Key << "summary" << YAML::Value
      << fmt::format("Found by tlblab-cli explore: {} scheduled operations after the lesson's first {} steps, "
                     "ending in the machine check on cpu{}.",
                     result.schedule.size(), lesson.explore ? lesson.explore->afterStep : 0, result.machineCheckCpu);
    y << YAML::Key << "variants" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value << v.name;
    y << YAML::Key << "description" << YAML::Value << (v.description.empty() ? v.name : v.description);
    y << YAML::Key << "cpu_model" << YAML::Value << cpuModelName(v.model);
    y << YAML::Key << "kernel" << YAML::Value << kernelVariantName(v.kernel);
    y << YAML::EndMap << YAML::EndSeq;
}

// The steps the lesson plays under the variant before the concurrent section.
void emitPrefixSteps(YAML::Emitter& y, const Lesson& lesson, const LessonVariant& v) {
    for (const LessonStep* s : prefixSteps(lesson, v)) {
        y << YAML::BeginMap;
        y << YAML::Key << "title" << YAML::Value << s->title;
        y << YAML::Key << "ops" << YAML::Value << YAML::BeginSeq;
        for (const Op& op : s->ops) y << formatOp(op);
        y << YAML::EndSeq;
        const std::string& nar = s->narrationIn(v.name);
        if (!nar.empty()) y << YAML::Key << "narration" << YAML::Value << YAML::Literal << nar;
        y << YAML::EndMap;
    }
}

void emitFineStepsStep(YAML::Emitter& y) {
    y << YAML::BeginMap;
    y << YAML::Key << "title" << YAML::Value << "Kernel paths in fine-grained steps";
    y << YAML::Key << "ops" << YAML::Value << YAML::BeginSeq << formatOp(kernelStepsFineOp()) << YAML::EndSeq;
    y << YAML::Key << "narration" << YAML::Value
      << "From here on native_cpu_up, flush_tlb_all, zap_low_mappings, start_secondary and set_cpu_online run one "
         "`kernel_step` at a time, and each CPU handles the flush IPI in steps of its own (the explorer's "
         "fine-grained mode).";
    y << YAML::EndMap;
}

// " Its TLB now holds 2 entries for 0x08048000: ..." (nothing when it holds none).
std::string tlbHolds(const Cpu& cpu, u32 va) {
    const TlbMatches mt = cpu.tlb.lookup(va);
    if (mt.count == 0) return {};
    std::string held;
    for (int k = 0; k < mt.count; ++k) {
        const TlbEntry& e = cpu.tlb.at(mt.slot[static_cast<std::size_t>(k)]);
        held += fmt::format("{}{} {} {} {}", k ? "; " : "", hex32(e.va), pageSizeName(e.size),
                            e.global ? "global" : "non-global", e.user ? "user" : "supervisor-only");
    }
    return fmt::format(" Its TLB now holds {} entr{} for {}: {}.", mt.count, mt.count == 1 ? "y" : "ies", hex32(va), held);
}

// Plays one scheduled step on `replay` and says what it did: who ran what, on which page table,
// what the TLB holds for the address of an access or a speculation, a page fault, CR3 changes.
std::string playAndNarrate(Machine& replay, const ScheduleStep& st) {
    const std::string table = replay.tableName(replay.cpu(st.cpu).regs.cr3);
    std::vector<u32> cr3Before;
    for (const Cpu& c : replay.cpus()) cr3Before.push_back(c.regs.cr3);
    OpResult res;
    try {
        res = replay.execute(st.op, nullptr);
    } catch (const OpError&) {
    }
    std::string nar;
    if (st.speculation)
        nar = fmt::format("The explorer's nondeterministic choice: cpu{}, on {}, speculatively caches the "
                          "translation of {}.",
                          st.cpu, table.empty() ? "its page table" : "`" + table + "`", hex32(st.op.a));
    else if (st.op.code == OpCode::KernelStep)
        nar = fmt::format("cpu{}'s next kernel step: {}.", st.cpu, st.kernelStep);
    else
        nar = fmt::format("cpu{} runs operation {} of its thread.", st.cpu, st.threadIndex + 1);
    if (st.op.code == OpCode::Speculate || st.op.code == OpCode::Access)
        nar += tlbHolds(replay.cpu(st.cpu), static_cast<u32>(st.op.a));
    if (res.outcome == OpResult::Outcome::PageFault) nar += " The access page-faults.";
    for (const Cpu& c : replay.cpus()) {
        const std::string now = replay.tableName(c.regs.cr3);
        if (c.regs.cr3 != cr3Before[static_cast<std::size_t>(c.id)] && !now.empty())
            nar += fmt::format(" cpu{}'s CR3 now points at `{}`.", c.id, now);
    }
    return nar;
}

// Step i of the schedule; the last one expects the machine check.
void emitScheduleStep(YAML::Emitter& y, Machine& replay, const ExploreResult& result, std::size_t i) {
    const ScheduleStep& st = result.schedule[i];
    const bool last = i + 1 == result.schedule.size();
    y << YAML::BeginMap;
    y << YAML::Key << "title" << YAML::Value << fmt::format("Schedule {}: {}", i + 1, formatOp(st.op));
    y << YAML::Key << "cpu" << YAML::Value << fmt::format("cpu{}", st.cpu);
    y << YAML::Key << "ops" << YAML::Value << YAML::BeginSeq << formatOp(st.op) << YAML::EndSeq;
    std::string nar = playAndNarrate(replay, st);
    if (last) nar += fmt::format(" Here cpu{} takes the machine check.", result.machineCheckCpu);
    y << YAML::Key << "narration" << YAML::Value << nar;
    if (last)
        y << YAML::Key << "expect" << YAML::Value << YAML::BeginSeq
          << fmt::format("cpu{} machine_check", result.machineCheckCpu) << YAML::EndSeq;
    y << YAML::EndMap;
}

}  // namespace

std::string scheduleLessonYaml(const Lesson& lesson, const std::string& variant, const ExploreResult& result) {
    const LessonVariant& v = lesson.pickVariant(variant);
    YAML::Emitter y;
    y << YAML::BeginMap;
    emitHeader(y, lesson, v, result);
    y << YAML::Key << "setup" << YAML::Value << YAML::BeginSeq;
    for (const Op& op : lesson.setup) y << formatOp(op);
    y << YAML::EndSeq;
    y << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
    emitPrefixSteps(y, lesson, v);
    const ExploreProblem problem = problemFromLesson(lesson, v.name, result.fineSteps);
    Machine replay = problem.initial;
    if (result.fineSteps) emitFineStepsStep(y);
    for (std::size_t i = 0; i < result.schedule.size(); ++i) emitScheduleStep(y, replay, result, i);
    y << YAML::EndSeq;
    y << YAML::EndMap;
    std::string out = fmt::format("# Generated by tlblab-cli explore from lesson '{}', variant '{}'.\n", lesson.id, v.name);
    out += y.c_str();
    out += "\n";
    return out;
}

namespace {

std::string incompleteReason(const ExploreResult& r, int maxDepth) {
    switch (r.stop) {
    case ExploreStop::States: return "state budget reached";
    case ExploreStop::Seconds: return "time budget reached";
    case ExploreStop::Memory: return "memory budget reached";
    case ExploreStop::Cancelled: return "cancelled";
    case ExploreStop::Depth:
    case ExploreStop::None: break;
    }
    return fmt::format("depth limit {} reached", maxDepth);
}

const char* verdictName(const ExploreResult& r) {
    return r.found ? "reachable" : r.complete ? "unreachable" : "incomplete";
}

}  // namespace

std::string exploreSummary(const std::string& name, const ExploreResult& r, int maxDepth) {
    std::string s = name + ": ";
    if (r.found) {
        s += fmt::format("machine check reachable on cpu{}; shortest schedule ({} steps):\n", r.machineCheckCpu,
                         r.schedule.size());
        for (std::size_t i = 0; i < r.schedule.size(); ++i)
            s += fmt::format("  {:>3}. {}{}\n", i + 1, formatOp(r.schedule[i].op),
                             r.schedule[i].speculation        ? "   (speculation choice)"
                             : !r.schedule[i].kernelStep.empty() ? "   (" + r.schedule[i].kernelStep + ")"
                                                                 : std::string());
    } else if (r.cancelled) {
        s += "search cancelled\n";
    } else if (r.complete) {
        s += "no machine check reachable (complete search)\n";
    } else {
        s += fmt::format("no machine check within {} states (search incomplete: {})\n", r.states,
                         incompleteReason(r, maxDepth));
    }
    s += fmt::format("  states {}, transitions {}, reduced states {}, end states {} ({} with a blocked thread), "
                     "depth {}, {:.3f} s\n",
                     r.states, r.transitions, r.reducedStates, r.endStates, r.blockedEnds, r.depth, r.seconds);
    s += fmt::format("  {} thread{}, search memory {:.1f} MiB peak, visited set {:.1f} bytes/state (64-bit "
                     "fingerprints, collision probability {:.1e}){}{}",
                     r.threads, r.threads == 1 ? "" : "s", static_cast<double>(r.peakMemory) / 1048576.0,
                     r.states ? static_cast<double>(r.visitedBytes) / static_cast<double>(r.states) : 0.0,
                     r.collisionProbability,
                     r.symmetryClasses ? fmt::format(", {} symmetry class{}", r.symmetryClasses,
                                                     r.symmetryClasses == 1 ? "" : "es")
                                       : std::string(),
                     r.compactTlb ? ", first-level TLB" : "");
    return s;
}

std::string exploreJson(const std::string& name, const ExploreResult& r, int maxDepth) {
    nlohmann::json j;
    j["schema"] = "tlblab-explore/1";
    j["name"] = name;
    j["verdict"] = verdictName(r);
    j["complete"] = r.complete;
    if (!r.found && !r.complete) j["incomplete_reason"] = incompleteReason(r, maxDepth);
    j["machine_check_cpu"] = r.found ? nlohmann::json(r.machineCheckCpu) : nlohmann::json(nullptr);
    j["states"] = r.states;
    j["transitions"] = r.transitions;
    j["reduced_states"] = r.reducedStates;
    j["end_states"] = r.endStates;
    j["blocked_ends"] = r.blockedEnds;
    j["depth"] = r.depth;
    j["max_depth"] = maxDepth;
    j["seconds"] = r.seconds;
    j["cpu_seconds"] = r.cpuSeconds;
    j["threads"] = r.threads;
    j["peak_search_bytes"] = r.peakMemory;
    j["visited_bytes"] = r.visitedBytes;
    j["fingerprint_bits"] = 64;
    j["collision_probability"] = r.collisionProbability;
    j["symmetry_classes"] = r.symmetryClasses;
    j["fine_steps"] = r.fineSteps;
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& st : r.schedule)
        steps.push_back({{"cpu", st.cpu},
                         {"op", formatOp(st.op)},
                         {"speculation", st.speculation},
                         {"kernel_step", st.kernelStep.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.kernelStep)}});
    j["counterexample"] = steps;
    return j.dump();
}

}  // namespace tlblab

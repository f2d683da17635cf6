// SPDX-License-Identifier: GPL-3.0-or-later
// The explorer and the stress runner (issue 6).
#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace tlblab;

const std::string kLesson = std::string(TLBLAB_EXPLORE_TEST_DIR) + "/erratum-explore.yaml";

// The erratum scenario built in C++ from op scripts, independent of the lesson loader.
ExploreProblem scriptProblem(const std::string& variant, const std::string& model = "erratum383") {
    ExploreProblem p;
    const std::string setup = "cpus 3\ncpu_model " + model + "\nkernel_variant " + variant +
                              "\nkernel_boot\ncpu0 cpu_down cpu2\ntask bash\n"
                              "map \"bash pgd\" 0x08048000 0x2000000 16K 4K user rw\n"
                              "cpu1 schedule bash\ncpu1 access 0x08048000 read user\ncpu1 schedule idle\n";
    for (const Op& op : parseScript(setup, "setup")) p.initial.execute(op, nullptr);
    p.threads.resize(3);
    p.speculation.resize(3);
    p.threads[0] = parseScript(variant == "fix-trampoline" ? "cpu0 native_cpu_up cpu2\n"
                                                           : "cpu0 native_cpu_up cpu2\ncpu0 zap_low_mappings\n",
                               "cpu0");
    p.threads[1] = parseScript("cpu1 schedule bash\ncpu1 access 0x08048000 read user\n", "cpu1");
    p.threads[2] = parseScript("cpu2 start_secondary\ncpu2 set_cpu_online\n", "cpu2");
    p.speculation[1] = {0x08048000};
    return p;
}

bool anyMachineCheck(const Machine& m) {
    for (const Cpu& c : m.cpus())
        if (c.mc0Status != 0) return true;
    return false;
}

}  // namespace

TEST_CASE("the explorer finds the erratum 383 machine check under the buggy kernel, and it replays") {
    const ExploreProblem p = scriptProblem("buggy");
    const ExploreResult r = explore(p);
    REQUIRE(r.found);
    CHECK(r.machineCheckCpu == 1);
    REQUIRE(r.schedule.size() == 4);
    CHECK(formatOp(r.schedule[0].op) == "cpu0 native_cpu_up cpu2");
    CHECK(r.schedule[1].speculation);
    CHECK(formatOp(r.schedule[1].op) == "cpu1 speculate 0x08048000");
    CHECK(formatOp(r.schedule[3].op) == "cpu1 access 0x08048000 read user");

    // Replay through Machine::execute, op by op: only the last one takes the machine check.
    Machine m = p.initial;
    for (std::size_t i = 0; i < r.schedule.size(); ++i) {
        CHECK_FALSE(anyMachineCheck(m));
        OpResult res = m.execute(r.schedule[i].op, nullptr);
        if (i + 1 == r.schedule.size()) CHECK(res.outcome == OpResult::Outcome::MachineCheck);
    }
    CHECK(m.cpu(1).mc0Status == pae::kMc0StatusErratum383);
    CHECK(replaySchedule(p, r.schedule).cpu(1).mc0Status == pae::kMc0StatusErratum383);
}

TEST_CASE("the explorer proves both fixes and the correct CPU free of the machine check (complete searches)") {
    for (const auto& [variant, model] : std::vector<std::pair<std::string, std::string>>{
             {"fix-flush", "erratum383"}, {"fix-trampoline", "erratum383"}, {"buggy", "correct"}}) {
        INFO(variant << " on " << model);
        const ExploreResult r = explore(scriptProblem(variant, model));
        CHECK_FALSE(r.found);
        CHECK(r.complete);
        CHECK(r.schedule.empty());
        CHECK(r.states > 10);
        CHECK(r.endStates >= 1);
        CHECK(r.blockedEnds == 0);
    }
}

TEST_CASE("the reduction keeps the verdict and the shortest schedule length") {
    for (const std::string variant : {"buggy", "fix-flush", "fix-trampoline"}) {
        INFO(variant);
        const ExploreProblem p = scriptProblem(variant);
        ExploreOptions full;
        full.reduction = false;
        const ExploreResult a = explore(p);
        const ExploreResult b = explore(p, full);
        CHECK(a.found == b.found);
        CHECK(a.complete == b.complete);
        CHECK(a.schedule.size() == b.schedule.size());
        CHECK(a.states <= b.states);
        CHECK(b.reducedStates == 0);
    }
}

TEST_CASE("a depth limit makes the search incomplete, and cancelling stops it") {
    ExploreOptions o;
    o.maxDepth = 2;
    const ExploreResult r = explore(scriptProblem("fix-flush"), o);
    CHECK_FALSE(r.found);
    CHECK_FALSE(r.complete);

    std::atomic<bool> cancel{true};
    ExploreOptions c;
    c.cancel = &cancel;
    const ExploreResult x = explore(scriptProblem("buggy"), c);
    CHECK(x.cancelled);
    CHECK_FALSE(x.found);
    CHECK_FALSE(x.complete);
}

TEST_CASE("the state hash ignores entry ids and fill order but not TLB contents") {
    Machine base;
    for (const Op& op : parseScript("cpus 2\nkernel_boot\n", "s")) base.execute(op, nullptr);
    Machine a = base, b = base, c = base;
    for (const Op& op : parseScript("cpu1 speculate 0xc0000000\ncpu1 speculate 0xc0400000\n", "a")) a.execute(op, nullptr);
    for (const Op& op : parseScript("cpu1 speculate 0xc0400000\ncpu1 speculate 0xc0000000\n", "b")) b.execute(op, nullptr);
    for (const Op& op : parseScript("cpu1 speculate 0xc0000000\n", "c")) c.execute(op, nullptr);
    CHECK(hashMachine(a, 0) == hashMachine(b, 0));
    CHECK_FALSE(hashMachine(a, 0) == hashMachine(c, 0));
    // Where a set could evict (slack >= ways), the LRU order is part of the state.
    CHECK_FALSE(hashMachine(a, 48) == hashMachine(b, 48));
    // Page-table memory is part of the state.
    Machine d = base;
    d.execute(parseScript("clone_pgd_range swapper_pg_dir 0 3 1\n", "d").front(), nullptr);
    CHECK_FALSE(hashMachine(d, 0) == hashMachine(base, 0));
}

TEST_CASE("the lesson's explore section gives the same verdicts, and the trace plays as a lesson") {
    const Lesson lesson = loadLesson(kLesson);
    REQUIRE(lesson.explore);
    for (const std::string v : {"fix-flush", "fix-trampoline", "correct"}) {
        INFO(v);
        const ExploreResult r = explore(problemFromLesson(lesson, v));
        CHECK_FALSE(r.found);
        CHECK(r.complete);
    }
    const ExploreProblem p = problemFromLesson(lesson, "buggy");
    const ExploreResult r = explore(p);
    REQUIRE(r.found);
    CHECK(replaySchedule(p, r.schedule).cpu(r.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);

    const Lesson trace = parseLesson(scheduleLessonYaml(lesson, "buggy", r), "trace.yaml");
    REQUIRE(trace.steps.size() == static_cast<std::size_t>(lesson.explore->afterStep) + r.schedule.size());
    LessonRun run(trace);
    CHECK(run.allPassed());
    CHECK(run.timeline().head().cpu(r.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);
    CHECK_THROWS_AS(problemFromLesson(lesson, "no-such-variant"), OpError);
}

TEST_CASE("stress: the same seed gives the same figures whatever the number of jobs") {
    StressOptions o;
    o.cycles = 3500;  // not a multiple of the chunk size
    o.seed = 42;
    o.jobs = 1;
    const StressResult a = runStress(o);
    o.jobs = 2;
    const StressResult b = runStress(o);
    o.jobs = 3;
    const StressResult c = runStress(o);
    CHECK(a.cycles == 3500);
    for (const StressResult* x : {&b, &c}) {
        CHECK(x->machineChecks == a.machineChecks);
        CHECK(x->stats.contextSwitches == a.stats.contextSwitches);
        CHECK(x->stats.misses == a.stats.misses);
        CHECK(x->stats.walks == a.stats.walks);
        CHECK(x->stats.flushAll == a.stats.flushAll);
        CHECK(x->stats.flushNonGlobal == a.stats.flushNonGlobal);
    }
    CHECK(stressCsv({a}) == stressCsv({b}));
    o.seed = 43;
    const StressResult d = runStress(o);
    CHECK_FALSE(stressCsv({d}) == stressCsv({a}));
}

TEST_CASE("stress: machine checks under the buggy kernel, none under either fix or on a correct CPU") {
    StressOptions o;
    o.cycles = 5000;
    o.seed = 7;
    o.variant = KernelVariant::Buggy;
    const StressResult buggy = runStress(o);
    CHECK(buggy.machineChecks > 0);
    CHECK(buggy.rejectedOps == 0);
    CHECK(buggy.stats.contextSwitches > 0);
    CHECK(buggy.stats.multimatches == buggy.machineChecks);
    for (KernelVariant v : {KernelVariant::FixFlush, KernelVariant::FixTrampoline}) {
        o.variant = v;
        const StressResult r = runStress(o);
        INFO(kernelVariantName(v));
        CHECK(r.machineChecks == 0);
        CHECK(r.rejectedOps == 0);
        CHECK(r.stats.contextSwitches > 0);
    }
    o.variant = KernelVariant::Buggy;
    o.model = CpuModel::Correct;
    const StressResult correct = runStress(o);
    CHECK(correct.machineChecks == 0);
    CHECK(correct.stats.permissionMismatches > 0);  // the stale entry is there; the CPU copes
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The explorer and the stress runner (issue 6).
#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

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

// ---- issue 13: the compact, parallel search ---------------------------------------------------

namespace {

ExploreProblem benchProblem(const std::string& file, const std::string& variant) {
    return problemFromLesson(loadLesson(std::string(TLBLAB_EXPLORE_TEST_DIR) + "/" + file), variant);
}

std::vector<std::string> scheduleText(const ExploreResult& r) {
    std::vector<std::string> s;
    for (const auto& st : r.schedule) s.push_back(formatOp(st.op));
    return s;
}

}  // namespace

TEST_CASE("the 4-CPU problem: verdicts, counts and the shortest counterexample of the earlier explorer") {
    // The earlier explorer (full machine per state) gave the same counts; on the 5-CPU problem
    // 191,142 states for fix-flush and 9,240 for fix-trampoline (issue 13), as this one does.
    ExploreOptions o;
    o.threads = 1;
    const ExploreResult buggy = explore(benchProblem("bench-4cpu.yaml", "buggy"), o);
    REQUIRE(buggy.found);
    CHECK(buggy.machineCheckCpu == 1);
    CHECK(scheduleText(buggy) == std::vector<std::string>{"cpu0 native_cpu_up cpu2", "cpu1 speculate 0x08048000",
                                                          "cpu1 schedule bash", "cpu1 access 0x08048000 read user"});
    const ExploreResult flush = explore(benchProblem("bench-4cpu.yaml", "fix-flush"), o);
    CHECK_FALSE(flush.found);
    CHECK(flush.complete);
    CHECK(flush.states == 6764);
    CHECK(flush.compactTlb);
    CHECK(flush.visitedBytes <= 64 * flush.states);
    const ExploreResult tramp = explore(benchProblem("bench-4cpu.yaml", "fix-trampoline"), o);
    CHECK_FALSE(tramp.found);
    CHECK(tramp.complete);
    CHECK(tramp.states == 840);
}

TEST_CASE("1, 2 and 4 threads give the same verdict, counts and shortest counterexample") {
    for (const std::string variant : {"buggy", "fix-flush", "fix-trampoline"}) {
        INFO(variant);
        const ExploreProblem p = benchProblem("bench-4cpu.yaml", variant);
        ExploreOptions one;
        one.threads = 1;
        const ExploreResult a = explore(p, one);
        CHECK(a.threads == 1);
        for (int threads : {2, 4}) {
            INFO(threads << " threads");
            ExploreOptions o;
            o.threads = threads;
            const ExploreResult b = explore(p, o);
            CHECK(b.threads == threads);
            CHECK(b.found == a.found);
            CHECK(b.complete == a.complete);
            CHECK(b.states == a.states);
            CHECK(b.transitions == a.transitions);
            CHECK(b.reducedStates == a.reducedStates);
            CHECK(b.endStates == a.endStates);
            CHECK(b.blockedEnds == a.blockedEnds);
            CHECK(b.depth == a.depth);
            CHECK(scheduleText(b) == scheduleText(a));
        }
    }
}

TEST_CASE("symmetry reduction keeps the verdicts and merges interchangeable bystanders") {
    // The 4-CPU problem has no interchangeable CPUs (cpu1 writes, cpu3 reads): the same search.
    for (const std::string variant : {"buggy", "fix-flush", "fix-trampoline", "correct"}) {
        INFO(variant);
        const ExploreProblem p = benchProblem("bench-4cpu.yaml", variant);
        ExploreOptions off;
        off.symmetry = false;
        const ExploreResult a = explore(p), b = explore(p, off);
        CHECK(a.symmetryClasses == 0);
        CHECK(a.found == b.found);
        CHECK(a.complete == b.complete);
        CHECK(a.states == b.states);
        CHECK(a.schedule.size() == b.schedule.size());
    }
    // Two bystanders with the same thread and speculation (vim on cpu3, emacs on cpu4): one class.
    for (const std::string variant : {"buggy", "fix-flush", "fix-trampoline"}) {
        INFO(variant);
        const ExploreProblem p = benchProblem("symmetry-5cpu.yaml", variant);
        ExploreOptions off;
        off.symmetry = false;
        const ExploreResult a = explore(p), b = explore(p, off);
        CHECK(a.symmetryClasses == 1);
        CHECK(b.symmetryClasses == 0);
        CHECK(a.found == b.found);
        CHECK(a.complete == b.complete);
        CHECK(a.schedule.size() == b.schedule.size());
        CHECK(a.states < b.states);
        if (a.found) CHECK(replaySchedule(p, a.schedule).cpu(a.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);
    }
}

TEST_CASE("budgets stop a search with the partial verdict and bounded memory") {
    const std::string hostile = std::string(TLBLAB_EXPLORE_TEST_DIR) + "/cli/hostile-explore.yaml";
    const ExploreProblem p = problemFromLesson(loadLesson(hostile), "buggy");
    ExploreOptions states;
    states.maxStates = 1500;
    const ExploreResult a = explore(p, states);
    CHECK_FALSE(a.found);
    CHECK_FALSE(a.complete);
    CHECK(a.stop == ExploreStop::States);
    CHECK(a.states == 1500);
    CHECK(exploreSummary("h", a, 64).find("no machine check within 1500 states (search incomplete: state budget reached)") !=
          std::string::npos);

    ExploreOptions memory;
    memory.maxMemory = u64{3} << 20;
    u64 progressCalls = 0, maxReported = 0;
    memory.progress = [&](const ExploreProgress& pr) {
        ++progressCalls;
        maxReported = std::max(maxReported, pr.memoryBytes);
    };
    const ExploreResult b = explore(p, memory);
    CHECK_FALSE(b.complete);
    CHECK(b.stop == ExploreStop::Memory);
    CHECK(b.states > 1500);
    // The budget is checked before every growth of the visited set and the records, and after
    // every batch of 2048 states (whose successor lists it may pass by a few hundred KiB).
    CHECK(b.peakMemory <= memory.maxMemory + (u64{1} << 20));
    CHECK(maxReported <= memory.maxMemory + (u64{1} << 20));
    CHECK(progressCalls >= 1);
    CHECK(exploreJson("h", b, 64).find("\"verdict\":\"incomplete\"") != std::string::npos);

    ExploreOptions time;
    time.maxSeconds = 0.05;
    const ExploreResult c = explore(p, time);
    CHECK_FALSE(c.complete);
    CHECK(c.stop == ExploreStop::Seconds);
    CHECK(c.seconds < 5);
    CHECK(defaultExploreMemoryBudget() >= (u64{64} << 20));
}

TEST_CASE("fine-grained kernel steps: the same verdicts, a longer shortest schedule that shows the IPI window, and the trace plays") {
    for (const std::string& file : {kLesson, std::string(TLBLAB_EXPLORE_TEST_DIR) + "/bench-4cpu.yaml"}) {
        const Lesson lesson = loadLesson(file);
        for (const std::string v : {"buggy", "fix-flush", "fix-trampoline", "correct"}) {
            INFO(file << " " << v);
            const ExploreResult coarse = explore(problemFromLesson(lesson, v));
            const ExploreProblem p = problemFromLesson(lesson, v, true);
            REQUIRE(p.initial.kernel().fineSteps);
            const ExploreResult fine = explore(p);
            CHECK(fine.fineSteps);
            CHECK(fine.found == coarse.found);
            CHECK(fine.complete == !fine.found);
            CHECK(fine.found == (v == "buggy"));
            if (!fine.found) continue;
            // The atomic native_cpu_up is several steps here; the speculation comes after the
            // bystander took the flush IPI (leave_mm put it on swapper_pg_dir) and before the zap.
            CHECK(fine.schedule.size() > coarse.schedule.size());
            auto isStep = [](const ScheduleStep& s) { return s.op.code == OpCode::KernelStep; };
            CHECK(std::count_if(fine.schedule.begin(), fine.schedule.end(), isStep) >= 3);
            auto leaveMm = std::find_if(fine.schedule.begin(), fine.schedule.end(), [](const ScheduleStep& s) {
                return s.kernelStep.find("leave_mm") != std::string::npos;
            });
            REQUIRE(leaveMm != fine.schedule.end());
            auto spec = std::find_if(fine.schedule.begin(), fine.schedule.end(),
                                     [](const ScheduleStep& s) { return s.speculation; });
            REQUIRE(spec != fine.schedule.end());
            CHECK(spec > leaveMm);
            CHECK(spec->cpu == leaveMm->cpu);
            // Shortest: the search without the reduction finds no shorter schedule.
            ExploreOptions full;
            full.reduction = false;
            CHECK(explore(p, full).schedule.size() == fine.schedule.size());
            CHECK(replaySchedule(p, fine.schedule).cpu(fine.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);
            // The trace plays step by step as a lesson: one step turns the fine mode on.
            const Lesson trace = parseLesson(scheduleLessonYaml(lesson, v, fine), "trace.yaml");
            REQUIRE(trace.steps.size() == static_cast<std::size_t>(lesson.explore->afterStep) + 1 + fine.schedule.size());
            LessonRun run(trace);
            CHECK(run.allPassed());
            CHECK(run.timeline().head().cpu(fine.machineCheckCpu).mc0Status == pae::kMc0StatusErratum383);
        }
    }
}

TEST_CASE("kernel state is data: call stack and waits print the kernel's names") {
    Machine m;
    for (const char* line : {"cpus 3", "kernel_boot", "cpu0 cpu_down cpu2", "kernel_steps fine", "cpu0 native_cpu_up cpu2"}) {
        Op op;
        REQUIRE(parseOp(line, SourceLoc{}, op));
        m.execute(op, nullptr);
    }
    CHECK(m.cpu(0).callStack.text(" > ") == "cpu_idle > native_cpu_up");
    CHECK(m.cpu(0).steps.next == KernelStep::FlushSendIpis);
    Op step;
    REQUIRE(parseOp("cpu0 kernel_step", SourceLoc{}, step));
    m.execute(step, nullptr);
    CHECK(m.cpu(0).waitingFor.text() == "IPI acknowledgements");
    CHECK(m.cpu(1).steps.ipi == IpiStage::Pending);
    CHECK_THROWS_AS(m.execute(step, nullptr), OpError);  // cpu0 waits for cpu1's ack
    Op other;
    REQUIRE(parseOp("cpu1 flush_tlb_all", SourceLoc{}, other));
    CHECK_THROWS_AS(m.execute(other, nullptr), OpError);  // cpu1 takes the IPI first
    CHECK(formatOp(step) == "cpu0 kernel_step");
}

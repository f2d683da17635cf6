// SPDX-License-Identifier: GPL-3.0-or-later
// Explore and stress (issue 6): find the erratum 383 race automatically, prove the fixes, and
// measure what each fix costs.
//
// Explorer: a problem is an initial machine, one thread of operations per CPU and, per CPU, the
// linear addresses that CPU may speculatively cache at any moment (a nondeterministic
// `speculate` between its operations). The search runs every interleaving breadth-first over
// states identified by a 64-bit fingerprint of their behaviour-relevant state (visited set), with
// a persistent-set reduction for CPUs whose next steps are independent of everything the other
// CPUs can still do, and symmetry classes of interchangeable bystander CPUs. An operation that
// cannot run in a state (Machine::execute throws: a CPU waiting for another) is simply not enabled
// there. No machine is kept per state (issue 13): a state is its fingerprint and an 8-byte record
// of how it was reached; frontier states are re-materialised by replaying their path. Levels are
// expanded by several threads and merged in a fixed order, so results do not depend on them.
//
// Stress: seeded random CPU offline/online cycles while the other CPUs run user tasks, idle in
// lazy TLB mode and speculate; machine checks per 1000 cycles and TLB work per context switch.
#pragma once

#include "tlblab/machine.hpp"
#include "tlblab/ops.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tlblab {

struct Lesson;

// ---- explorer ---------------------------------------------------------------------------------

struct ExploreProblem {
    Machine initial;
    std::vector<std::vector<Op>> threads;     // [cpu] -> its operations in program order
    std::vector<std::vector<u32>> speculation;  // [cpu] -> addresses it may speculatively cache
    std::string name;                         // for reports: "erratum-383 (buggy)"
    // Fine-grained kernel paths (issue 13): the initial machine runs `kernel_steps fine`, and a
    // CPU inside a kernel path or with a flush IPI to handle has a `kernel_step` transition.
    bool fineSteps = false;
};

struct ExploreProgress {
    u64 states = 0, transitions = 0;
    int depth = 0;
    double seconds = 0;
    u64 frontier = 0;         // states of the current level not expanded yet, plus the next level so far
    u64 memoryBytes = 0;      // the search's own memory (visited set, records, frontier, machines)
    double statesPerSecond = 0;
};

// Why a search stopped before it was complete.
enum class ExploreStop : std::uint8_t { None, Depth, States, Seconds, Memory, Cancelled };
const char* exploreStopName(ExploreStop s);  // "", "depth", "states", "seconds", "memory", "cancelled"

struct ExploreOptions {
    int maxDepth = 64;       // schedules longer than this are not searched (the search is then incomplete)
    bool reduction = true;   // persistent-set reduction
    const std::atomic<bool>* cancel = nullptr;  // polled; set it to stop the search
    // Called from the thread that runs explore(), at most about 10 times a second and once per level.
    std::function<void(const ExploreProgress&)> progress;
    // Worker threads, 0 = every core. Verdict, counts and the counterexample do not depend on it.
    int threads = 0;
    // Budgets; when one is reached the search stops incomplete ("no machine check within N states").
    u64 maxStates = 0;       // 0: none
    double maxSeconds = 0;   // 0: none
    u64 maxMemory = 0;       // bytes of the search's own memory; 0: defaultExploreMemoryBudget()
    // Interchangeable bystander CPUs (same thread program up to the task's name, same speculation
    // offsets, same kind of task) are treated as one class: states that differ only by a
    // permutation of them count once. Verdicts and shortest schedule lengths do not change.
    bool symmetry = true;
};

// Half the memory the machine has available now (/proc/meminfo MemAvailable), at least 64 MiB;
// 1 GiB where that cannot be read.
u64 defaultExploreMemoryBudget();
// Peak resident memory of this process (VmHWM), 0 where unknown.
u64 processPeakMemory();

struct ScheduleStep {
    int cpu = -1;
    bool speculation = false;  // a nondeterministic speculate choice, not a thread op
    int threadIndex = -1;      // index into the CPU's thread (thread ops only)
    Op op;
    std::string kernelStep;    // for a kernel_step: what it runs ("do_boot_cpu: sends INIT")
};

struct ExploreResult {
    bool found = false;       // a machine check is reachable
    bool complete = false;    // every state was expanded (no depth cut, not cancelled)
    bool cancelled = false;
    int machineCheckCpu = -1;
    std::vector<ScheduleStep> schedule;  // shortest schedule to the machine check (found only)
    u64 states = 0;           // distinct states reached
    u64 transitions = 0;      // transitions executed
    u64 reducedStates = 0;    // states where the reduction explored only one CPU
    u64 endStates = 0;        // states where nothing can run (every thread done or blocked)
    u64 blockedEnds = 0;      // end states with a thread not finished (it waits forever)
    int depth = 0;            // deepest BFS level reached
    double seconds = 0;
    double cpuSeconds = 0;    // processor time of the search, all its threads (for benchmarks on a busy machine)
    ExploreStop stop = ExploreStop::None;  // why an incomplete search stopped
    u64 peakMemory = 0;       // peak bytes of the search's own memory
    u64 visitedBytes = 0;     // bytes of the visited set and the counterexample records at the end
    int threads = 1;          // worker threads used
    int symmetryClasses = 0;  // classes of interchangeable CPUs with more than one member
    bool compactTlb = false;  // searched with the first TLB level only (no eviction was possible)
    bool fineSteps = false;   // searched with the fine-grained kernel paths
    // Probability that two different states of this search share a 64-bit fingerprint (the
    // visited set keeps fingerprints, not states): about states^2 / 2^65.
    double collisionProbability = 0;
};

ExploreResult explore(const ExploreProblem& problem, const ExploreOptions& options = {});

// A 128-bit hash of everything that decides the machine's future behaviour: CPU registers,
// state, kernel view, TLB contents (not entry ids, fill steps or LRU ticks; LRU order only for
// sets that could still evict within `lruSlack` fills), page-table memory and the kernel state.
struct StateHash {
    u64 lo = 0, hi = 0;
    bool operator==(const StateHash&) const = default;
};
StateHash hashMachine(const Machine& m, unsigned lruSlack);

// Builds the problem of a lesson's `explore:` section under one of its variants (the variant's
// CPU model and kernel, the setup, then the first `after_step` steps that apply). Throws OpError
// if the lesson has no explore section or an op cannot run.
// With `fineSteps` the kernel paths run as their real steps (`kernel_steps fine` after the prefix).
ExploreProblem problemFromLesson(const Lesson& lesson, const std::string& variant, bool fineSteps = false);

// The schedule as a lesson file (YAML) that `tlblab-cli run` and the app play like any lesson:
// the lesson's setup and prefix steps, then one step per scheduled operation with a line of
// narration, the last one expecting the machine check.
std::string scheduleLessonYaml(const Lesson& lesson, const std::string& variant, const ExploreResult& result);

// The verdict as text: "NAME: machine check reachable on cpuN; shortest schedule (K steps):", the
// numbered schedule, and a line of counts ("states .., transitions .., ..., depth .., T s"). An
// incomplete search says "no machine check within N states (search incomplete: REASON)".
std::string exploreSummary(const std::string& name, const ExploreResult& result, int maxDepth);

// The verdict as one JSON object (schema "tlblab-explore/1"): name, verdict ("reachable",
// "unreachable", "incomplete"), counts, time, memory and the counterexample's steps.
std::string exploreJson(const std::string& name, const ExploreResult& result, int maxDepth);

// Replays a schedule from the problem's initial machine (Machine::execute); returns the machine.
Machine replaySchedule(const ExploreProblem& problem, const std::vector<ScheduleStep>& schedule);

// ---- stress -----------------------------------------------------------------------------------

struct StressOptions {
    KernelVariant variant = KernelVariant::Buggy;
    CpuModel model = CpuModel::Erratum383;
    int cpus = 3;         // cpu0 drives hotplug; each cycle takes another CPU down and up again
    u64 cycles = 100000;  // hotplug cycles
    u64 seed = 1;
    int jobs = 0;         // threads; 0 = every core. The figures do not depend on it.
    double speculationRate = 0.5;  // chance that a random activity step is a speculation
    int activity = 3;  // up to this many random activity steps around each hotplug step
    const std::atomic<bool>* cancel = nullptr;  // polled between chunks; the result then has fewer cycles
    std::atomic<u64>* cyclesDone = nullptr;     // if set, grows by each finished chunk's cycles (progress)
};

struct StressResult {
    KernelVariant variant = KernelVariant::Buggy;
    CpuModel model = CpuModel::Erratum383;
    u64 cycles = 0;
    u64 machineChecks = 0;
    u64 rejectedOps = 0;  // operations the machine refused (a runner bug if not 0)
    CpuStats stats;       // summed over CPUs and over every machine (crashed ones included)
    double seconds = 0;

    double machineChecksPer1000() const { return cycles ? 1000.0 * static_cast<double>(machineChecks) / static_cast<double>(cycles) : 0.0; }
    double perSwitch(u64 v) const { return stats.contextSwitches ? static_cast<double>(v) / static_cast<double>(stats.contextSwitches) : 0.0; }
};

// Cycles are split into fixed chunks, each seeded from (seed, chunk index) and started on a fresh
// machine; chunks run on `jobs` threads and their counters are summed in chunk order.
StressResult runStress(const StressOptions& options);

// CSV of stress results: a header line, then one line per result.
std::string stressCsv(const std::vector<StressResult>& results);

}  // namespace tlblab

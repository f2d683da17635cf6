// SPDX-License-Identifier: GPL-3.0-or-later
// The seeded stress runner (issue 6): CPU offline/online cycles driven by cpu0 while the other
// CPUs run user tasks, idle in lazy TLB mode and speculate. Fast path: operations are built once
// and executed without events.
#include "tlblab/explore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace tlblab {

namespace {

constexpr u64 kChunkCycles = 1000;        // cycles per seeded chunk (the unit of parallel work)
constexpr u32 kUserBase = 0x08048000;     // each task's pages: 4 x 4K from here
constexpr unsigned kUserPages = 4;
constexpr u32 kKernelBase = 0xc1000000;  // kernel data: 4 x 2M lowmem pages from here

struct Rng {
    u64 s;
    u64 next() {
        u64 z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
    bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
};

Op mk(OpCode code, int cpu, int target = -1, u64 a = 0) {
    Op op;
    op.code = code;
    op.cpu = cpu;
    op.target = target;
    op.a = a;
    return op;
}

// Everything a chunk needs, built once per run.
struct Plan {
    Machine initial;
    int cpus = 0;
    bool zap = true;
    double specRate = 0.5;
    unsigned activity = 3;
    // Per CPU: schedule its task, schedule idle, accesses, speculations.
    std::vector<Op> scheduleTask, scheduleIdle;
    std::vector<std::vector<Op>> reads, writes, speculate, kernelReads;
    std::vector<Op> down, up;  // [target]: cpu0 cpu_down / native_cpu_up target
    std::vector<Op> startSecondary, setOnline;
    Op zapOp;
};

Plan makePlan(const StressOptions& o) {
    if (o.cpus < 2 || o.cpus > kMaxCpus)
        throw OpError(SourceLoc{}, fmt::format("stress needs between 2 and {} CPUs", kMaxCpus));
    Plan p;
    p.cpus = o.cpus;
    p.zap = o.variant != KernelVariant::FixTrampoline;
    p.specRate = o.speculationRate;
    if (o.activity < 0 || o.activity > 1000) throw OpError(SourceLoc{}, "activity must be between 0 and 1000");
    p.activity = static_cast<unsigned>(o.activity);
    std::string script = fmt::format("cpus {}\ncpu_model {}\nkernel_variant {}\nkernel_boot\n", o.cpus,
                                     cpuModelName(o.model), kernelVariantName(o.variant));
    for (int c = 1; c < o.cpus; ++c)
        script += fmt::format("task t{0}\nmap \"t{0} pgd\" {1:#x} {2:#x} 16K 4K user rw\n", c, kUserBase,
                              0x02000000u + static_cast<unsigned>(c) * 0x10000u);
    for (const Op& op : parseScript(script, "<stress setup>")) p.initial.execute(op, nullptr);

    const auto n = static_cast<std::size_t>(o.cpus);
    p.scheduleTask.resize(n);
    p.scheduleIdle.resize(n);
    p.reads.resize(n);
    p.writes.resize(n);
    p.speculate.resize(n);
    p.kernelReads.resize(n);
    p.down.resize(n);
    p.up.resize(n);
    p.startSecondary.resize(n);
    p.setOnline.resize(n);
    for (int c = 0; c < o.cpus; ++c) {
        const auto i = static_cast<std::size_t>(c);
        p.scheduleTask[i] = mk(OpCode::Schedule, c);
        p.scheduleTask[i].name = fmt::format("t{}", c);
        p.scheduleIdle[i] = mk(OpCode::Schedule, c);
        p.scheduleIdle[i].name = "idle";
        for (unsigned k = 0; k < kUserPages; ++k) {
            const u32 va = kUserBase + k * 0x1000u;
            Op r = mk(OpCode::Access, c, -1, va);
            r.access = AccessType::Read;
            r.mode = Mode::User;
            p.reads[i].push_back(r);
            Op w = r;
            w.access = AccessType::Write;
            p.writes[i].push_back(w);
            p.speculate[i].push_back(mk(OpCode::Speculate, c, -1, va));
            // Kernel data in lowmem (2M global pages): what a fix that drops global entries costs.
            Op kr = mk(OpCode::Access, c, -1, kKernelBase + k * 0x200000u);
            kr.access = AccessType::Read;
            kr.mode = Mode::Kernel;
            p.kernelReads[i].push_back(kr);
        }
        p.down[i] = mk(OpCode::CpuDown, 0, c);
        p.up[i] = mk(OpCode::NativeCpuUp, 0, c);
        p.startSecondary[i] = mk(OpCode::StartSecondary, c);
        p.setOnline[i] = mk(OpCode::SetCpuOnline, c);
    }
    p.zapOp = mk(OpCode::ZapLowMappings, 0);
    return p;
}

struct ChunkResult {
    u64 cycles = 0, machineChecks = 0, rejected = 0;
    CpuStats stats;
};

class ChunkRunner {
public:
    ChunkRunner(const Plan& plan, u64 seed) : m_p(plan), m_rng{seed}, m_m(plan.initial) {}

    ChunkResult run(u64 cycles) {
        for (u64 i = 0; i < cycles; ++i) cycle();
        addStats();
        m_r.cycles = cycles;
        return m_r;
    }

private:
    bool exec(const Op& op) {
        try {
            OpResult r = m_m.execute(op, nullptr);
            if (r.outcome == OpResult::Outcome::MachineCheck) {
                m_r.machineChecks++;
                addStats();
                m_m = m_p.initial;  // the machine panicked: reboot and keep counting
                m_crashed = true;
            }
            return true;
        } catch (const OpError&) {
            m_r.rejected++;
            return false;
        }
    }

    void addStats() {
        for (const Cpu& c : m_m.cpus()) m_r.stats += c.stats;
    }

    bool runsUser(int c) const {
        const Cpu& cpu = m_m.cpu(c);
        return cpu.currentTask >= 0 && m_m.tasks()[static_cast<std::size_t>(cpu.currentTask)].mm >= 0;
    }

    // A few random steps of the CPUs not taking part in the hotplug.
    void activity(int target) {
        const unsigned steps = m_rng.below(m_p.activity + 1);
        for (unsigned s = 0; s < steps && !m_crashed; ++s) {
            const int c = 1 + static_cast<int>(m_rng.below(static_cast<unsigned>(m_p.cpus - 1)));
            if (c == target || m_m.cpu(c).state != CpuState::Online) continue;
            const auto i = static_cast<std::size_t>(c);
            if (m_rng.chance(m_p.specRate)) {
                exec(m_p.speculate[i][m_rng.below(kUserPages)]);
            } else if (!runsUser(c)) {
                if (m_rng.below(10) < 3) exec(m_p.kernelReads[i][m_rng.below(kUserPages)]);
                else exec(m_p.scheduleTask[i]);
            } else {
                const unsigned roll = m_rng.below(10);
                if (roll < 4) exec(m_p.reads[i][m_rng.below(kUserPages)]);
                else if (roll < 6) exec(m_p.writes[i][m_rng.below(kUserPages)]);
                else if (roll < 8) exec(m_p.kernelReads[i][m_rng.below(kUserPages)]);
                else exec(m_p.scheduleIdle[i]);
            }
        }
    }

    void cycle() {
        m_crashed = false;
        const int t = 1 + static_cast<int>(m_rng.below(static_cast<unsigned>(m_p.cpus - 1)));
        const auto ti = static_cast<std::size_t>(t);
        activity(t);
        if (m_crashed) return;
        if (runsUser(t)) exec(m_p.scheduleIdle[ti]);
        exec(m_p.down[ti]);
        activity(t);
        if (m_crashed) return;
        exec(m_p.up[ti]);
        activity(t);
        if (m_crashed) return;
        exec(m_p.startSecondary[ti]);
        activity(t);
        if (m_crashed) return;
        if (m_p.zap) {
            exec(m_p.zapOp);
            activity(t);
            if (m_crashed) return;
        }
        exec(m_p.setOnline[ti]);
    }

    const Plan& m_p;
    Rng m_rng;
    Machine m_m;
    ChunkResult m_r;
    bool m_crashed = false;
};

u64 chunkSeed(u64 seed, u64 chunk) {
    Rng r{seed ^ 0x6a09e667f3bcc909ull};
    u64 a = r.next();
    Rng q{a + chunk * 0xbb67ae8584caa73bull};
    return q.next();
}

}  // namespace

StressResult runStress(const StressOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    const Plan plan = makePlan(o);
    const u64 chunks = (o.cycles + kChunkCycles - 1) / kChunkCycles;
    std::vector<ChunkResult> results(static_cast<std::size_t>(chunks));
    unsigned jobs = o.jobs > 0 ? static_cast<unsigned>(o.jobs) : std::max(1u, std::thread::hardware_concurrency());
    jobs = static_cast<unsigned>(std::min<u64>(jobs, std::max<u64>(chunks, 1)));
    std::atomic<u64> nextChunk{0};
    auto worker = [&]() {
        for (u64 k; (k = nextChunk.fetch_add(1)) < chunks;) {
            if (o.cancel && o.cancel->load(std::memory_order_relaxed)) break;
            const u64 n = std::min(kChunkCycles, o.cycles - k * kChunkCycles);
            ChunkRunner runner(plan, chunkSeed(o.seed, k));
            results[static_cast<std::size_t>(k)] = runner.run(n);
            if (o.cyclesDone) o.cyclesDone->fetch_add(n, std::memory_order_relaxed);
        }
    };
    if (jobs <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (unsigned j = 0; j < jobs; ++j) pool.emplace_back(worker);
        for (auto& th : pool) th.join();
    }
    StressResult r;
    r.variant = o.variant;
    r.model = o.model;
    for (const ChunkResult& c : results) {
        r.cycles += c.cycles;
        r.machineChecks += c.machineChecks;
        r.rejectedOps += c.rejected;
        r.stats += c.stats;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

std::string stressCsv(const std::vector<StressResult>& results) {
    std::string s =
        "variant,cpu_model,cycles,machine_checks,machine_checks_per_1000,context_switches,misses_per_switch,"
        "walks_per_switch,flush_non_global_per_switch,flush_all_per_switch,invlpg_per_switch,"
        "flush_page_fault_per_switch,entries_flushed_per_switch\n";
    for (const auto& r : results)
        s += fmt::format("{},{},{},{},{:.4f},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f}\n",
                         kernelVariantName(r.variant), cpuModelName(r.model), r.cycles, r.machineChecks,
                         r.machineChecksPer1000(), r.stats.contextSwitches, r.perSwitch(r.stats.misses),
                         r.perSwitch(r.stats.walks), r.perSwitch(r.stats.flushNonGlobal),
                         r.perSwitch(r.stats.flushAll), r.perSwitch(r.stats.invlpg),
                         r.perSwitch(r.stats.flushPageFault), r.perSwitch(r.stats.entriesFlushed));
    return s;
}

}  // namespace tlblab

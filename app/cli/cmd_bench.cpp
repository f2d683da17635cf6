// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli bench [--quick]: throughput of the CPU hot paths and the cost of a long history.
// Prints figures only; the targets of issue 2 are printed next to them, not enforced.
#include "commands.hpp"

#include "tlblab/machine.hpp"
#include "tlblab/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace tlblab::cli {

namespace {
// CPU time of this thread: the machine is shared, so wall time would measure the neighbours.
// Figures are per second of one core's time.
struct Clock {
    using time_point = double;
    static double now() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }
};

double secondsSince(double t0) { return Clock::now() - t0; }

// Resident set size of this process in MiB (VmRSS of /proc/self/status), -1 if unknown.
double residentMiB() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
    return -1.0;
}

Machine machineFrom(const std::string& script) {
    Machine m;
    for (const Op& op : parseScript(script, "bench")) m.execute(op, nullptr);
    return m;
}

// A table with `pages` 4K pages at 0x00400000 loaded on cpu0.
Machine pagesMachine(unsigned pages) {
    return machineFrom(fmt::format("table t\nmap t 0x00400000 0x01000000 {:#x} 4K rw\ncpu0 load_cr3 t\n",
                                   u64{pages} * 0x1000));
}

// Keeps results alive so the optimiser cannot drop the loops.
u64 g_sink = 0;

struct Rate {
    double perSecond = 0;
    u64 count = 0;
};

// Runs `body(i)` for about `budget` seconds in batches; returns operations per second.
template <typename F>
Rate measure(double budget, u64 batch, F&& body) {
    Rate r;
    const auto t0 = Clock::now();
    double elapsed = 0;
    do {
        for (u64 i = 0; i < batch; ++i) body(r.count + i);
        r.count += batch;
        elapsed = secondsSince(t0);
    } while (elapsed < budget);
    r.perSecond = static_cast<double>(r.count) / elapsed;
    return r;
}

// The operations a long history repeats: the hotplug scenario's pieces on a booted kernel
// with random speculation, touching a spread of user and kernel pages.
std::vector<Op> historyCycle() {
    return parseScript(R"(
cpu1 schedule bash
cpu1 access 0x08048000 read user
cpu1 access 0x08049000 write user
cpu1 access 0xc0100000 read kernel
cpu2 access 0xc0200000 write kernel
cpu1 schedule idle
cpu2 schedule vi
cpu2 access 0x08048000 read user
cpu0 speculate 0xc0300000
cpu0 flush_tlb_all
cpu1 invlpg 0x08048000
cpu2 schedule idle
cpu0 access 0xc0400000 read kernel
cpu1 translate 0x08048000 read user
cpu2 __flush_tlb
cpu1 access 0x0804a000 read user
)",
                       "bench-cycle");
}

const char* kHistorySetup = R"(
cpus 3
cpu_model correct
seed 2011
speculation random 0.1
kernel_boot
task bash
task vi
map "bash pgd" 0x08048000 0x2000000 64K 4K user rw
map "vi pgd" 0x08048000 0x3000000 64K 4K user rw
)";

struct HistoryFigures {
    double buildSeconds = 0, rssBefore = 0, rssAfter = 0;
    double median = 0, p95 = 0, max = 0;  // ms
    std::size_t keyframes = 0, interval = 0;
};

HistoryFigures benchHistory(std::size_t steps, int seeks) {
    HistoryFigures f;
    f.rssBefore = residentMiB();
    const auto t0 = Clock::now();
    const std::size_t interval = Timeline{}.keyframeInterval();  // the default
    Timeline t(machineFrom(kHistorySetup), interval, /*storeEvents=*/false);
    {
        const std::vector<Op> cycle = historyCycle();
        for (std::size_t i = 0; i < steps; ++i) {
            Op op = cycle[i % cycle.size()];
            // Vary the pages so the TLBs keep changing.
            if (op.code == OpCode::Access && op.a >= 0xc0000000u)
                op.a = 0xc0000000u + static_cast<u64>((i * 7919) % 448) * 0x200000u + (i % 512) * 0x1000u;
            else if (op.code == OpCode::Access || op.code == OpCode::Translate || op.code == OpCode::Invlpg)
                op.a = 0x08048000u + (i % 16) * 0x1000u;
            t.append(op);
        }
    }
    f.buildSeconds = secondsSince(t0);
    f.rssAfter = residentMiB();
    f.keyframes = t.keyframeCount();
    f.interval = t.keyframeInterval();

    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(seeks));
    u64 x = 0x2011;
    for (int i = 0; i < seeks; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::size_t target = static_cast<std::size_t>((x >> 33) % (steps + 1));
        const auto s0 = Clock::now();
        const Machine& m = t.seek(target);
        ms.push_back(secondsSince(s0) * 1e3);
        g_sink += m.step();
    }
    std::sort(ms.begin(), ms.end());
    f.median = ms[ms.size() / 2];
    f.p95 = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
    f.max = ms.back();
    return f;
}

int runBench(bool quick) {
    const double budget = quick ? 0.02 : 0.5;
    std::cout << fmt::format("tlblab-cli bench{}: times are this thread's CPU time (one core); sizeof(Op) {} B, "
                             "sizeof(TlbEntry) {} B, sizeof(Machine) {} B\n",
                             quick ? " --quick (sizes reduced; figures not meaningful)" : "", sizeof(Op),
                             sizeof(TlbEntry), sizeof(Machine));

    // 1. TLB-hit path: a warm TLB (1024 pages touched, so L1 and L2 are full), then 32 pages
    //    that sit in the 48-entry L1, read by cpu0 round robin. Every array is searched.
    Machine hitM = pagesMachine(1024);
    for (u32 p = 0; p < 1024; ++p) hitM.access(0, 0x00400000u + p * 0x1000u, AccessType::Read, Mode::Kernel, nullptr);
    for (u32 p = 0; p < 32; ++p) hitM.access(0, 0x00400000u + p * 0x1000u, AccessType::Read, Mode::Kernel, nullptr);
    const u64 warmMisses = hitM.cpu(0).stats.misses;
    const Rate hit = measure(budget, 1 << 16, [&](u64 i) {
        const u32 va = 0x00400000u + static_cast<u32>(i & 31) * 0x1000u + static_cast<u32>(i & 0xff8);
        g_sink += hitM.access(0, va, AccessType::Read, Mode::Kernel, nullptr).pa;
    });
    const bool allHits = hitM.cpu(0).stats.misses == warmMisses;
    std::cout << fmt::format("hit path: {:8.1f} M translations/s (Machine::access, TLB hit, no events{})\n",
                             hit.perSecond / 1e6, allHits ? "" : "; WARNING: some accesses missed");

    // 2. walk(): the PAE walk alone over 4096 pages of one table.
    Machine walkM = pagesMachine(4096);
    const Rate walks = measure(budget, 1 << 16, [&](u64 i) {
        const u32 va = 0x00400000u + static_cast<u32>(i & 4095) * 0x1000u;
        g_sink += walk(walkM.memory(), walkM.cpu(0).regs, va).pa;
    });
    std::cout << fmt::format("walk():    {:8.1f} M walks/s (4K pages, PDPTE register + PDE + PTE)\n",
                             walks.perSecond / 1e6);

    // 3. Miss path: Machine::access cycling over 4096 pages, more than the TLB holds (48 + 512),
    //    so every access misses, walks, fills and evicts.
    const Rate miss = measure(budget, 1 << 14, [&](u64 i) {
        const u32 va = 0x00400000u + static_cast<u32>(i & 4095) * 0x1000u;
        g_sink += walkM.access(0, va, AccessType::Read, Mode::Kernel, nullptr).pa;
    });
    const CpuStats& ms = walkM.cpu(0).stats;
    std::cout << fmt::format("miss path: {:7.1f} M walks/s (Machine::access, TLB miss: walk + fill + eviction; "
                             "{:.1f}% misses)\n",
                             miss.perSecond / 1e6, 100.0 * static_cast<double>(ms.misses) /
                                                       static_cast<double>(std::max<u64>(1, ms.lookups)));

    // 4. Histories: build, resident memory, random seeks.
    bool seekOk = true, memOk = true;
    for (std::size_t steps : quick ? std::vector<std::size_t>{1000, 10000} : std::vector<std::size_t>{1000, 1000000}) {
        const int seeks = quick ? 50 : 1000;
        const HistoryFigures f = benchHistory(steps, seeks);
        const double history = f.rssAfter - f.rssBefore;
        std::cout << fmt::format("{} steps: seek median {:.3f} ms, p95 {:.3f} ms, max {:.3f} ms "
                                 "({} random seeks; {} keyframes, interval {})\n",
                                 steps, f.median, f.p95, f.max, seeks, f.keyframes, f.interval);
        std::cout << fmt::format("{} steps: built in {:.2f} s; resident {:.1f} MiB ({:.1f} MiB for the history, "
                                 "events not stored)\n",
                                 steps, f.buildSeconds, f.rssAfter, history);
        if (steps == 1000000) {
            seekOk = f.max < 5.0;
            memOk = f.rssAfter < 256.0;
        }
    }
    if (!quick)
        std::cout << fmt::format("targets (issue 2): hit path >= 50 M/s {}; walks >= 10 M/s {}; seek < 5 ms {}; "
                                 "10^6-step history < 256 MiB {}\n",
                                 hit.perSecond >= 50e6 ? "met" : "MISSED", walks.perSecond >= 10e6 ? "met" : "MISSED",
                                 seekOk ? "met" : "MISSED", memOk ? "met" : "MISSED");
    std::cout << fmt::format("checksum {:#x}\n", g_sink);  // keeps the measured loops observable
    return kExitOk;
}
}  // namespace

void registerBench(CLI::App& app, Context& ctx) {
    auto quick = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand("bench", "Measure translations/s, walks/s, seek time and memory of histories");
    sub->add_flag("--quick", *quick, "Small sizes and short runs (checks that the benchmark runs)");
    sub->callback([quick, &ctx]() { ctx.exitCode = runBench(*quick); });
}

}  // namespace tlblab::cli

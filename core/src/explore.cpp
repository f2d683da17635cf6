// SPDX-License-Identifier: GPL-3.0-or-later
// The interleaving explorer (issue 6): breadth-first search over every schedule of per-CPU
// threads plus nondeterministic speculation, with a visited set of state hashes and a
// persistent-set reduction. See explore.hpp for the model.
#include "tlblab/explore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace tlblab {

// ---- state hashing ----------------------------------------------------------------------------

namespace {

constexpr u64 mix64(u64 z) {
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ull;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z;
}

// Two independent 64-bit lanes over the same word sequence.
struct Hasher {
    u64 a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
    void add(u64 w) {
        a = mix64(a ^ w) + 0x9e3779b97f4a7c15ull;
        b = mix64(b + w * 0xff51afd7ed558ccdull) ^ (b >> 17);
    }
    void add(const std::string& s) {
        add(s.size());
        u64 w = 0;
        unsigned n = 0;
        for (unsigned char ch : s) {
            w = (w << 8) | ch;
            if (++n == 8) {
                add(w);
                w = 0;
                n = 0;
            }
        }
        if (n) add(w);
    }
    void addSum(const Hasher& h) {  // order-independent combination
        a += mix64(h.a);
        b += mix64(h.b ^ 0x5851f42d4c957f2dull);
    }
};

u64 entryWord(const TlbEntry& e) {
    return u64{e.va} | (static_cast<u64>(e.size) << 32) | (u64{e.global} << 33) | (u64{e.user} << 34) |
           (u64{e.writable} << 35) | (u64{e.nx} << 36) | (u64{e.dirty} << 37);
}

void hashTlb(Hasher& h, const Tlb& tlb, unsigned slack) {
    // Entry ids, fill steps, origins and LRU ticks do not change what the CPU does. The LRU order
    // only matters where a set can fill up and evict: level-0 sets within `slack` fills of full,
    // and deeper sets only if a level-0 set can evict into them.
    const auto& arrays = tlb.arrays();
    auto atRisk = [&](const Tlb::Array& arr, unsigned set) {
        const unsigned ways = arr.config.ways;
        unsigned valid = 0;
        for (unsigned w = 0; w < ways; ++w) valid += arr.valid[set * ways + w];
        return valid + slack >= ways;
    };
    bool l1CanEvict = false;
    for (const auto& arr : arrays)
        if (arr.level == 0 && arr.validCount + slack >= arr.config.ways)
            for (unsigned s = 0; s < arr.sets && !l1CanEvict; ++s) l1CanEvict = atRisk(arr, s);
    for (std::size_t ai = 0; ai < arrays.size(); ++ai) {
        const auto& arr = arrays[ai];
        const unsigned ways = arr.config.ways;
        Hasher unordered;
        for (unsigned s = 0; s < arr.sets && arr.validCount > 0; ++s) {
            const bool ordered = (arr.level == 0 || l1CanEvict) && atRisk(arr, s);
            if (!ordered) {
                for (unsigned w = 0; w < ways; ++w) {
                    const unsigned i = s * ways + w;
                    if (!arr.valid[i]) continue;
                    Hasher e;
                    e.add(ai);
                    e.add(entryWord(arr.slots[i]));
                    e.add(arr.slots[i].pa);
                    unordered.addSum(e);
                }
                continue;
            }
            std::vector<const TlbEntry*> set;
            for (unsigned w = 0; w < ways; ++w)
                if (arr.valid[s * ways + w]) set.push_back(&arr.slots[s * ways + w]);
            std::sort(set.begin(), set.end(), [](const TlbEntry* x, const TlbEntry* y) { return x->lastUse < y->lastUse; });
            Hasher o;
            o.add(ai);
            o.add(s);
            for (const TlbEntry* e : set) {
                o.add(entryWord(*e));
                o.add(e->pa);
            }
            unordered.addSum(o);
        }
        h.add(unordered.a);
        h.add(unordered.b);
    }
}

}  // namespace

StateHash hashMachine(const Machine& m, unsigned lruSlack) {
    Hasher h;
    h.add(static_cast<u64>(m.cpuModel()));
    for (const Cpu& c : m.cpus()) {
        h.add(static_cast<u64>(c.state));
        h.add(c.regs.cr0);
        h.add(c.regs.cr3);
        h.add(c.regs.cr4);
        h.add(c.regs.efer);
        for (u64 p : c.regs.pdpte) h.add(p);
        h.add(static_cast<u64>(c.cpl));
        h.add(c.mcgStatus);
        h.add(c.mc0Status);
        h.add(static_cast<u64>(static_cast<std::int64_t>(c.currentTask)));
        h.add(static_cast<u64>(static_cast<std::int64_t>(c.activeMm)));
        h.add(static_cast<u64>(c.tlbState));
        h.add(c.callStack.size());
        for (const auto& f : c.callStack) h.add(f);
        h.add(c.waitingFor);
        hashTlb(h, c.tlb, lruSlack);
    }
    for (const Mm& mm : m.mms()) {
        h.add(mm.pgd);
        h.add(mm.cpumask);
    }
    for (const Task& t : m.tasks()) {
        h.add(t.name);
        h.add(static_cast<u64>(static_cast<std::int64_t>(t.mm)));
    }
    const KernelState& k = m.kernel();
    h.add(u64{k.booted} | (u64{k.lowMappings} << 1) | (u64{k.callinDone} << 2) | (u64{k.panicked} << 3) |
          (static_cast<u64>(k.variant) << 8));
    h.add(static_cast<u64>(static_cast<std::int64_t>(k.bootingCpu)));
    h.add(static_cast<u64>(static_cast<std::int64_t>(k.bootingBy)));
    Hasher mem;
    m.memory().forEachFrame([&](u64 pa, const Frame& f) {
        // Two cheap polynomial lanes over the frame (one multiply per word each), mixed at the end.
        u64 x = pa ^ 0x2545f4914f6cdd1dull, y = ~pa;
        for (const u64 word : f) {
            x = (x ^ word) * 0x100000001b3ull;
            y = (y + word) * 0xd6e8feb86659fd93ull + 1;
        }
        Hasher fh;
        fh.add(x);
        fh.add(y);
        mem.addSum(fh);
    });
    h.add(mem.a);
    h.add(mem.b);
    return StateHash{h.a, h.b};
}

// ---- footprints for the reduction ------------------------------------------------------------

namespace {

// Resources an operation reads or writes. Cpu k covers CPU k's registers, TLB, state, kernel
// view and its bit in every mm_cpumask (only CPU k's own paths and IPI/hotplug paths aimed at it
// touch those). Kernel covers the hotplug variables (low_mappings, booting CPU, callin) and the
// task/mm lists. MemPdpt: PDPT words (read by MOV CR3 and PDPTE reloads). MemLower: PDEs and PTEs
// (read by walks). Task bits: where user task t runs (bit 4 + t % 4; schedule checks that the
// task it switches to runs nowhere else).
constexpr u64 kKernel = 1, kMemPdpt = 2, kMemLower = 4, kTaskBits = 0xf0;
constexpr int kCpuShift = 8;
constexpr int kMaxExploreCpus = 64 - kCpuShift;
constexpr u64 kEverything = ~u64{0};

constexpr u64 cpuBit(int c) { return u64{1} << (c + kCpuShift); }

struct Footprint {
    u64 r = 0, w = 0;
    Footprint& operator|=(const Footprint& o) {
        r |= o.r;
        w |= o.w;
        return *this;
    }
};

bool conflict(const Footprint& a, const Footprint& b) { return (a.w & (b.r | b.w)) || (b.w & a.r); }

u64 taskBit(const Machine& m, int task) {
    if (task < 0 || static_cast<std::size_t>(task) >= m.tasks().size() || m.tasks()[static_cast<std::size_t>(task)].mm < 0)
        return 0;  // idle tasks belong to one CPU: nobody checks where they run
    return u64{1} << (4 + task % 4);
}

// The bit of the task an op names ("schedule bash"); every task bit if the name is unknown here.
u64 namedTaskBit(const Machine& m, const std::string& name) {
    if (name == "idle") return 0;
    for (std::size_t i = 0; i < m.tasks().size(); ++i)
        if (m.tasks()[i].name == name) return taskBit(m, static_cast<int>(i));
    return kTaskBits;
}

// `m` is the state the op runs in, or null for a bound valid in every state; `ref` names the
// tasks; `mayRun` holds the bits of every user task the op's CPU can be running (used when m is
// null: only the CPU's own schedule ops change what it runs).
Footprint opFootprint(const Op& op, const Machine* m, const Machine& ref, u64 mayRun, u64 allCpus) {
    const u64 self = op.cpu >= 0 ? cpuBit(op.cpu) : 0;
    switch (op.code) {
    case OpCode::Speculate: return {self | kMemLower, self};
    case OpCode::Access:
        // A read or fetch only sets A bits, which commute and which no behaviour depends on; a
        // write sets D, which a TLB fill records. A machine check ends the search there.
        return {self | kMemLower, self | (op.access == AccessType::Write ? kMemLower : 0)};
    case OpCode::Invlpg: case OpCode::EnterLazyTlb: return {self, self};
    case OpCode::Schedule: {
        const u64 next = namedTaskBit(ref, op.name);
        const u64 prev = m ? taskBit(*m, m->cpu(op.cpu).currentTask) : mayRun;
        return {self | kMemPdpt | next, self | next | prev};
    }
    case OpCode::SwitchMm: case OpCode::LeaveMm: case OpCode::KFlushTlb: case OpCode::KFlushTlbAll:
    case OpCode::Flush: case OpCode::FlushAll: case OpCode::Set: case OpCode::LoadCr3:
        return {self | kMemPdpt, self};
    case OpCode::FlushTlbAllIpi: return {allCpus | kMemPdpt, allCpus};
    case OpCode::DoBootCpu: {
        const u64 both = self | (op.target >= 0 ? cpuBit(op.target) : allCpus);
        return {both | kKernel | kMemPdpt, both | kKernel};
    }
    case OpCode::StartSecondary: case OpCode::SetCpuOnline: {
        u64 cpus = allCpus;
        if (m) {
            const int by = m->kernel().bootingBy;
            cpus = self | (by >= 0 ? cpuBit(by) : 0);
        }
        return {cpus | kKernel | kMemPdpt, cpus | kKernel};
    }
    case OpCode::NativeCpuUp: case OpCode::ZapLowMappings:
        return {allCpus | kKernel | kMemPdpt, allCpus | kKernel | kMemPdpt};
    case OpCode::CpuDown: return {allCpus | kKernel | kMemPdpt | kTaskBits, allCpus | kKernel};
    default: return {kEverything, kEverything};
    }
}

Footprint speculationFootprint(int cpu) { return {cpuBit(cpu) | kMemLower, cpuBit(cpu)}; }

struct PathRec {
    std::int64_t parent = -1;
    int cpu = -1;
    bool speculation = false;
    int index = -1;  // thread index or speculation address index
};

struct Node {
    Machine m;
    std::vector<int> pcs;
    std::int64_t rec = -1;
};

struct StateHashKey {
    std::size_t operator()(const StateHash& h) const { return static_cast<std::size_t>(h.lo ^ (h.hi * 31)); }
};

bool hasMachineCheck(const Machine& m, int& cpu) {
    for (const Cpu& c : m.cpus())
        if (c.mc0Status != 0) {
            cpu = c.id;
            return true;
        }
    return false;
}

Op speculateOp(int cpu, u32 va) {
    Op op;
    op.code = OpCode::Speculate;
    op.cpu = cpu;
    op.a = va;
    return op;
}

// Whether `speculate va` on this CPU would change anything (it only fills a missing translation).
bool speculationChanges(const Machine& m, int cpu, u32 va) {
    const Cpu& c = m.cpu(cpu);
    if (c.state == CpuState::Offline || c.state == CpuState::Halted) return false;
    if (!walk(m.memory(), c.regs, va).ok()) return false;
    return c.tlb.lookup(va).count == 0;
}

}  // namespace

ExploreResult explore(const ExploreProblem& problem, const ExploreOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    ExploreResult res;
    const int ncpu = static_cast<int>(problem.initial.cpus().size());
    if (ncpu > kMaxExploreCpus) throw OpError(SourceLoc{}, fmt::format("explore handles at most {} CPUs", kMaxExploreCpus));
    auto threadOf = [&](int c) -> const std::vector<Op>& {
        static const std::vector<Op> none;
        return static_cast<std::size_t>(c) < problem.threads.size() ? problem.threads[static_cast<std::size_t>(c)] : none;
    };
    auto specOf = [&](int c) -> const std::vector<u32>& {
        static const std::vector<u32> none;
        return static_cast<std::size_t>(c) < problem.speculation.size() ? problem.speculation[static_cast<std::size_t>(c)]
                                                                         : none;
    };
    for (int c = 0; c < static_cast<int>(problem.threads.size()); ++c)
        if (!threadOf(c).empty() && c >= ncpu)
            throw OpError(threadOf(c).front().loc, fmt::format("a thread for cpu{}, but the machine has {} CPUs", c, ncpu));

    // Upper bound of TLB fills before any set could evict (see hashTlb).
    u64 totalOps = 0, totalSpec = 0;
    for (int c = 0; c < ncpu; ++c) {
        totalOps += threadOf(c).size();
        totalSpec += specOf(c).size();
    }
    const unsigned slack = static_cast<unsigned>(std::min<u64>(1u << 20, 3 * totalOps + totalSpec * (totalOps + 1)));

    u64 allCpus = 0;
    for (int c = 0; c < ncpu; ++c) allCpus |= cpuBit(c);
    // The user tasks each CPU can be running: its task now and those its thread schedules.
    std::vector<u64> mayRun(static_cast<std::size_t>(ncpu), 0);
    for (int c = 0; c < ncpu; ++c) {
        u64& bits = mayRun[static_cast<std::size_t>(c)];
        bits = taskBit(problem.initial, problem.initial.cpu(c).currentTask);
        for (const Op& op : threadOf(c))
            if (op.code == OpCode::Schedule) bits |= namedTaskBit(problem.initial, op.name);
    }
    // future[c][pc]: what cpu c can still touch from pc on, speculation included.
    std::vector<std::vector<Footprint>> future(static_cast<std::size_t>(ncpu));
    for (int c = 0; c < ncpu; ++c) {
        const auto& th = threadOf(c);
        auto& f = future[static_cast<std::size_t>(c)];
        f.resize(th.size() + 1);
        if (!specOf(c).empty()) f[th.size()] = speculationFootprint(c);
        for (std::size_t i = th.size(); i-- > 0;) {
            f[i] = f[i + 1];
            f[i] |= opFootprint(th[i], nullptr, problem.initial, mayRun[static_cast<std::size_t>(c)], allCpus);
        }
    }

    Machine start = problem.initial;
    {
        Op off;  // the explorer's speculation choices replace the machine's random policy
        off.code = OpCode::Speculation;
        start.execute(off, nullptr);
    }
    std::vector<PathRec> recs;
    std::unordered_map<StateHash, int, StateHashKey> visited;  // state -> BFS level it was first reached at
    auto keyOf = [&](const Machine& m, const std::vector<int>& pcs) {
        StateHash h = hashMachine(m, slack);
        for (int pc : pcs) {
            h.lo = mix64(h.lo ^ static_cast<u64>(pc));
            h.hi = mix64(h.hi + static_cast<u64>(pc) * 0x9e3779b97f4a7c15ull);
        }
        return h;
    };
    auto finish = [&]() {
        res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        return res;
    };
    auto buildSchedule = [&](std::int64_t rec) {
        std::vector<ScheduleStep> s;
        for (std::int64_t r = rec; r >= 0; r = recs[static_cast<std::size_t>(r)].parent) {
            const PathRec& p = recs[static_cast<std::size_t>(r)];
            ScheduleStep st;
            st.cpu = p.cpu;
            st.speculation = p.speculation;
            if (p.speculation) {
                st.op = speculateOp(p.cpu, specOf(p.cpu)[static_cast<std::size_t>(p.index)]);
            } else {
                st.threadIndex = p.index;
                st.op = threadOf(p.cpu)[static_cast<std::size_t>(p.index)];
            }
            s.push_back(std::move(st));
        }
        std::reverse(s.begin(), s.end());
        return s;
    };

    std::vector<Node> frontier;
    frontier.push_back(Node{start, std::vector<int>(static_cast<std::size_t>(ncpu), 0), -1});
    visited.emplace(keyOf(start, frontier.front().pcs), 0);
    res.states = 1;
    if (int mc = -1; hasMachineCheck(start, mc)) {
        res.found = true;
        res.machineCheckCpu = mc;
        res.complete = true;
        return finish();
    }

    struct Succ {
        Machine m;
        std::vector<int> pcs;
        StateHash key;
        PathRec rec;
    };
    // Runs one transition from `n`; false if it is not enabled (the op throws) or changes nothing.
    auto step = [&](const Node& n, int cpu, bool spec, int index, Succ& out) {
        const Op op = spec ? speculateOp(cpu, specOf(cpu)[static_cast<std::size_t>(index)])
                           : threadOf(cpu)[static_cast<std::size_t>(index)];
        if (spec && !speculationChanges(n.m, cpu, static_cast<u32>(op.a))) return false;
        out.m = n.m;
        try {
            out.m.execute(op, nullptr);
        } catch (const OpError&) {
            return false;
        }
        ++res.transitions;
        out.pcs = n.pcs;
        if (!spec) out.pcs[static_cast<std::size_t>(cpu)]++;
        out.key = keyOf(out.m, out.pcs);
        out.rec = PathRec{n.rec, cpu, spec, index};
        return true;
    };

    Succ scratch;
    int depth = 0;
    bool cut = false;
    u64 sinceProgress = 0;
    while (!frontier.empty()) {
        if (depth >= options.maxDepth) {
            cut = true;
            break;
        }
        std::vector<Node> next;
        for (const Node& n : frontier) {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
                res.cancelled = true;
                res.depth = depth;
                return finish();
            }
            if (options.progress && ++sinceProgress >= 256) {
                sinceProgress = 0;
                options.progress(ExploreProgress{res.states, res.transitions, depth,
                                                 std::chrono::duration<double>(Clock::now() - t0).count()});
            }
            std::vector<Succ> succs;
            // `scratch` keeps its buffers across attempts that are not enabled (no reallocation).
            auto addProcess = [&](int c) {
                const int pc = n.pcs[static_cast<std::size_t>(c)];
                if (pc < static_cast<int>(threadOf(c).size()) && step(n, c, false, pc, scratch))
                    succs.push_back(std::move(scratch));
                for (int k = 0; k < static_cast<int>(specOf(c).size()); ++k)
                    if (step(n, c, true, k, scratch)) succs.push_back(std::move(scratch));
            };
            // Persistent set: one CPU whose next op is enabled and whose steps (that op and its
            // speculations) touch nothing any other CPU can still touch.
            bool reduced = false;
            if (options.reduction) {
                for (int c = 0; c < ncpu && !reduced; ++c) {
                    const int pc = n.pcs[static_cast<std::size_t>(c)];
                    if (pc >= static_cast<int>(threadOf(c).size())) continue;
                    Footprint mine =
                        opFootprint(threadOf(c)[static_cast<std::size_t>(pc)], &n.m, problem.initial, 0, allCpus);
                    if (!specOf(c).empty()) mine |= speculationFootprint(c);
                    bool independent = true;
                    for (int o = 0; o < ncpu && independent; ++o)
                        if (o != c)
                            independent = !conflict(
                                mine, future[static_cast<std::size_t>(o)][static_cast<std::size_t>(n.pcs[static_cast<std::size_t>(o)])]);
                    if (!independent) continue;
                    if (!step(n, c, false, pc, scratch)) continue;  // not enabled: not a persistent set
                    succs.push_back(std::move(scratch));
                    for (int k = 0; k < static_cast<int>(specOf(c).size()); ++k)
                        if (step(n, c, true, k, scratch)) succs.push_back(std::move(scratch));
                    // Cycle proviso (breadth-first form): fall back to full expansion if a
                    // successor is a state of this level or an earlier one, which could close a
                    // cycle; a state already queued for the next level cannot.
                    bool allNew = std::all_of(succs.begin(), succs.end(), [&](const Succ& x) {
                        auto it = visited.find(x.key);
                        return it == visited.end() || it->second > depth;
                    });
                    if (allNew) {
                        reduced = true;
                        res.reducedStates++;
                    } else {
                        succs.clear();
                    }
                }
            }
            if (!reduced)
                for (int c = 0; c < ncpu; ++c) addProcess(c);

            if (succs.empty()) {
                res.endStates++;
                for (int c = 0; c < ncpu; ++c)
                    if (n.pcs[static_cast<std::size_t>(c)] < static_cast<int>(threadOf(c).size())) {
                        res.blockedEnds++;
                        break;
                    }
                continue;
            }
            for (Succ& s : succs) {
                if (!visited.emplace(s.key, depth + 1).second) {
                    scratch = std::move(s);  // recycle its buffers
                    continue;
                }
                res.states++;
                recs.push_back(s.rec);
                const auto recIndex = static_cast<std::int64_t>(recs.size() - 1);
                if (int mc = -1; hasMachineCheck(s.m, mc)) {
                    res.found = true;
                    res.machineCheckCpu = mc;
                    res.schedule = buildSchedule(recIndex);
                    res.depth = depth + 1;
                    return finish();
                }
                next.push_back(Node{std::move(s.m), std::move(s.pcs), recIndex});
            }
        }
        frontier = std::move(next);
        if (!frontier.empty()) ++depth;
    }
    res.depth = depth;
    res.complete = !cut;
    return finish();
}

Machine replaySchedule(const ExploreProblem& problem, const std::vector<ScheduleStep>& schedule) {
    Machine m = problem.initial;
    Op off;
    off.code = OpCode::Speculation;
    m.execute(off, nullptr);
    for (const auto& s : schedule) m.execute(s.op, nullptr);
    return m;
}

}  // namespace tlblab

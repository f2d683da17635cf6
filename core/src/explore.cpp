// SPDX-License-Identifier: GPL-3.0-or-later
// The interleaving explorer (issue 6): breadth-first search over every schedule of per-CPU
// threads plus nondeterministic speculation, with a visited set of state hashes and a
// persistent-set reduction. See explore.hpp for the model.
#include "tlblab/explore.hpp"

#include "kernel_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>
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
                    e.add(entryWord(arr.entries[i]));
                    e.add(arr.entries[i].pa);
                    unordered.addSum(e);
                }
                continue;
            }
            std::vector<const TlbEntry*> set;
            for (unsigned w = 0; w < ways; ++w)
                if (arr.valid[s * ways + w]) set.push_back(&arr.entries[s * ways + w]);
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
        for (u64 w : c.callStack.stateWords()) h.add(w);
        h.add(c.waitingFor.stateWord() | (c.steps.stateWord() << 32));
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
    for (u64 w : k.stateWords()) h.add(w);
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

// A step of a fine-grained kernel path (or an op that starts one): IPIs, hotplug, page tables.
Footprint kernelPathFootprint(u64 allCpus) { return {allCpus | kKernel | kMemPdpt, allCpus | kKernel | kMemPdpt}; }
// Handling a flush IPI on `cpu`: its registers and TLB (leave_mm reads the PDPT), the ack.
Footprint ipiFootprint(int cpu) { return {cpuBit(cpu) | kKernel | kMemPdpt, cpuBit(cpu) | kKernel}; }

bool startsKernelPath(OpCode c) {
    switch (c) {
    case OpCode::NativeCpuUp: case OpCode::DoBootCpu: case OpCode::FlushTlbAllIpi: case OpCode::ZapLowMappings:
    case OpCode::StartSecondary: case OpCode::SetCpuOnline:
        return true;
    default: return false;
    }
}

// `m` is the state the op runs in, or null for a bound valid in every state; `ref` names the
// tasks; `mayRun` holds the bits of every user task the op's CPU can be running (used when m is
// null: only the CPU's own schedule ops change what it runs).
Footprint opFootprint(const Op& op, const Machine* m, const Machine& ref, u64 mayRun, u64 allCpus) {
    // The op table's reach column (opReach) says what the op touches; this turns it into state bits.
    const u64 self = op.cpu >= 0 ? cpuBit(op.cpu) : 0;
    switch (opReach(op.code)) {
    case OpReach::Speculate: return {self | kMemLower, self};
    case OpReach::Access:
        // A read or fetch only sets A bits, which commute and which no behaviour depends on; a
        // write sets D, which a TLB fill records. A machine check ends the search there.
        return {self | kMemLower, self | (op.access == AccessType::Write ? kMemLower : 0)};
    case OpReach::OwnCpu: return {self, self};
    case OpReach::Schedule: {
        const u64 next = namedTaskBit(ref, op.name);
        const u64 prev = m ? taskBit(*m, m->cpu(op.cpu).currentTask) : mayRun;
        return {self | kMemPdpt | next, self | next | prev};
    }
    case OpReach::OwnCpuPdpt: return {self | kMemPdpt, self};
    case OpReach::AllCpus: return {allCpus | kMemPdpt, allCpus};
    case OpReach::BootPair: {
        const u64 both = self | (op.target >= 0 ? cpuBit(op.target) : allCpus);
        return {both | kKernel | kMemPdpt, both | kKernel};
    }
    case OpReach::BootingPair: {
        u64 cpus = allCpus;
        if (m) {
            const int by = m->kernel().bootingBy;
            cpus = self | (by >= 0 ? cpuBit(by) : 0);
        }
        return {cpus | kKernel | kMemPdpt, cpus | kKernel};
    }
    case OpReach::AllKernel: return {allCpus | kKernel | kMemPdpt, allCpus | kKernel | kMemPdpt};
    case OpReach::CpuDown: return {allCpus | kKernel | kMemPdpt | kTaskBits, allCpus | kKernel};
    case OpReach::Everything: break;
    }
    return {kEverything, kEverything};
}

Footprint speculationFootprint(int cpu) { return {cpuBit(cpu) | kMemLower, cpuBit(cpu)}; }

bool hasMachineCheck(const Machine& m, int& cpu) {
    for (const Cpu& c : m.cpus())
        if (c.mc0Status != 0) {
            cpu = c.id;
            return true;
        }
    return false;
}

Op kernelStepOp(int cpu) {
    Op op;
    op.code = OpCode::KernelStep;
    op.cpu = cpu;
    return op;
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

// ---- compact search state ---------------------------------------------------------------------
//
// The search keeps no machine per state. Every reached state is a 64-bit fingerprint in an
// open-addressing set and an 8-byte record (parent record, CPU, transition); the frontier is a
// list of record numbers. A worker re-materialises a frontier state by replaying its path from
// the initial machine, reusing the machines of the path it replayed last (frontier states come
// in path order, so consecutive states share most of their path).

struct Rec {
    u32 parent = 0;
    std::uint16_t cpu = 0;
    std::uint16_t code = 0;  // bit 15: speculation; the rest: thread index or speculation index
};
constexpr std::uint16_t kSpecBit = 0x8000;
constexpr std::uint16_t kStepCode = 0x7fff;  // a kernel_step (fine-grained mode), not a thread op
constexpr u32 kNoParent = ~u32{0};

class FingerprintSet {
public:
    explicit FingerprintSet(std::size_t slots = 1024) : m_slots(slots, 0), m_mask(slots - 1) {}
    bool contains(u64 fp) const {
        fp = fp ? fp : 1;
        for (std::size_t i = static_cast<std::size_t>(fp) & m_mask;; i = (i + 1) & m_mask) {
            if (m_slots[i] == fp) return true;
            if (m_slots[i] == 0) return false;
        }
    }
    // Inserts; false if it was there. Call needsGrow() first.
    bool insert(u64 fp) {
        fp = fp ? fp : 1;
        for (std::size_t i = static_cast<std::size_t>(fp) & m_mask;; i = (i + 1) & m_mask) {
            if (m_slots[i] == fp) return false;
            if (m_slots[i] == 0) {
                m_slots[i] = fp;
                ++m_count;
                return true;
            }
        }
    }
    bool needsGrow() const { return (m_count + 1) * 2 > m_slots.size(); }  // load factor at most 1/2
    std::size_t bytes() const { return m_slots.size() * sizeof(u64); }
    std::size_t grownBytes() const { return 2 * bytes(); }
    void grow() {
        std::vector<u64> old(m_slots.size() * 2, 0);
        old.swap(m_slots);
        m_mask = m_slots.size() - 1;
        m_count = 0;
        for (u64 v : old)
            if (v) insert(v);
    }
    template <typename F>
    void forEach(F&& f) const {
        for (u64 v : m_slots)
            if (v) f(v);
    }
    std::size_t size() const { return m_count; }

private:
    std::vector<u64> m_slots;
    std::size_t m_mask;
    std::size_t m_count = 0;
};

// One permutation of interchangeable CPUs, with what it does to tasks, mms and frames.
struct Perm {
    std::vector<int> cpuAt;   // position j of the permuted state holds CPU cpuAt[j]
    std::vector<int> cpuTo;   // CPU i goes to position cpuTo[i]
    std::vector<int> taskAt, taskTo, mmAt, mmTo;
    // Frame number -> frame number, only frames that move: the tasks' page tables, and the 4K
    // pages their page tables map (kept apart: the kernel's 2M linear map covers those pages too).
    std::unordered_map<u64, u64> frames, data;
    std::unordered_map<u64, bool> pageTables;  // frames (numbers) of the moving tasks' page tables: PTEs inside
    bool identity = true;
    // The maps above as sorted vectors (flatten()), for the lookups of every fingerprint.
    std::vector<std::pair<u64, u64>> frameMoves, dataMoves;
    std::vector<u64> pageTableFrames;
    void flatten() {
        frameMoves.assign(frames.begin(), frames.end());
        std::sort(frameMoves.begin(), frameMoves.end());
        dataMoves.assign(data.begin(), data.end());
        std::sort(dataMoves.begin(), dataMoves.end());
        pageTableFrames.clear();
        for (const auto& [f, isTable] : pageTables)
            if (isTable) pageTableFrames.push_back(f);
        std::sort(pageTableFrames.begin(), pageTableFrames.end());
    }
    static u64 move(const std::vector<std::pair<u64, u64>>& map, u64 a) {
        if (map.empty()) return a;
        const u64 frame = a >> 12;
        auto it = std::lower_bound(map.begin(), map.end(), frame,
                                   [](const std::pair<u64, u64>& x, u64 f) { return x.first < f; });
        return it == map.end() || it->first != frame ? a : (it->second << 12) | (a & 0xfff);
    }
    u64 pa(u64 a) const { return identity ? a : move(frameMoves, a); }
    u64 page(u64 a) const { return identity ? a : move(dataMoves, a); }  // a 4K page a PTE or 4K TLB entry maps
    u64 entry(u64 w) const {
        if (identity || !(w & pae::P)) return w;
        return (w & ~pae::kFrame4K) | pa(w & pae::kFrame4K);
    }
    u64 pte(u64 w) const {
        if (identity || !(w & pae::P)) return w;
        return (w & ~pae::kFrame4K) | page(w & pae::kFrame4K);
    }
    // A word of the frame at `framePa`, moved.
    u64 word(u64 framePa, u64 w) const {
        if (identity) return w;
        return std::binary_search(pageTableFrames.begin(), pageTableFrames.end(), framePa >> 12) ? pte(w) : entry(w);
    }
    u64 tlbPa(const TlbEntry& e) const { return e.size == PageSize::K4 ? page(e.pa) : e.pa; }
    int cpu(int c) const { return identity || c < 0 ? c : cpuTo[static_cast<std::size_t>(c)]; }
    int task(int t) const { return identity || t < 0 ? t : taskTo[static_cast<std::size_t>(t)]; }
    int mm(int x) const { return identity || x < 0 ? x : mmTo[static_cast<std::size_t>(x)]; }
    u64 mask(u64 bits) const {
        if (identity) return bits;
        u64 out = 0;
        for (std::size_t c = 0; c < cpuTo.size() && c < 64; ++c)
            if (bits & (u64{1} << c)) out |= u64{1} << cpuTo[c];
        return out | (bits & ~((cpuTo.size() >= 64) ? ~u64{0} : ((u64{1} << cpuTo.size()) - 1)));
    }
};

struct Fp {
    u64 h = 0x243f6a8885a308d3ull;
    void add(u64 w) { h = mix64(h ^ w) + 0x9e3779b97f4a7c15ull; }
    void add(const std::string& s) {
        u64 x = 0xcbf29ce484222325ull ^ s.size();
        for (unsigned char ch : s) x = (x ^ ch) * 0x100000001b3ull;
        add(x);
    }
};

u64 memWord(u64 addr, u64 w) { return w ? mix64(mix64(addr * 0x9e3779b97f4a7c15ull) ^ w) : 0; }

// Everything the fingerprint needs from the initial machine: its frames, and their sum.
struct FingerprintContext {
    unsigned slack = 0;
    std::vector<unsigned> riskWays;  // [array] ways of that array in the whole TLB
    std::vector<std::pair<u64, const Frame*>> initialFrames;  // (frame address, contents) of the initial machine, sorted
    u64 initialMemory = 0;
    std::size_t initialTasks = 0;

    void init(const Machine& start, unsigned lruSlack) {
        slack = lruSlack;
        initialTasks = start.tasks().size();
        start.memory().forEachFrame([&](u64 pa, const Frame& f) {
            initialFrames.emplace_back(pa, &f);
            initialMemory += frameSum(pa, f, Perm{});
        });
        std::sort(initialFrames.begin(), initialFrames.end());
    }
    static u64 frameSum(u64 pa, const Frame& f, const Perm& p) {
        u64 sum = 0;
        const u64 base = p.pa(pa);
        for (std::size_t i = 0; i < f.size(); ++i)
            if (f[i]) sum += memWord(base + i * 8, p.word(pa, f[i]));
        return sum;
    }

    void tlb(Fp& h, const Tlb& tlb, const Perm& p) const {
        const auto& arrays = tlb.arrays();
        auto setValid = [](const Tlb::Array& arr, unsigned set) {
            unsigned valid = 0;
            for (unsigned w = 0; w < arr.config.ways; ++w) valid += arr.valid[set * arr.config.ways + w];
            return valid;
        };
        auto risk = [&](std::size_t ai) { return ai < riskWays.size() ? riskWays[ai] : arrays[ai].config.ways; };
        bool l1CanEvict = false;
        for (std::size_t ai = 0; ai < arrays.size(); ++ai) {
            const auto& arr = arrays[ai];
            if (arr.level == 0 && arr.validCount + slack >= risk(ai))
                for (unsigned s = 0; s < arr.sets && !l1CanEvict; ++s) l1CanEvict = setValid(arr, s) + slack >= risk(ai);
        }
        std::array<const TlbEntry*, 64> small{};
        std::vector<const TlbEntry*> big;
        for (std::size_t ai = 0; ai < arrays.size(); ++ai) {
            const auto& arr = arrays[ai];
            if (arr.validCount == 0) continue;
            const unsigned ways = arr.config.ways;
            u64 unordered = 0;
            for (unsigned s = 0; s < arr.sets; ++s) {
                const bool ordered = (arr.level == 0 || l1CanEvict) && setValid(arr, s) + slack >= risk(ai);
                if (!ordered) {
                    for (unsigned w = 0; w < ways; ++w) {
                        const unsigned i = s * ways + w;
                        if (arr.valid[i]) unordered += mix64(mix64(entryWord(arr.entries[i]) ^ (ai << 40)) ^ p.tlbPa(arr.entries[i]));
                    }
                    continue;
                }
                const TlbEntry** set = small.data();
                if (ways > small.size()) {
                    big.resize(ways);
                    set = big.data();
                }
                unsigned n = 0;
                for (unsigned w = 0; w < ways; ++w)
                    if (arr.valid[s * ways + w]) set[n++] = &arr.entries[s * ways + w];
                std::sort(set, set + n, [](const TlbEntry* x, const TlbEntry* y) { return x->lastUse < y->lastUse; });
                Fp o;
                o.add(ai);
                o.add(s);
                for (unsigned k = 0; k < n; ++k) {
                    o.add(entryWord(*set[k]));
                    o.add(p.tlbPa(*set[k]));
                }
                unordered += mix64(o.h);
            }
            h.add(ai);
            h.add(unordered);
        }
    }

    u64 memory(const PhysMemory& mem, const Perm& p) const { return memoryFrom(mem, p, initialMemory, initialFrames); }

    // The memory sum of `mem`, a copy of `base` (sum `baseSum`) after its last `writes` writes
    // (at most PhysMemory::kWriteLogSize, none of them creating a frame).
    static u64 memoryAfterWrites(const PhysMemory& base, const PhysMemory& mem, const Perm& p, u64 baseSum, u64 writes) {
        u64 sum = baseSum;
        for (std::size_t i = 0; i < writes; ++i) {
            const u64 a = mem.recentWrite(i) & ~u64{7};
            bool seen = false;
            for (std::size_t j = 0; j < i && !seen; ++j) seen = (mem.recentWrite(j) & ~u64{7}) == a;
            if (seen) continue;
            const u64 frame = a & ~u64{0xfff}, at = p.pa(frame) + (a & 0xfff);
            sum += memWord(at, p.word(frame, mem.read64(a))) - memWord(at, p.word(frame, base.read64(a)));
        }
        return sum;
    }

    // The memory sum of `mem` from that of the memory it was copied from (sum `baseSum`, frames
    // `baseFrames`, sorted by address): only frames no longer shared with it can differ.
    u64 memoryFrom(const PhysMemory& mem, const Perm& p, u64 baseSum,
                   const std::vector<std::pair<u64, const Frame*>>& baseFrames) const {
        u64 sum = baseSum;
        mem.forEachFrame([&](u64 pa, const Frame& f) {
            auto it = std::lower_bound(baseFrames.begin(), baseFrames.end(), pa,
                                       [](const std::pair<u64, const Frame*>& x, u64 a) { return x.first < a; });
            if (it == baseFrames.end() || it->first != pa) {
                sum += frameSum(pa, f, p);
                return;
            }
            if (it->second == &f) return;
            const Frame& f0 = *it->second;
            const u64 base = p.pa(pa);
            for (std::size_t b = 0; b < f.size(); b += 8) {
                u64 diff = 0;
                for (std::size_t i = b; i < b + 8; ++i) diff |= f[i] ^ f0[i];
                if (!diff) continue;
                for (std::size_t i = b; i < b + 8; ++i)
                    if (f[i] != f0[i])
                        sum += memWord(base + i * 8, p.word(pa, f[i])) - memWord(base + i * 8, p.word(pa, f0[i]));
            }
        });
        return sum;
    }

    // The fingerprint is a mix of three parts: each CPU's (under the permutation, at the position
    // it moves to), the machine-wide rest (mms, tasks, kernel state) and the memory sum. The parts
    // are kept apart so that a successor recomputes only those its operation can change.
    u64 cpuPart(const Cpu& c, int pc, const Perm& p) const {
        Fp h;
        h.add(static_cast<u64>(pc) | (static_cast<u64>(c.state) << 32) | (static_cast<u64>(c.cpl) << 40) |
              (static_cast<u64>(c.tlbState) << 48));
        h.add(c.regs.cr0);
        h.add(p.pa(c.regs.cr3));
        h.add(c.regs.cr4 | (static_cast<u64>(c.regs.efer) << 32));
        for (u64 e : c.regs.pdpte) h.add(p.entry(e));
        h.add(c.mcgStatus);
        h.add(c.mc0Status);
        h.add(static_cast<u64>(static_cast<std::uint32_t>(p.task(c.currentTask))) |
              (static_cast<u64>(static_cast<std::uint32_t>(p.mm(c.activeMm))) << 32));
        const std::array<u64, 2> stack = c.callStack.stateWords();
        h.add(stack[0]);
        h.add(stack[1]);
        KernelWait wait = c.waitingFor;
        wait.cpu = p.cpu(wait.cpu);
        h.add(wait.stateWord() | (c.steps.stateWord() << 32));
        tlb(h, c.tlb, p);
        return h.h;
    }
    // The part of CPU `src` at its place under `p`.
    static u64 placed(u64 part, std::size_t position) { return mix64(part ^ (position * 0x9e3779b97f4a7c15ull + 1)); }
    u64 restPart(const Machine& m, const Perm& p) const {
        Fp h;
        h.add(static_cast<u64>(m.cpuModel()));
        const auto& mms = m.mms();
        h.add(mms.size());
        for (std::size_t j = 0; j < mms.size(); ++j) {
            const Mm& mm = mms[p.identity ? j : static_cast<std::size_t>(p.mmAt[j])];
            h.add(p.pa(mm.pgd));
            h.add(p.mask(mm.cpumask));
        }
        const auto& tasks = m.tasks();
        h.add(tasks.size());
        for (std::size_t j = 0; j < tasks.size(); ++j) {
            const Task& t = tasks[p.identity ? j : static_cast<std::size_t>(p.taskAt[j])];
            // Names label positions (a permutation moves roles, not names); those of the initial
            // machine are the same in every state.
            if (j >= initialTasks) h.add(tasks[j].name);
            h.add(static_cast<u64>(static_cast<std::int64_t>(p.mm(t.mm))));
        }
        const KernelState& k = m.kernel();
        KernelState moved;  // the fields stateWords() reads, with the CPUs moved
        moved.booted = k.booted;
        moved.variant = k.variant;
        moved.lowMappings = k.lowMappings;
        moved.callinDone = k.callinDone;
        moved.panicked = k.panicked;
        moved.fineSteps = k.fineSteps;
        moved.bootingCpu = p.cpu(k.bootingCpu);
        moved.bootingBy = p.cpu(k.bootingBy);
        moved.flushBy = p.cpu(k.flushBy);
        for (u64 w : moved.stateWords()) h.add(w);
        h.add(m.memory().frameCount());
        return h.h;
    }
    static u64 combine(u64 cpuSum, u64 rest, u64 memorySum) {
        Fp h;
        h.add(cpuSum);
        h.add(rest);
        h.add(memorySum);
        return mix64(h.h);
    }
    u64 cpuSum(const Machine& m, const std::vector<int>& pcs, const Perm& p) const {
        u64 sum = 0;
        for (std::size_t i = 0; i < m.cpus().size(); ++i)
            sum += placed(cpuPart(m.cpus()[i], pcs[i], p), static_cast<std::size_t>(p.cpu(static_cast<int>(i))));
        return sum;
    }
    u64 fingerprint(const Machine& m, const std::vector<int>& pcs, const Perm& p) const {
        return combine(cpuSum(m, pcs, p), restPart(m, p), memory(m.memory(), p));
    }
};

// Classes of interchangeable CPUs: user-side threads (schedule, access, lazy TLB, invlpg) that
// are equal up to the name of the one user task they schedule, equal speculation lists, and a
// permutation that maps the initial machine to itself (checked on the fingerprint and the memory
// image). perms() returns every permutation of the classes (identity first), at most `maxPerms`.
class SymmetryFinder {
public:
    SymmetryFinder(const ExploreProblem& problem, const Machine& start, const FingerprintContext& ctx)
        : m_problem(problem), m_start(start), m_ctx(ctx), m_ncpu(static_cast<int>(start.cpus().size())),
          m_own(static_cast<std::size_t>(m_ncpu), -1) {}
    std::vector<Perm> perms(int& classesOut, std::size_t maxPerms);

private:
    struct Walked {
        std::vector<u64> tables, pages, pts;  // frame numbers in walk order (0: absent)
    };
    const std::vector<Op>* thread(int c) const {
        return static_cast<std::size_t>(c) < m_problem.threads.size() ? &m_problem.threads[static_cast<std::size_t>(c)] : nullptr;
    }
    std::string signature(int c, std::vector<int>& scheduledBy, bool& shared);
    std::vector<std::vector<int>> classes(const std::vector<std::string>& sig) const;
    int idleOf(int c) const;
    Walked walkTables(u64 pgd) const;
    bool makePerm(const std::vector<int>& cls, const std::vector<int>& order, Perm& p) const;
    Perm identityPerm() const;
    bool valid(Perm& p, u64 fp0) const;
    bool classPerms(const std::vector<int>& cls, u64 fp0, std::vector<Perm>& out) const;
    std::vector<Perm> compose(const std::vector<Perm>& before, const std::vector<Perm>& mine) const;

    const ExploreProblem& m_problem;
    const Machine& m_start;
    const FingerprintContext& m_ctx;
    const int m_ncpu;
    std::vector<int> m_own;  // [cpu] the one user task its thread schedules
};

void finishPerm(Perm& p) {
    auto inverse = [](const std::vector<int>& to) {
        std::vector<int> at(to.size());
        for (std::size_t i = 0; i < to.size(); ++i) at[static_cast<std::size_t>(to[i])] = static_cast<int>(i);
        return at;
    };
    p.cpuAt = inverse(p.cpuTo);
    p.taskAt = inverse(p.taskTo);
    p.mmAt = inverse(p.mmTo);
    p.flatten();
}

bool isPermutation(const std::vector<int>& to) {
    std::vector<bool> seen(to.size(), false);
    for (int x : to) {
        if (x < 0 || static_cast<std::size_t>(x) >= to.size() || seen[static_cast<std::size_t>(x)]) return false;
        seen[static_cast<std::size_t>(x)] = true;
    }
    return true;
}

// The thread of CPU `c` with its own task's name left out, and its speculation list; empty if
// the thread is not a user-side one scheduling one user task. Notes the task in m_own.
std::string SymmetryFinder::signature(int c, std::vector<int>& scheduledBy, bool& shared) {
    const auto* th = thread(c);
    if (!th || th->empty()) return {};
    const auto& tasks = m_start.tasks();
    int& own = m_own[static_cast<std::size_t>(c)];
    std::string s;
    bool ok = true;
    for (Op op : *th) {
        if (op.code == OpCode::Schedule && op.name != "idle") {
            int t = -1;
            for (std::size_t i = 0; i < tasks.size(); ++i)
                if (tasks[i].name == op.name) t = static_cast<int>(i);
            if (t < 0 || tasks[static_cast<std::size_t>(t)].mm < 0 || (own >= 0 && own != t)) {
                ok = false;
            } else {
                own = t;
                int& by = scheduledBy[static_cast<std::size_t>(t)];
                if (by >= 0 && by != c) shared = true;
                by = c;
            }
            op.name = "<own>";
        } else if (op.code != OpCode::Access && op.code != OpCode::Schedule && op.code != OpCode::EnterLazyTlb &&
                   op.code != OpCode::Invlpg) {
            ok = false;
        }
        op.cpu = 0;
        s += formatOp(op) + "\n";
    }
    if (static_cast<std::size_t>(c) < m_problem.speculation.size())
        for (u32 va : m_problem.speculation[static_cast<std::size_t>(c)]) s += fmt::format("spec {:x}\n", va);
    return ok && own >= 0 ? s : std::string{};
}

// CPUs with the same non-empty signature, classes of two or more.
std::vector<std::vector<int>> SymmetryFinder::classes(const std::vector<std::string>& sig) const {
    std::vector<std::vector<int>> out;
    std::vector<bool> used(static_cast<std::size_t>(m_ncpu), false);
    for (int c = 0; c < m_ncpu; ++c) {
        if (sig[static_cast<std::size_t>(c)].empty() || used[static_cast<std::size_t>(c)]) continue;
        std::vector<int> cls{c};
        for (int d = c + 1; d < m_ncpu; ++d)
            if (!used[static_cast<std::size_t>(d)] && sig[static_cast<std::size_t>(d)] == sig[static_cast<std::size_t>(c)]) {
                cls.push_back(d);
                used[static_cast<std::size_t>(d)] = true;
            }
        if (cls.size() > 1) out.push_back(cls);
    }
    return out;
}

int SymmetryFinder::idleOf(int c) const {
    const auto& tasks = m_start.tasks();
    for (std::size_t i = 0; i < tasks.size(); ++i)
        if (tasks[i].mm < 0 && tasks[i].cpu == c) return static_cast<int>(i);
    return -1;
}

// The frames of the page tables under `pgd` and of the 4K pages they map, in walk order.
SymmetryFinder::Walked SymmetryFinder::walkTables(u64 pgd) const {
    Walked w;
    w.tables.push_back(pgd >> 12);
    const PhysMemory& mem = m_start.memory();
    for (unsigned i = 0; i < 4; ++i) {
        const u64 e = mem.read64(pae::entryAddress(pgd, i));
        if (!(e & pae::P)) {
            w.tables.push_back(0);
            continue;
        }
        const u64 pd = e & pae::kFrame4K;
        w.tables.push_back(pd >> 12);
        for (unsigned j = 0; j < 512; ++j) {
            const u64 pde = mem.read64(pae::entryAddress(pd, j));
            if (!(pde & pae::P) || (pde & pae::PS)) continue;
            const u64 pt = pde & pae::kFrame4K;
            w.tables.push_back(pt >> 12);
            w.pts.push_back(pt >> 12);
            for (unsigned k = 0; k < 512; ++k) {
                const u64 pte = mem.read64(pae::entryAddress(pt, k));
                if (pte & pae::P) w.pages.push_back((pte & pae::kFrame4K) >> 12);
            }
        }
    }
    return w;
}

// The permutation that sends cls[i] to cls[order[i]], with its tasks, mms and frames.
bool SymmetryFinder::makePerm(const std::vector<int>& cls, const std::vector<int>& order, Perm& p) const {
    const auto& tasks = m_start.tasks();
    auto pair = [](const std::vector<u64>& x, const std::vector<u64>& y, std::unordered_map<u64, u64>& map) {
        if (x.size() != y.size()) return false;
        for (std::size_t k = 0; k < x.size(); ++k) {
            if (x[k] == y[k]) continue;
            auto [it, fresh] = map.emplace(x[k], y[k]);
            if (!fresh && it->second != y[k]) return false;
        }
        return true;
    };
    p.identity = false;
    for (std::size_t i = 0; i < cls.size(); ++i) {
        const int from = cls[i], to = cls[static_cast<std::size_t>(order[i])];
        if (from == to) continue;
        p.cpuTo[static_cast<std::size_t>(from)] = to;
        const int tf = m_own[static_cast<std::size_t>(from)], tt = m_own[static_cast<std::size_t>(to)];
        p.taskTo[static_cast<std::size_t>(tf)] = tt;
        const int mf = tasks[static_cast<std::size_t>(tf)].mm, mt = tasks[static_cast<std::size_t>(tt)].mm;
        p.mmTo[static_cast<std::size_t>(mf)] = mt;
        const int idf = idleOf(from), idt = idleOf(to);
        if ((idf < 0) != (idt < 0)) return false;
        if (idf >= 0) p.taskTo[static_cast<std::size_t>(idf)] = idt;
        const Walked a = walkTables(m_start.mms()[static_cast<std::size_t>(mf)].pgd);
        const Walked b = walkTables(m_start.mms()[static_cast<std::size_t>(mt)].pgd);
        if (!pair(a.tables, b.tables, p.frames) || !pair(a.pages, b.pages, p.data)) return false;
        for (u64 f : a.pts) p.pageTables[f] = true;
        for (u64 f : b.pts) p.pageTables[f] = true;
    }
    return true;
}

Perm SymmetryFinder::identityPerm() const {
    Perm p;
    p.identity = true;
    for (int c = 0; c < m_ncpu; ++c) p.cpuTo.push_back(c);
    for (std::size_t t = 0; t < m_start.tasks().size(); ++t) p.taskTo.push_back(static_cast<int>(t));
    for (std::size_t x = 0; x < m_start.mms().size(); ++x) p.mmTo.push_back(static_cast<int>(x));
    return p;
}

// Whether `p` maps the initial machine (fingerprint fp0) to itself; finishes it.
bool SymmetryFinder::valid(Perm& p, u64 fp0) const {
    if (!isPermutation(p.taskTo) || !isPermutation(p.mmTo)) return false;
    for (const auto& [f, t] : p.frames)
        if (!p.frames.count(t)) return false;  // frames must move within the set
    for (const auto& [f, t] : p.data)
        if (!p.data.count(t)) return false;
    finishPerm(p);
    u64 mem = 0;
    m_start.memory().forEachFrame([&](u64 pa, const Frame& fr) { mem += FingerprintContext::frameSum(pa, fr, p); });
    const std::vector<int> pcs0(static_cast<std::size_t>(m_ncpu), 0);
    return mem == m_ctx.initialMemory && m_ctx.fingerprint(m_start, pcs0, p) == fp0;
}

// Every permutation of one class but the identity; false if one of them is not a symmetry.
bool SymmetryFinder::classPerms(const std::vector<int>& cls, u64 fp0, std::vector<Perm>& out) const {
    std::vector<int> order(cls.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    while (std::next_permutation(order.begin(), order.end())) {
        Perm p = identityPerm();
        if (!makePerm(cls, order, p) || !valid(p, fp0)) return false;
        out.push_back(std::move(p));
    }
    return true;
}

// The permutations of the classes before composed with those of one more class (they touch
// disjoint CPUs, tasks and frames).
std::vector<Perm> SymmetryFinder::compose(const std::vector<Perm>& before, const std::vector<Perm>& mine) const {
    auto overlay = [](std::vector<int>& x, const std::vector<int>& r) {
        for (std::size_t i = 0; i < x.size(); ++i)
            if (r[i] != static_cast<int>(i)) x[i] = r[i];
    };
    std::vector<Perm> out;
    for (const Perm& q : before) {
        out.push_back(q);
        for (const Perm& r : mine) {
            Perm x = q.identity ? identityPerm() : q;
            x.identity = false;
            overlay(x.cpuTo, r.cpuTo);
            overlay(x.taskTo, r.taskTo);
            overlay(x.mmTo, r.mmTo);
            for (const auto& [f, t] : r.frames) x.frames[f] = t;
            for (const auto& [f, t] : r.data) x.data[f] = t;
            for (const auto& [f, t] : r.pageTables) x.pageTables[f] = t;
            finishPerm(x);
            out.push_back(std::move(x));
        }
    }
    return out;
}

std::vector<Perm> SymmetryFinder::perms(int& classesOut, std::size_t maxPerms) {
    std::vector<Perm> perms(1);
    perms[0].identity = true;
    classesOut = 0;
    std::vector<std::string> sig(static_cast<std::size_t>(m_ncpu));
    std::vector<int> scheduledBy(m_start.tasks().size(), -1);
    bool shared = false;
    for (int c = 0; c < m_ncpu; ++c) sig[static_cast<std::size_t>(c)] = signature(c, scheduledBy, shared);
    if (shared) return perms;
    const std::vector<int> pcs0(static_cast<std::size_t>(m_ncpu), 0);
    const u64 fp0 = m_ctx.fingerprint(m_start, pcs0, perms[0]);
    for (const auto& cls : classes(sig)) {
        std::vector<Perm> mine;
        if (!classPerms(cls, fp0, mine) || perms.size() * (mine.size() + 1) > maxPerms) continue;
        perms = compose(perms, mine);
        ++classesOut;
    }
    return perms;
}

std::vector<Perm> symmetryPerms(const ExploreProblem& problem, const Machine& start, const FingerprintContext& ctx,
                                int& classesOut, std::size_t maxPerms) {
    return SymmetryFinder(problem, start, ctx).perms(classesOut, maxPerms);
}

struct Succ {
    u64 fp = 0;
    u32 parent = 0;
    std::uint16_t cpu = 0, code = 0;
    int mcCpu = -1;
};

// The fingerprint parts of one state under each permutation (see FingerprintContext::cpuPart).
struct Parts {
    std::vector<u64> cpu;     // [perm * cpus + cpu] each CPU's part at its place
    std::vector<u64> cpuSum;  // [perm] their sum
    std::vector<u64> rest;    // [perm] the machine-wide part
    std::vector<u64> memory;  // [perm] the memory sum
};

using FrameList = std::vector<std::pair<u64, const Frame*>>;  // (frame address, contents), sorted

// A frontier state being expanded: its machine, thread positions, fingerprint parts and record.
struct Node {
    const Machine& m;
    const std::vector<int>& pcs;
    const Parts& parts;
    u32 rec;
};

// One worker: the machines along the path it replayed last, and its results for a range of nodes.
struct Worker {
    std::vector<Machine> stack;
    std::vector<std::vector<int>> pcs;
    std::vector<u32> recAt;
    std::vector<int> cpuOpAt;  // [level] the CPU of the access/speculate/invlpg that made it from the level above, or -1
    std::vector<Parts> parts;  // [level] the fingerprint parts of stack[level]
    Machine scratch;
    const Machine* scratchOf = nullptr;  // scratch is a copy of this machine after one op...
    int scratchCpu = -1;                 // ... that changed only this CPU and memory (-1: unknown)
    std::vector<int> scratchPcs;
    std::vector<u32> path;
    std::vector<Succ> out, local;
    FrameList frames;                      // frames of `framesOf`, listed when a successor writes many words
    const Machine* framesOf = nullptr;
    u64 transitions = 0, reduced = 0, ends = 0, blocked = 0;
    bool overflow = false;
};

}  // namespace

const char* exploreStopName(ExploreStop s) {
    switch (s) {
    case ExploreStop::None: return "";
    case ExploreStop::Depth: return "depth";
    case ExploreStop::States: return "states";
    case ExploreStop::Seconds: return "seconds";
    case ExploreStop::Memory: return "memory";
    case ExploreStop::Cancelled: return "cancelled";
    }
    return "";
}

u64 defaultExploreMemoryBudget() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    u64 kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return std::max<u64>(u64{64} << 20, kb * 1024 / 2);
    return u64{1} << 30;
}

u64 processPeakMemory() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    return 0;
}

namespace {

// Whether the first TLB level of every CPU holds all its entries, so that the search can run with
// that level alone while no first-level set comes near full (checked on every state reached).
constexpr unsigned kCompactWays = 8;  // ways of a fully associative first-level array in a compact search

bool firstLevelOnly(const Machine& m) {
    for (const Cpu& c : m.cpus()) {
        std::size_t first = 0;
        for (const auto& arr : c.tlb.arrays())
            if (arr.level == 0) {
                first += arr.validCount;
                if (arr.validCount + 2 >= std::min(kCompactWays, arr.config.ways)) return false;
            }
        if (first != c.tlb.size()) return false;
    }
    return !m.cpus().empty() && m.cpus().front().tlb.config().levels.size() > 1;
}

// A first-level set within two fills of full: the full TLB might evict into the next level.
bool nearEviction(const Machine& m) {
    for (const Cpu& c : m.cpus())
        for (const auto& arr : c.tlb.arrays()) {
            if (arr.level != 0 || arr.validCount + 2 < arr.config.ways) continue;
            for (unsigned s = 0; s < arr.sets; ++s) {
                unsigned v = 0;
                for (unsigned w = 0; w < arr.config.ways; ++w) v += arr.valid[s * arr.config.ways + w];
                if (v + 2 >= arr.config.ways) return true;
            }
        }
    return false;
}

u64 machineBytes(const Machine& m) {
    u64 b = 16384 + m.memory().frameCount() * (sizeof(Frame) + 64);
    for (const Cpu& c : m.cpus())
        for (const auto& arr : c.tlb.arrays()) b += arr.entries.size() * (sizeof(TlbEntry) + 9) + 256;
    return b;
}

// One breadth-first search (explore() may run two: first with the compact TLB). The state of the
// search is its members; each member function is one part of it.
class Search {
public:
    Search(const ExploreProblem& problem, const ExploreOptions& options, bool compact)
        : m_problem(problem), m_options(options), m_compact(compact),
          m_ncpu(static_cast<int>(problem.initial.cpus().size())), m_fine(problem.initial.kernel().fineSteps) {}
    ExploreResult run();

private:
    using Clock = std::chrono::steady_clock;

    const std::vector<Op>& threadOf(int c) const {
        static const std::vector<Op> none;
        return static_cast<std::size_t>(c) < m_problem.threads.size() ? m_problem.threads[static_cast<std::size_t>(c)] : none;
    }
    const std::vector<u32>& specOf(int c) const {
        static const std::vector<u32> none;
        return static_cast<std::size_t>(c) < m_problem.speculation.size() ? m_problem.speculation[static_cast<std::size_t>(c)]
                                                                           : none;
    }
    Op opOf(const Rec& r) const {
        if (r.code == kStepCode) return kernelStepOp(r.cpu);
        return (r.code & kSpecBit) ? speculateOp(r.cpu, specOf(r.cpu)[r.code & ~kSpecBit]) : threadOf(r.cpu)[r.code];
    }
    std::size_t at(std::size_t perm, int cpu) const { return perm * static_cast<std::size_t>(m_ncpu) + static_cast<std::size_t>(cpu); }

    void checkProblem() const;
    unsigned lruSlack() const;
    void computeFutures();
    void prepareStart();
    u64 minFingerprint(const Machine& m, const std::vector<int>& pcs) const;
    void fullParts(const Machine& m, const std::vector<int>& pcs, Parts& out) const;
    u64 childParts(Worker& w, const Machine& parent, const Parts& pp, const Machine& child, const std::vector<int>& pcs,
                   const Op& op, int mcCpu, Parts* out) const;
    u64 childMemory(Worker& w, const Machine& parent, const Machine& child, std::size_t perm, u64 parentSum) const;
    const FrameList& framesOf(Worker& w, const Machine& m) const;
    void materialise(Worker& w, u32 rec, int depth) const;
    bool successor(Worker& w, const Node& n, int cpu, bool spec, int index) const;
    bool expandReduced(Worker& w, const Node& n) const;
    void expand(Worker& w, u32 rec, int depth) const;
    void runBatch(std::size_t b0, std::size_t n, std::size_t used, int depth);
    bool mergeBatch(std::size_t used, int depth);
    bool addState(const Succ& s, int depth);
    bool nextLevel(int depth);
    std::vector<ScheduleStep> buildSchedule(u32 rec) const;
    u64 memoryNow() const;
    void report(int depth, u64 waiting, bool force);
    ExploreResult finish();
    ExploreResult stopWith(ExploreStop why, int depth);

    const ExploreProblem& m_problem;
    const ExploreOptions& m_options;
    const bool m_compact;
    const int m_ncpu;
    const bool m_fine;
    const Clock::time_point m_t0 = Clock::now();
    const std::clock_t m_cpu0 = std::clock();
    Clock::time_point m_lastProgress = Clock::now() - std::chrono::seconds(1);
    ExploreResult m_res;
    u64 m_allCpus = 0;
    std::vector<u64> m_mayRun;                     // [cpu] bits of the user tasks it can be running
    std::vector<std::vector<Footprint>> m_future;  // [cpu][pc] what its rest of thread can touch
    Machine m_start;
    FingerprintContext m_ctx;
    std::vector<Perm> m_perms;
    std::vector<int> m_pcs0;
    u64 m_budget = 0, m_perMachine = 0;
    int m_threads = 1;
    std::vector<Rec> m_recs;
    FingerprintSet m_visited, m_next;
    std::vector<u32> m_frontier{0}, m_nextFrontier;
    std::vector<Worker> m_workers;
    ExploreResult m_endResult;
};

void Search::checkProblem() const {
    if (m_ncpu > kMaxExploreCpus) throw OpError(SourceLoc{}, fmt::format("explore handles at most {} CPUs", kMaxExploreCpus));
    for (int c = 0; c < static_cast<int>(m_problem.threads.size()); ++c)
        if (!threadOf(c).empty() && c >= m_ncpu)
            throw OpError(threadOf(c).front().loc, fmt::format("a thread for cpu{}, but the machine has {} CPUs", c, m_ncpu));
    for (int c = 0; c < m_ncpu; ++c)
        if (threadOf(c).size() >= kStepCode || specOf(c).size() >= kStepCode)
            throw OpError(SourceLoc{}, fmt::format("cpu{}: explore handles at most {} operations per thread", c, kStepCode - 1));
}

// Upper bound of TLB fills before any set could evict (see hashTlb).
unsigned Search::lruSlack() const {
    u64 totalOps = 0, totalSpec = 0;
    for (int c = 0; c < m_ncpu; ++c) {
        totalOps += threadOf(c).size();
        totalSpec += specOf(c).size();
    }
    return static_cast<unsigned>(std::min<u64>(1u << 20, 3 * totalOps + totalSpec * (totalOps + 1)));
}

// For the reduction: what each CPU's rest of thread (from each pc) can read and write.
void Search::computeFutures() {
    const Machine& initial = m_problem.initial;
    for (int c = 0; c < m_ncpu; ++c) m_allCpus |= cpuBit(c);
    m_mayRun.assign(static_cast<std::size_t>(m_ncpu), 0);
    for (int c = 0; c < m_ncpu; ++c) {
        u64& bits = m_mayRun[static_cast<std::size_t>(c)];
        bits = taskBit(initial, initial.cpu(c).currentTask);
        for (const Op& op : threadOf(c))
            if (op.code == OpCode::Schedule) bits |= namedTaskBit(initial, op.name);
    }
    m_future.assign(static_cast<std::size_t>(m_ncpu), {});
    for (int c = 0; c < m_ncpu; ++c) {
        const auto& th = threadOf(c);
        auto& f = m_future[static_cast<std::size_t>(c)];
        f.resize(th.size() + 1);
        if (!specOf(c).empty()) f[th.size()] = speculationFootprint(c);
        if (m_fine) f[th.size()] |= ipiFootprint(c);  // any CPU may be sent a flush IPI
        for (std::size_t i = th.size(); i-- > 0;) {
            f[i] = f[i + 1];
            f[i] |= opFootprint(th[i], nullptr, initial, m_mayRun[static_cast<std::size_t>(c)], m_allCpus);
            if (m_fine && startsKernelPath(th[i].code)) f[i] |= kernelPathFootprint(m_allCpus);  // and its steps
        }
    }
}

// The initial machine of the search, its fingerprint context and the symmetry permutations.
void Search::prepareStart() {
    m_start = m_problem.initial;
    Op off;  // the explorer's speculation choices replace the machine's random policy
    off.code = OpCode::Speculation;
    m_start.execute(off, nullptr);
    m_res.compactTlb = m_compact;
    m_res.fineSteps = m_fine;
    // LRU order counts where a set of the whole TLB could evict: the first level's real ways.
    for (const auto& arr : m_start.cpus().front().tlb.arrays()) m_ctx.riskWays.push_back(arr.config.ways);
    if (m_compact) KernelOps::keepFirstTlbLevel(m_start, kCompactWays);
    m_ctx.init(m_start, lruSlack());
    m_perms.assign(1, Perm{});
    m_perms[0].identity = true;
    if (m_options.symmetry) m_perms = symmetryPerms(m_problem, m_start, m_ctx, m_res.symmetryClasses, 24);
    m_pcs0.assign(static_cast<std::size_t>(m_ncpu), 0);
}

u64 Search::minFingerprint(const Machine& m, const std::vector<int>& pcs) const {
    u64 best = m_ctx.fingerprint(m, pcs, m_perms[0]);
    for (std::size_t i = 1; i < m_perms.size(); ++i) best = std::min(best, m_ctx.fingerprint(m, pcs, m_perms[i]));
    return best;
}

void Search::fullParts(const Machine& m, const std::vector<int>& pcs, Parts& out) const {
    const std::size_t np = m_perms.size();
    out.cpu.resize(np * static_cast<std::size_t>(m_ncpu));
    out.cpuSum.resize(np);
    out.rest.resize(np);
    out.memory.resize(np);
    for (std::size_t k = 0; k < np; ++k) {
        const Perm& p = m_perms[k];
        u64 sum = 0;
        for (int i = 0; i < m_ncpu; ++i) {
            const u64 part = FingerprintContext::placed(m_ctx.cpuPart(m.cpu(i), pcs[static_cast<std::size_t>(i)], p),
                                                        static_cast<std::size_t>(p.cpu(i)));
            out.cpu[at(k, i)] = part;
            sum += part;
        }
        out.cpuSum[k] = sum;
        out.rest[k] = m_ctx.restPart(m, p);
        out.memory[k] = m_ctx.memory(m.memory(), p);
    }
}

const FrameList& Search::framesOf(Worker& w, const Machine& m) const {
    if (w.framesOf != &m) {
        w.frames.clear();
        m.memory().forEachFrame([&](u64 pa, const Frame& f) { w.frames.emplace_back(pa, &f); });
        std::sort(w.frames.begin(), w.frames.end());
        w.framesOf = &m;
    }
    return w.frames;
}

// The memory sum of `child` (a copy of `parent` after one op) under a permutation: the parent's
// while the copy shares its frames, else from the words it wrote.
u64 Search::childMemory(Worker& w, const Machine& parent, const Machine& child, std::size_t perm, u64 parentSum) const {
    const PhysMemory& now = child.memory();
    if (now.sameFrames(parent.memory())) return parentSum;
    const u64 writes = now.writeCount() - parent.memory().writeCount();
    if (writes <= PhysMemory::kWriteLogSize)
        return FingerprintContext::memoryAfterWrites(parent.memory(), now, m_perms[perm], parentSum, writes);
    return m_ctx.memoryFrom(now, m_perms[perm], parentSum, framesOf(w, parent));
}

// The fingerprint of `child`, the state after `op` in `parent` (whose parts are `pp`), recomputing
// only the parts the op can change; with `out`, also the child's parts.
u64 Search::childParts(Worker& w, const Machine& parent, const Parts& pp, const Machine& child, const std::vector<int>& pcs,
                       const Op& op, int mcCpu, Parts* out) const {
    // Only the CPUs the op can write have new parts (a machine check's panic stops them all).
    const u64 changed = mcCpu >= 0                      ? m_allCpus
                        : op.code == OpCode::Speculate ? cpuBit(op.cpu)
                                                       : opFootprint(op, &parent, m_problem.initial, 0, m_allCpus).w & m_allCpus;
    // Accesses, speculation and invlpg leave mms, tasks and the kernel state alone.
    const bool sameRest =
        mcCpu < 0 && (op.code == OpCode::Speculate || op.code == OpCode::Access || op.code == OpCode::Invlpg);
    if (out) *out = pp;
    u64 fp = ~u64{0};
    for (std::size_t k = 0; k < m_perms.size(); ++k) {
        const Perm& p = m_perms[k];
        u64 sum = pp.cpuSum[k];
        for (int i = 0; i < m_ncpu; ++i) {
            if (!(changed & cpuBit(i))) continue;
            const u64 part = FingerprintContext::placed(m_ctx.cpuPart(child.cpu(i), pcs[static_cast<std::size_t>(i)], p),
                                                        static_cast<std::size_t>(p.cpu(i)));
            sum += part - pp.cpu[at(k, i)];
            if (out) out->cpu[at(k, i)] = part;
        }
        const u64 mem = childMemory(w, parent, child, k, pp.memory[k]);
        const u64 rest = sameRest ? pp.rest[k] : m_ctx.restPart(child, p);
        if (out) {
            out->cpuSum[k] = sum;
            out->memory[k] = mem;
            out->rest[k] = rest;
        }
        fp = std::min(fp, FingerprintContext::combine(sum, rest, mem));
    }
    return fp;
}

// Re-materialises the state of record `rec` at level `depth` in w.stack[depth] (and its parts),
// replaying only the part of its path that differs from the one replayed last.
void Search::materialise(Worker& w, u32 rec, int depth) const {
    const auto d = static_cast<std::size_t>(depth);
    w.path.resize(d + 1);
    u32 r = rec;
    for (std::size_t i = d + 1; i-- > 0;) {
        w.path[i] = r;
        r = m_recs[r].parent;
    }
    if (w.stack.empty()) {
        w.stack.push_back(m_start);
        w.pcs.push_back(m_pcs0);
        w.recAt.push_back(0);
        w.cpuOpAt.push_back(-1);
        w.parts.emplace_back();
        fullParts(m_start, m_pcs0, w.parts[0]);
    }
    std::size_t k = 1;
    while (k <= d && k < w.recAt.size() && w.recAt[k] == w.path[k]) ++k;
    for (std::size_t i = k; i <= d; ++i) {
        w.framesOf = w.scratchOf = nullptr;  // the stack changes (and may move)
        if (w.stack.size() <= i) {
            w.stack.push_back(w.stack[i - 1]);
            w.pcs.push_back(w.pcs[i - 1]);
            w.recAt.push_back(0);
            w.cpuOpAt.push_back(-1);
            w.parts.emplace_back();
        } else if (i == k && w.cpuOpAt[i] >= 0) {
            // The level above is the one this level was last made from, by one CPU's op: undo only that.
            w.stack[i].restoreAfterCpuOp(w.stack[i - 1], w.cpuOpAt[i]);
            w.pcs[i] = w.pcs[i - 1];
        } else {
            w.stack[i] = w.stack[i - 1];
            w.pcs[i] = w.pcs[i - 1];
        }
        const Rec& x = m_recs[w.path[i]];
        const Op op = opOf(x);
        w.cpuOpAt[i] = -1;  // also if the op throws
        w.stack[i].execute(op, nullptr);
        if (op.code == OpCode::Speculate || op.code == OpCode::Access || op.code == OpCode::Invlpg) w.cpuOpAt[i] = op.cpu;
        if (!(x.code & kSpecBit) && x.code != kStepCode) w.pcs[i][x.cpu]++;
        w.recAt[i] = w.path[i];
        childParts(w, w.stack[i - 1], w.parts[i - 1], w.stack[i], w.pcs[i], op, -1, &w.parts[i]);
    }
    w.recAt.resize(d + 1);
}

// A successor of `m` into w.local: a thread op (index = its place in the thread), a speculation
// (spec) or a kernel step (index = kStepCode). False if it cannot run or changes nothing.
bool Search::successor(Worker& w, const Node& n, int cpu, bool spec, int index) const {
    const Machine& m = n.m;
    const bool kstep = index == kStepCode;
    const Op op = kstep  ? kernelStepOp(cpu)
                  : spec ? speculateOp(cpu, specOf(cpu)[static_cast<std::size_t>(index)])
                         : threadOf(cpu)[static_cast<std::size_t>(index)];
    if (spec && !speculationChanges(m, cpu, static_cast<u32>(op.a))) return false;
    if (kstep ? !KernelOps::canStep(m, cpu) : !spec && KernelOps::waits(m, op)) return false;
    // A copy of the node: after an access, speculation or invlpg only that CPU and memory differ.
    if (w.scratchOf == &m && w.scratchCpu >= 0) w.scratch.restoreAfterCpuOp(m, w.scratchCpu);
    else w.scratch = m;
    w.scratchOf = &m;
    w.scratchCpu = -1;  // also after an op that threw: a kernel op may fail part-way
    try {
        w.scratch.execute(op, nullptr);
    } catch (const OpError&) {
        return false;
    }
    ++w.transitions;
    w.scratchPcs = n.pcs;
    if (!spec && !kstep) w.scratchPcs[static_cast<std::size_t>(cpu)]++;
    Succ s;
    hasMachineCheck(w.scratch, s.mcCpu);
    if (s.mcCpu < 0 && (op.code == OpCode::Speculate || op.code == OpCode::Access || op.code == OpCode::Invlpg))
        w.scratchCpu = cpu;
    s.fp = childParts(w, m, n.parts, w.scratch, w.scratchPcs, op, s.mcCpu, nullptr);
    s.parent = n.rec;
    s.cpu = static_cast<std::uint16_t>(cpu);
    s.code = static_cast<std::uint16_t>(index | (spec ? kSpecBit : 0));
    if (m_compact && nearEviction(w.scratch)) w.overflow = true;
    w.local.push_back(s);
    return true;
}

// Persistent-set reduction: the successors of one CPU whose next steps are independent of
// everything the other CPUs can still do, if there is one (true: w.local holds them).
bool Search::expandReduced(Worker& w, const Node& n) const {
    const Machine& m = n.m;
    const std::vector<int>& pcs = n.pcs;
    for (int c = 0; c < m_ncpu; ++c) {
        const int pc = pcs[static_cast<std::size_t>(c)];
        if (pc >= static_cast<int>(threadOf(c).size())) continue;
        if (m_fine && KernelOps::busy(m, c)) continue;  // its next transition is a kernel step
        const Op& next = threadOf(c)[static_cast<std::size_t>(pc)];
        Footprint mine = opFootprint(next, &m, m_problem.initial, 0, m_allCpus);
        if (m_fine && startsKernelPath(next.code)) mine |= kernelPathFootprint(m_allCpus);
        if (!specOf(c).empty()) mine |= speculationFootprint(c);
        bool independent = true;
        for (int o = 0; o < m_ncpu && independent; ++o) {
            if (o == c) continue;
            Footprint theirs = m_future[static_cast<std::size_t>(o)][static_cast<std::size_t>(pcs[static_cast<std::size_t>(o)])];
            if (m_fine && m.cpu(o).steps.next != KernelStep::None) theirs |= kernelPathFootprint(m_allCpus);
            independent = !conflict(mine, theirs);
        }
        if (!independent) continue;
        if (!successor(w, n, c, false, pc)) continue;  // not enabled: not a persistent set
        for (int k = 0; k < static_cast<int>(specOf(c).size()); ++k) successor(w, n, c, true, k);
        // Cycle proviso (breadth-first form): full expansion if a successor is a state of this
        // level or an earlier one (the visited set holds exactly those while a level runs).
        if (std::none_of(w.local.begin(), w.local.end(), [&](const Succ& x) { return m_visited.contains(x.fp); }))
            return true;
        w.local.clear();
    }
    return false;
}

// Expands one frontier state into w.out (in a fixed order: the same whatever the threads).
void Search::expand(Worker& w, u32 rec, int depth) const {
    materialise(w, rec, depth);
    const auto d = static_cast<std::size_t>(depth);
    const Machine& m = w.stack[d];
    const std::vector<int>& pcs = w.pcs[d];
    const Node n{m, pcs, w.parts[d], rec};
    w.local.clear();
    if (m_options.reduction && expandReduced(w, n)) {
        w.reduced++;
    } else {
        for (int c = 0; c < m_ncpu; ++c) {
            const int pc = pcs[static_cast<std::size_t>(c)];
            if (m_fine) successor(w, n, c, false, kStepCode);
            if (pc < static_cast<int>(threadOf(c).size())) successor(w, n, c, false, pc);
            for (int k = 0; k < static_cast<int>(specOf(c).size()); ++k) successor(w, n, c, true, k);
        }
    }
    if (w.local.empty()) {
        w.ends++;
        for (int c = 0; c < m_ncpu; ++c)
            if (pcs[static_cast<std::size_t>(c)] < static_cast<int>(threadOf(c).size()) || m.cpu(c).steps.busy()) {
                w.blocked++;
                break;
            }
    }
    w.out.insert(w.out.end(), w.local.begin(), w.local.end());
}

// Expands frontier[b0, b0 + n) on `used` workers, each a contiguous range.
void Search::runBatch(std::size_t b0, std::size_t n, std::size_t used, int depth) {
    auto runRange = [&](std::size_t wi) {
        Worker& w = m_workers[wi];
        w.out.clear();
        const std::size_t lo = b0 + n * wi / used, hi = b0 + n * (wi + 1) / used;
        for (std::size_t i = lo; i < hi; ++i) expand(w, m_frontier[i], depth);
    };
    if (used == 1) {
        runRange(0);
        return;
    }
    std::vector<std::thread> pool;
    std::exception_ptr error;
    std::mutex errorLock;
    for (std::size_t wi = 0; wi < used; ++wi)
        pool.emplace_back([&, wi]() {
            try {
                runRange(wi);
            } catch (...) {
                std::lock_guard<std::mutex> lock(errorLock);
                if (!error) error = std::current_exception();
            }
        });
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

// One new state into the next level; false if the search ends here (m_endResult).
bool Search::addState(const Succ& s, int depth) {
    if (m_visited.contains(s.fp) || m_next.contains(s.fp)) return true;
    if (m_options.maxStates && m_res.states >= m_options.maxStates) {
        m_endResult = stopWith(ExploreStop::States, depth);
        return false;
    }
    if (m_next.needsGrow() || m_recs.size() == m_recs.capacity()) {
        u64 need = memoryNow();
        if (m_next.needsGrow()) need += m_next.grownBytes();
        if (m_recs.size() == m_recs.capacity()) need += m_recs.capacity() * sizeof(Rec);
        if (need > m_budget) {
            m_endResult = stopWith(ExploreStop::Memory, depth);
            return false;
        }
        if (m_next.needsGrow()) m_next.grow();
        if (m_recs.size() == m_recs.capacity()) m_recs.reserve(m_recs.capacity() * 2);
    }
    m_next.insert(s.fp);
    m_res.states++;
    m_recs.push_back(Rec{s.parent, s.cpu, s.code});
    const u32 recIndex = static_cast<u32>(m_recs.size() - 1);
    if (s.mcCpu >= 0) {
        m_res.found = true;
        m_res.machineCheckCpu = s.mcCpu;
        m_res.schedule = buildSchedule(recIndex);
        m_res.depth = depth + 1;
        m_res.complete = false;
        m_res.peakMemory = std::max(m_res.peakMemory, memoryNow());
        m_endResult = finish();
        return false;
    }
    if (m_recs.size() >= kNoParent) {
        m_endResult = stopWith(ExploreStop::States, depth);
        return false;
    }
    m_nextFrontier.push_back(recIndex);
    return true;
}

// Deterministic merge, in frontier order; false if the search ends in this batch (m_endResult).
// Counters cover the whole batch (its bounds do not depend on the number of threads), also when
// a machine check ends the search in it.
bool Search::mergeBatch(std::size_t used, int depth) {
    for (std::size_t wi = 0; wi < used; ++wi) {
        Worker& w = m_workers[wi];
        m_res.transitions += w.transitions;
        m_res.reducedStates += w.reduced;
        m_res.endStates += w.ends;
        m_res.blockedEnds += w.blocked;
        w.transitions = w.reduced = w.ends = w.blocked = 0;
    }
    for (std::size_t wi = 0; wi < used; ++wi) {
        Worker& w = m_workers[wi];
        if (w.overflow) {
            m_endResult = ExploreResult{};
            m_endResult.compactTlb = true;  // tells the caller to search again with the whole TLB
            m_endResult.stop = ExploreStop::Memory;
            m_endResult.depth = -1;
            return false;
        }
        for (const Succ& s : w.out)
            if (!addState(s, depth)) return false;
        w.out.clear();
    }
    return true;
}

// The next level joins the visited set; false if that passes the memory budget (m_endResult).
bool Search::nextLevel(int depth) {
    while (m_visited.size() + m_next.size() + 1 > m_visited.bytes() / sizeof(u64) / 2) {
        if (memoryNow() + m_visited.grownBytes() > m_budget) {
            m_endResult = stopWith(ExploreStop::Memory, depth);
            return false;
        }
        m_visited.grow();
    }
    m_next.forEach([&](u64 fp) { m_visited.insert(fp); });
    m_next = FingerprintSet();
    m_frontier.swap(m_nextFrontier);
    return true;
}

// The counterexample: the transitions from the initial state to record `rec`.
std::vector<ScheduleStep> Search::buildSchedule(u32 rec) const {
    std::vector<ScheduleStep> s;
    for (u32 r = rec; r != 0; r = m_recs[r].parent) {
        const Rec& p = m_recs[r];
        ScheduleStep st;
        st.cpu = p.cpu;
        st.speculation = (p.code & kSpecBit) != 0;
        st.threadIndex = st.speculation || p.code == kStepCode ? -1 : p.code;
        st.op = opOf(p);
        s.push_back(std::move(st));
    }
    std::reverse(s.begin(), s.end());
    return s;
}

u64 Search::memoryNow() const {
    u64 b = m_visited.bytes() + m_next.bytes() + m_recs.capacity() * sizeof(Rec) +
            (m_frontier.capacity() + m_nextFrontier.capacity()) * sizeof(u32);
    for (const Worker& w : m_workers) {
        b += m_perMachine + (w.out.capacity() + w.local.capacity()) * sizeof(Succ) + w.path.capacity() * sizeof(u32);
        for (const Machine& m : w.stack) b += machineBytes(m);
    }
    return b;
}

// Progress to the caller, at most about 10 times a second unless `force`.
void Search::report(int depth, u64 waiting, bool force) {
    if (!m_options.progress) return;
    const auto now = Clock::now();
    if (!force && now - m_lastProgress < std::chrono::milliseconds(100)) return;
    m_lastProgress = now;
    ExploreProgress p;
    p.states = m_res.states;
    p.transitions = m_res.transitions;
    p.depth = depth;
    p.seconds = std::chrono::duration<double>(now - m_t0).count();
    p.frontier = waiting;
    p.memoryBytes = memoryNow();
    p.statesPerSecond = p.seconds > 0 ? static_cast<double>(m_res.states) / p.seconds : 0;
    m_options.progress(p);
}

ExploreResult Search::finish() {
    m_res.seconds = std::chrono::duration<double>(Clock::now() - m_t0).count();
    m_res.cpuSeconds = static_cast<double>(std::clock() - m_cpu0) / CLOCKS_PER_SEC;
    m_res.visitedBytes = m_visited.bytes() + m_recs.capacity() * sizeof(Rec);
    const double n = static_cast<double>(m_res.states);
    m_res.collisionProbability = std::min(1.0, n * n / 36893488147419103232.0);  // n^2 / 2^65
    return m_res;
}

ExploreResult Search::stopWith(ExploreStop why, int depth) {
    m_res.stop = why;
    m_res.cancelled = why == ExploreStop::Cancelled;
    m_res.depth = depth;
    m_res.complete = false;
    return finish();
}

ExploreResult Search::run() {
    checkProblem();
    computeFutures();
    prepareStart();
    m_budget = m_options.maxMemory ? m_options.maxMemory : defaultExploreMemoryBudget();
    m_threads = std::max(1, m_options.threads > 0 ? m_options.threads
                                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    m_res.threads = m_threads;
    m_perMachine = machineBytes(m_start);  // a worker's scratch machine
    m_recs.reserve(1024);
    m_recs.push_back(Rec{kNoParent, 0, 0});
    m_visited.insert(minFingerprint(m_start, m_pcs0));
    m_res.states = 1;
    m_workers.resize(static_cast<std::size_t>(m_threads));
    if (int mc = -1; hasMachineCheck(m_start, mc)) {
        m_res.found = true;
        m_res.machineCheckCpu = mc;
        m_res.complete = true;
        return finish();
    }
    constexpr std::size_t kBatch = 2048;
    int depth = 0;
    while (!m_frontier.empty()) {
        if (depth >= m_options.maxDepth) return stopWith(ExploreStop::Depth, depth);
        report(depth, m_frontier.size(), true);
        m_nextFrontier.clear();
        for (std::size_t b0 = 0; b0 < m_frontier.size(); b0 += kBatch) {
            if (m_options.cancel && m_options.cancel->load(std::memory_order_relaxed))
                return stopWith(ExploreStop::Cancelled, depth);
            if (m_options.maxSeconds > 0 && std::chrono::duration<double>(Clock::now() - m_t0).count() >= m_options.maxSeconds)
                return stopWith(ExploreStop::Seconds, depth);
            const std::size_t n = std::min(m_frontier.size(), b0 + kBatch) - b0;
            const std::size_t used = std::min<std::size_t>(static_cast<std::size_t>(m_threads), std::max<std::size_t>(1, n / 16));
            runBatch(b0, n, used, depth);
            if (!mergeBatch(used, depth)) return m_endResult;
            m_res.peakMemory = std::max(m_res.peakMemory, memoryNow());
            if (memoryNow() > m_budget) return stopWith(ExploreStop::Memory, depth);
            report(depth, m_frontier.size() - b0 - n + m_nextFrontier.size(), false);
        }
        if (!nextLevel(depth)) return m_endResult;
        if (!m_frontier.empty()) ++depth;
    }
    m_res.depth = depth;
    m_res.complete = true;
    return finish();
}

ExploreResult exploreOnce(const ExploreProblem& problem, const ExploreOptions& options, bool compact) {
    return Search(problem, options, compact).run();
}

}  // namespace

namespace {

// What each kernel_step of the schedule runs, found by replaying it.
void nameKernelSteps(const ExploreProblem& problem, std::vector<ScheduleStep>& schedule) {
    Machine m = problem.initial;
    Op off;
    off.code = OpCode::Speculation;
    m.execute(off, nullptr);
    for (ScheduleStep& s : schedule) {
        if (s.op.code == OpCode::KernelStep) s.kernelStep = KernelOps::nextStepText(m, s.cpu);
        m.execute(s.op, nullptr);
    }
}

}  // namespace

ExploreResult explore(const ExploreProblem& problem, const ExploreOptions& options) {
    // With the first TLB level alone a machine copy is about 15 times smaller; if a state comes
    // near a first-level eviction the search starts again with the whole TLB.
    const bool compact = firstLevelOnly(problem.initial);
    ExploreResult r;
    if (compact) r = exploreOnce(problem, options, true);
    if (!compact || r.depth == -1) r = exploreOnce(problem, options, false);
    if (r.found) nameKernelSteps(problem, r.schedule);
    return r;
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

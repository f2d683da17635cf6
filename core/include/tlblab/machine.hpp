// SPDX-License-Identifier: GPL-3.0-or-later
// The machine: physical memory, CPUs with their registers and TLBs, the CPU model switch,
// and the small Linux x86-32 kernel layer the erratum scenario needs.
//
// A Machine is a value: copying it gives an independent machine (frames are shared
// copy-on-write), which is how the timeline keeps keyframes and the UI gets snapshots.
#pragma once

#include "tlblab/events.hpp"
#include "tlblab/kernel.hpp"
#include "tlblab/memory.hpp"
#include "tlblab/ops.hpp"
#include "tlblab/tlb.hpp"
#include "tlblab/walker.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlblab {

constexpr int kMaxCpus = 64;
// Limits that keep a hostile lesson or script from exhausting memory or time (issue 7). A 4 GiB
// range of 4K pages needs 2052 page tables and 1M entries; the erratum scenario needs a few dozen.
constexpr std::size_t kMaxPageTables = 8192;      // frames of physical memory holding page tables
constexpr u64 kMaxMapWork = u64{4} << 20;         // pages mapped + unmapped over a machine's life

enum class CpuState : std::uint8_t { Online, Booting, Offline, Halted };
const char* cpuStateName(CpuState s);  // "online" / "booting" / "offline" / "halted"

enum class TlbState : std::uint8_t { Ok, Lazy };  // Linux cpu_tlbstate.state
const char* tlbStateName(TlbState s);              // "TLBSTATE_OK" / "TLBSTATE_LAZY"

// The per-CPU counters. Their names (JSON keys, lesson `stat` names) and labels come from one
// table, kCounters, which JSON, the plots, the lesson expectations and the sums iterate.
enum class Counter : std::uint8_t {
    Lookups, Hits, Misses, Walks, FillsDemand, FillsSpeculative, FlushNonGlobal, FlushAll, Invlpg,
    FlushPageFault, EntriesFlushed, PageFaults, PermissionMismatches, Multimatches, ContextSwitches,
};
constexpr std::size_t kCounterCount = 15;

// Cumulative per-CPU counters; per-step statistics are differences of two snapshots. The named
// fields are the hot path's (`c.stats.hits++`); `stats[Counter::Hits]` reaches the same field.
struct CpuStats {
    u64 lookups = 0, hits = 0, misses = 0, walks = 0;
    u64 fillsDemand = 0, fillsSpeculative = 0;
    u64 flushNonGlobal = 0, flushAll = 0, invlpg = 0, flushPageFault = 0;  // flush operations by kind
    u64 entriesFlushed = 0;
    u64 pageFaults = 0, permissionMismatches = 0, multimatches = 0, contextSwitches = 0;
    u64& operator[](Counter c);
    u64 operator[](Counter c) const;
    CpuStats operator-(const CpuStats& o) const;
    CpuStats& operator+=(const CpuStats& o);
    bool operator==(const CpuStats& o) const = default;
};

struct CounterInfo {
    Counter id;
    const char* name;   // JSON key and lesson `stat` name: "fills_walk"
    const char* label;  // for plots: "fills (walk)"
    u64 CpuStats::*field;
};
inline constexpr std::array<CounterInfo, kCounterCount> kCounters{{
    {Counter::Lookups, "lookups", "lookups", &CpuStats::lookups},
    {Counter::Hits, "hits", "hits", &CpuStats::hits},
    {Counter::Misses, "misses", "misses", &CpuStats::misses},
    {Counter::Walks, "walks", "walks", &CpuStats::walks},
    {Counter::FillsDemand, "fills_walk", "fills (walk)", &CpuStats::fillsDemand},
    {Counter::FillsSpeculative, "fills_speculation", "fills (speculation)", &CpuStats::fillsSpeculative},
    {Counter::FlushNonGlobal, "flush_non_global", "flushes non-global", &CpuStats::flushNonGlobal},
    {Counter::FlushAll, "flush_all", "flushes all", &CpuStats::flushAll},
    {Counter::Invlpg, "invlpg", "invlpg", &CpuStats::invlpg},
    {Counter::FlushPageFault, "flush_page_fault", "flushes page fault", &CpuStats::flushPageFault},
    {Counter::EntriesFlushed, "entries_flushed", "entries flushed", &CpuStats::entriesFlushed},
    {Counter::PageFaults, "page_faults", "page faults", &CpuStats::pageFaults},
    {Counter::PermissionMismatches, "permission_mismatches", "permission mismatches", &CpuStats::permissionMismatches},
    {Counter::Multimatches, "multimatches", "multimatches", &CpuStats::multimatches},
    {Counter::ContextSwitches, "context_switches", "context switches", &CpuStats::contextSwitches},
}};
constexpr const CounterInfo& counterInfo(Counter c) { return kCounters[static_cast<std::size_t>(c)]; }
constexpr const char* counterName(Counter c) { return counterInfo(c).name; }
constexpr const char* counterLabel(Counter c) { return counterInfo(c).label; }
std::optional<Counter> counterNamed(std::string_view name);  // by counterName; nullopt if unknown

inline u64& CpuStats::operator[](Counter c) { return this->*counterInfo(c).field; }
inline u64 CpuStats::operator[](Counter c) const { return this->*counterInfo(c).field; }

struct Cpu {
    int id = 0;
    CpuState state = CpuState::Online;
    PagingRegs regs;
    int cpl = 0;
    u64 mcgStatus = 0;
    u64 mc0Status = 0;
    Tlb tlb;
    CpuStats stats;
    // Kernel view of this CPU.
    int currentTask = -1;  // index into Machine::tasks()
    int activeMm = -1;     // index into Machine::mms()
    TlbState tlbState = TlbState::Ok;
    KernelStack callStack;  // outermost first: {native_cpu_up, do_boot_cpu}
    KernelWait waitingFor;  // what a blocked kernel path waits on (empty() if none)
    KernelSteps steps;      // fine-grained mode: the next step of its kernel path, its IPI stage
};

// A machine check is latched in this CPU's MC0_STATUS or in progress (MCG_STATUS.MCIP).
inline bool hasMachineCheck(const Cpu& c) { return c.mc0Status != 0 || (c.mcgStatus & pae::MCG_STATUS_MCIP); }

struct Mm {
    std::string name;  // "init_mm", "bash"
    u64 pgd = 0;       // physical address of its PDPT
    u64 cpumask = 0;   // mm_cpumask: CPUs that may hold its TLB entries
};

struct Task {
    std::string name;  // "bash", "swapper/1"
    int mm = -1;       // -1: kernel thread (borrows active_mm)
    int cpu = -1;      // idle tasks belong to one CPU
};

struct KernelState {
    bool booted = false;
    KernelVariant variant = KernelVariant::Buggy;
    bool lowMappings = false;  // the low_mappings flag of native_cpu_up
    u64 swapperPgDir = 0, kernelPmd = 0, emptyPmd = 0, trampolinePgDir = 0;
    int bootingCpu = -1, bootingBy = -1;
    bool callinDone = false;
    bool panicked = false;
    bool fineSteps = false;  // kernel_steps fine: the hotplug and flush paths run one kernel_step at a time
    int flushBy = -1;        // fine-grained mode: the CPU whose flush IPIs are in flight
    std::string panicMessage;
    // The fields that decide behaviour (not the panic text), as two words for state fingerprints.
    std::array<u64, 2> stateWords() const;
};

struct OpResult {
    enum class Outcome : std::uint8_t { None, Ok, PageFault, MachineCheck };
    Outcome outcome = Outcome::None;
    u64 pa = 0;
    PageSize size = PageSize::K4;
    bool tlbHit = false;
    u32 errorCode = 0;
    u64 mc0Status = 0;
    std::string output;  // text of a show op
};
const char* outcomeName(OpResult::Outcome o);  // "ok" / "page_fault" / "machine_check"

// Random speculation policy for automated runs: after each CPU operation, every online CPU
// speculatively walks one of the recently used linear addresses with probability `rate`.
struct SpeculationPolicy {
    bool random = false;
    double rate = 0.0;
};

class Machine {
public:
    // A machine that was never set up: 2 CPUs, erratum383, PAE, PGE, WP and NXE enabled.
    Machine();

    // Executes one operation; appends its events to `ev` (may be null). All or nothing: throws
    // OpError on an operation that cannot run here (unknown table, halted CPU, a #GP part-way
    // through a kernel path) with the machine unchanged, always with a source location (the op's
    // own when the failing check deep in the kernel layer has none); `ev` then holds what the
    // attempt did up to the failure (a #GP ends with its GeneralProtection event). CPU instructions
    // and page-table ops check everything before they change anything; kernel ops run on a copy.
    OpResult execute(const Op& op, EventList* ev);

    // For the explorer's successors (issue 13): makes this machine, a copy of `o` on which one
    // access, speculate or invlpg ran on CPU `cpu` without a machine check (ops that change only
    // that CPU and physical memory), equal to `o` again at the cost of copying that one CPU.
    // It leaves the kernel, mms, tasks, speculation settings and model alone, which is right only
    // because the explorer (1) drops a successor with a machine check (a panic changes the kernel
    // and every CPU), (2) replays only paths to frontier states, which have none, and (3) turns
    // random speculation off (with it on, an access may fill other CPUs' TLBs).
    void restoreAfterCpuOp(const Machine& o, int cpu);

    // ---- read access for views, exports and tests ---------------------------------------------
    const std::vector<Cpu>& cpus() const { return m_cpus; }
    const Cpu& cpu(int i) const { return m_cpus.at(static_cast<std::size_t>(i)); }
    const PhysMemory& memory() const { return m_mem; }
    const std::vector<Mm>& mms() const { return m_mms; }
    const std::vector<Task>& tasks() const { return m_tasks; }
    const KernelState& kernel() const { return m_kernel; }
    CpuModel cpuModel() const { return m_model; }
    const std::string& tlbPreset() const { return m_tlbConfig.preset; }
    u64 step() const { return m_step; }
    std::optional<u64> tableNamed(const std::string& name) const { return m_mem.frameNamed(name); }
    // Name of the table a CR3 value points at ("swapper_pg_dir"), or "".
    std::string tableName(u64 pa) const;
    const std::vector<u32>& hotAddresses() const { return m_hot; }
    u64 rngState() const { return m_rng; }

    // Side-effect-free translation for the debugger: what `access` would do now.
    OpResult predictAccess(int cpu, u32 va, AccessType acc, Mode mode) const;

    // ---- the CPU hot path (also used by benchmarks) -------------------------------------------
    OpResult access(int cpu, u32 va, AccessType acc, Mode mode, EventList* ev);

    // Text renderings for `show`.
    std::string showCpu(int cpu) const;
    std::string showTlb(int cpu) const;
    std::string showTable(u64 pdpt) const;

private:
    // The access path: access() is the fast path (a TLB hit that completes); the rest is the slow
    // path (a multimatch, a hit that must re-walk, a miss), each step a function of its own.
    struct Access;  // one access in flight (machine.cpp)
    OpResult accessHit(const Access& a, TlbSlot slot);
    OpResult accessMultimatch(const Access& a);
    OpResult accessRewalk(const Access& a, const TlbEntry& cached, bool denied);
    OpResult accessMiss(const Access& a);
    bool walkChecked(const Access& a, WalkResult& w, const char* why, OpResult& r);
    void raiseMachineCheck(const Access& a, OpResult& r);
    static void accessFault(const Access& a, u32 ec, OpResult& r);
    static void accessDone(const Access& a, u64 frame, PageSize size, bool hit, OpResult& r);

    OpResult executeOp(const Op& op, EventList* ev);
    friend class KernelHost;  // the kernel layer's narrow access (kernel_ops.hpp)
    friend struct OpTable;  // the op table (op_table.cpp) names the run functions below

    // One per machine operation (the kernel's are KernelOps::op*).
    OpResult runCpus(const Op& op, EventList* ev);
    OpResult runCpuModel(const Op& op, EventList* ev);
    OpResult runTlbPreset(const Op& op, EventList* ev);
    OpResult runKernelVariant(const Op& op, EventList* ev);
    OpResult runSeed(const Op& op, EventList* ev);
    OpResult runSpeculation(const Op& op, EventList* ev);
    OpResult runTable(const Op& op, EventList* ev);
    OpResult runMap(const Op& op, EventList* ev);
    OpResult runUnmap(const Op& op, EventList* ev);
    OpResult runClonePgdRange(const Op& op, EventList* ev);
    OpResult runWriteEntry(const Op& op, EventList* ev);
    OpResult runLoadCr3(const Op& op, EventList* ev);
    OpResult runAccess(const Op& op, EventList* ev);
    OpResult runTranslate(const Op& op, EventList* ev);
    OpResult runSpeculate(const Op& op, EventList* ev);
    OpResult runInvlpg(const Op& op, EventList* ev);
    OpResult runFlush(const Op& op, EventList* ev);
    OpResult runFlushAll(const Op& op, EventList* ev);
    OpResult runSet(const Op& op, EventList* ev);
    OpResult runShowCpu(const Op& op, EventList* ev);
    OpResult runShowTlb(const Op& op, EventList* ev);
    OpResult runShowTable(const Op& op, EventList* ev);
    void requireOnline(const Op& op, int cpu) const;  // not offline
    // No PDPT a kernel path may load (a CPU's CR3, an mm's pgd, swapper_pg_dir, trampoline_pg_dir)
    // has a present PDPTE with reserved bits: no kernel path can #GP part-way.
    bool everyPdptLoadable() const;
    // f(base) for the PDPT base of each CPU's CR3, each mm's pgd, swapper and the trampoline, until f
    // says false (then false).
    template <typename F>
    bool everyPdptBase(F&& f) const;
    bool inSomePdpt(u64 pa) const;  // pa lies in one of those PDPTs (32 bytes from its base)
    void setupOnly(const Op& op) const;              // nothing but set-up ops ran yet
    Cpu& cpuMut(int i) { return m_cpus[static_cast<std::size_t>(i)]; }
    void checkCpu(const Op& op, int cpu, std::size_t argIndex) const;  // exists and not halted
    void checkCpuExists(const Op& op, int cpu, std::size_t argIndex) const;
    u64 requireTable(const Op& op, std::size_t argIndex) const;

    void setCpus(int n);
    void resetCpu(Cpu& c);
    // Instructions.
    bool movCr3(Cpu& c, u32 value, EventList* ev);  // false: #GP (reserved PDPTE bits)
    bool movCr4(Cpu& c, u32 value, EventList* ev);  // false: #GP (reserved PDPTE bits on reload)
    void loadPdptes(Cpu& c, EventList* ev);
    void speculate(Cpu& c, u32 va, EventList* ev);
    void machineCheck(Cpu& c, u32 va, EventList* ev);
    void panicOnMachineCheck(const Cpu& c, EventList* ev);  // the kernel's panic after c's machine check
    TlbEntry entryFrom(const Cpu& c, const WalkResult& w, Origin origin);
    void fillReplacing(Cpu& c, const TlbEntry& e, EventList* ev);  // fill; a 2M entry replaces those it covers
    void randomSpeculation(EventList* ev);
    void noteHot(u32 va);
    u64 nextRandom();

    // Page tables.
    u64 newTable(const std::string& name, EventList* ev);
    // Throws OpError (at `op`) if `count` more page tables would pass kMaxPageTables.
    void reserveTables(const Op& op, std::size_t count) const;
    void writeEntry(u64 pa, u64 value, EventList* ev, const std::string& why);
    void map(const Op& op, u64 table, EventList* ev);
    void unmap(const Op& op, u64 table, EventList* ev);

    PhysMemory m_mem;
    std::vector<Cpu> m_cpus;
    TlbConfig m_tlbConfig;
    CpuModel m_model = CpuModel::Erratum383;
    SpeculationPolicy m_spec;
    u64 m_rng = 0x853c49e6748fea9bull;
    std::vector<u32> m_hot;  // recently used linear addresses (speculation candidates)
    std::vector<Mm> m_mms;
    std::vector<Task> m_tasks;
    KernelState m_kernel;
    u64 m_step = 0;
    u32 m_nextEntryId = 1;
    u64 m_mapWork = 0;  // pages mapped + unmapped so far (kMaxMapWork)
    bool m_configured = false;  // a set-up op (cpus, cpu_model, ...) came after state changes
    bool m_touched = false;     // anything other than set-up ops has run
    bool m_pdptMayBeBad = false;  // a write may have made a PDPTE that would #GP (writeEntry, the walk's A/D)
};

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/machine.hpp"

#include "event_builder.hpp"
#include "kernel_ops.hpp"
#include "op_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tlblab {

const char* cpuStateName(CpuState s) {
    switch (s) {
    case CpuState::Online: return "online";
    case CpuState::Booting: return "booting";
    case CpuState::Offline: return "offline";
    case CpuState::Halted: return "halted";
    }
    return "?";
}

const char* tlbStateName(TlbState s) { return s == TlbState::Ok ? "TLBSTATE_OK" : "TLBSTATE_LAZY"; }

const char* outcomeName(OpResult::Outcome o) {
    switch (o) {
    case OpResult::Outcome::None: return "none";
    case OpResult::Outcome::Ok: return "ok";
    case OpResult::Outcome::PageFault: return "page_fault";
    case OpResult::Outcome::MachineCheck: return "machine_check";
    }
    return "?";
}

namespace {
constexpr bool countersInEnumOrder() {
    for (std::size_t i = 0; i < kCounters.size(); ++i)
        if (static_cast<std::size_t>(kCounters[i].id) != i) return false;
    return true;
}
static_assert(countersInEnumOrder(), "kCounters must list the counters in the order of enum Counter");
static_assert(sizeof(CpuStats) == kCounterCount * sizeof(u64), "every CpuStats field is in kCounters");
}  // namespace

std::optional<Counter> counterNamed(std::string_view name) {
    for (const CounterInfo& c : kCounters)
        if (name == c.name) return c.id;
    return std::nullopt;
}

CpuStats CpuStats::operator-(const CpuStats& o) const {
    CpuStats r;
    for (const CounterInfo& c : kCounters) r.*c.field = this->*c.field - o.*c.field;
    return r;
}

CpuStats& CpuStats::operator+=(const CpuStats& o) {
    for (const CounterInfo& c : kCounters) this->*c.field += o.*c.field;
    return *this;
}

// ---------------------------------------------------------------------------------------------
Machine::Machine() : m_tlbConfig(TlbConfig::amdFam10h()) { setCpus(2); }

void Machine::resetCpu(Cpu& c) {
    c.state = CpuState::Online;
    c.regs = PagingRegs{};
    c.regs.cr0 = pae::CR0_PE | pae::CR0_PG | pae::CR0_WP;
    c.regs.cr4 = pae::CR4_PAE | pae::CR4_PSE | pae::CR4_PGE;
    c.regs.efer = pae::EFER_NXE;
    c.cpl = 0;
    c.mcgStatus = 0;
    c.mc0Status = 0;
    c.tlb = Tlb(m_tlbConfig);
    c.callStack.clear();
    c.waitingFor.clear();
    c.steps = {};
}

void Machine::setCpus(int n) {
    m_cpus.clear();
    m_cpus.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        m_cpus[static_cast<std::size_t>(i)].id = i;
        resetCpu(m_cpus[static_cast<std::size_t>(i)]);
    }
}

std::string Machine::tableName(u64 pa) const {
    auto n = m_mem.nameOf(pa & ~u64{0xfff});
    return n ? *n : std::string();
}

void Machine::noteHot(u32 va) {
    u32 page = va & pageMask(PageSize::K4);
    if (std::find(m_hot.begin(), m_hot.end(), page) != m_hot.end()) return;
    if (m_hot.size() >= 32) m_hot.erase(m_hot.begin());
    m_hot.push_back(page);
}

u64 Machine::nextRandom() {
    // splitmix64 (Steele, Lea, Flood 2014): a tiny generator whose state is one word, so a
    // machine copy carries it and every run with the same seed is identical.
    u64 z = (m_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// ---------------------------------------------------------------------------------------------
// Registers

void Machine::loadPdptes(Cpu& c, EventList* ev) {
    const u64 base = pae::pdptBase(c.regs.cr3);
    const std::array<u64, 4> loaded = pdptesFrom(m_mem, c.regs.cr3);
    for (unsigned i = 0; i < 4; ++i) {
        const u64 v = loaded[i];
        if (ev && v != c.regs.pdpte[i])
            addEvent(ev, EventKind::PdpteLoad, c.id)
                .pa(pae::entryAddress(base, i))
                .before(c.regs.pdpte[i])
                .after(v)
                .count(i)
                .detail(tableName(base));
        c.regs.pdpte[i] = v;
    }
}

namespace {
// A PDPTE load (MOV CR3, or MOV CR4 changing PGE/PAE/PSE) #GPs when a present PDPTE has reserved
// bits set, and then loads nothing (SDM 4.4.1). Returns false after logging the #GP.
bool pdptesLoadable(const PhysMemory& mem, int cpu, u64 base, const char* insn, EventList* ev) {
    for (unsigned i = 0; i < 4; ++i) {
        u64 v = mem.read64(pae::entryAddress(base, i));
        if ((v & pae::P) && (v & pae::kPdpteReserved)) {
            addEvent(ev, EventKind::GeneralProtection, cpu)
                .pa(pae::entryAddress(base, i))
                .after(v)
                .detail("{}: PDPTE {} has reserved bits set", insn, i);
            return false;
        }
    }
    return true;
}
}  // namespace

bool Machine::movCr3(Cpu& c, u32 value, EventList* ev) {
    // PDPTEs are loaded with the MOV; a present PDPTE with reserved bits set is a #GP and
    // CR3 keeps its old value (SDM 4.4.1).
    const u64 base = value & pae::kCr3PdptMask;
    if (!pdptesLoadable(m_mem, c.id, base, "MOV CR3", ev)) return false;
    if (ev) addEvent(ev, EventKind::Cr3Write, c.id).before(c.regs.cr3).after(value).detail(tableName(value));
    c.regs.cr3 = value;
    loadPdptes(c, ev);
    unsigned n = c.tlb.flushNonGlobal(c.regs.pge(), ev, c.id);
    c.stats.flushNonGlobal++;
    c.stats.entriesFlushed += n;
    return true;
}

bool Machine::movCr4(Cpu& c, u32 value, EventList* ev) {
    const u32 old = c.regs.cr4;
    const u32 reloadBits = pae::CR4_PGE | pae::CR4_PAE | pae::CR4_PSE;
    PagingRegs after = c.regs;
    after.cr4 = value;
    // A write that reloads the PDPTEs checks their reserved bits like MOV CR3 does.
    if (((old ^ value) & reloadBits) && after.pagingOn() &&
        !pdptesLoadable(m_mem, c.id, c.regs.cr3 & pae::kCr3PdptMask, "MOV CR4", ev))
        return false;
    addEvent(ev, EventKind::Cr4Write, c.id).before(old).after(value);
    c.regs.cr4 = value;
    if ((old ^ value) & reloadBits) {
        if (c.regs.pagingOn()) loadPdptes(c, ev);
        c.stats.entriesFlushed += c.tlb.flushAll(FlushKind::All, ev, c.id);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// The access path

TlbEntry Machine::entryFrom(const Cpu& c, const WalkResult& w, Origin origin) {
    TlbEntry e;
    e.cr3 = c.regs.cr3;  // the CR3 of the walk (the inspector shows which table it came from)
    e.va = w.pageBase;
    e.id = m_nextEntryId++;
    e.pa = w.frame;
    e.step = m_step;
    e.pdeAddr = w.levels > 1 ? w.trace[1].entryPa : 0;
    e.pteAddr = w.levels > 2 ? w.trace[2].entryPa : 0;
    e.size = w.size;
    e.origin = origin;
    e.global = w.global;
    e.user = w.user;
    e.writable = w.writable;
    e.nx = w.nx;
    e.dirty = w.dirty;
    return e;
}

void Machine::fillReplacing(Cpu& c, const TlbEntry& e, EventList* ev) {
    // A CPU keeps at most one entry per linear address: a new 2M entry replaces the 4K entries
    // inside its range (a 4K fill cannot overlap anything, or the lookup would have hit). Only
    // the erratum-383 re-walk path fills without this (lessons/README.md, "Model conventions").
    if (e.size == PageSize::M2)
        c.stats.entriesFlushed += c.tlb.invalidateOverlapping(e.va, e.size, FlushKind::Replace, ev, c.id);
    c.tlb.fill(e, ev, c.id);
}

namespace {
// "#3 2M 0x08000000 G, #7 4K 0x08048000": the entries of a multimatch.
std::string matchesText(const Tlb& tlb, const TlbMatches& m) {
    std::string ids;
    for (int i = 0; i < m.count; ++i) {
        const TlbEntry& t = tlb.at(m.slot[static_cast<std::size_t>(i)]);
        ids += fmt::format("{}#{} {} {}{}", i ? ", " : "", t.id, pageSizeName(t.size), hex32(t.va),
                           t.global ? " G" : "");
    }
    if (m.total > m.count) ids += fmt::format(" and {} more", m.total - m.count);
    return ids;
}
}  // namespace

void Machine::machineCheck(Cpu& c, u32 va, EventList* ev) {
    c.stats.multimatches++;
    if (ev) {
        const TlbMatches m = c.tlb.lookup(va);
        addEvent(ev, EventKind::Multimatch, c.id).va(va).count(static_cast<u32>(m.total)).detail(matchesText(c.tlb, m));
    }
    c.mc0Status = pae::kMc0StatusErratum383;
    c.mcgStatus |= pae::MCG_STATUS_MCIP;
    c.state = CpuState::Halted;
    c.cpl = 0;
    c.callStack = {KernelFn::DoMachineCheck, KernelFn::Panic};
    c.waitingFor.clear();
    addEvent(ev, EventKind::MachineCheck, c.id)
        .va(va)
        .after(c.mc0Status)
        .before(c.mcgStatus)
        .detail("uncorrectable machine check: L1 TLB multimatch (AMD Family 10h erratum 383)");
    if (m_kernel.booted) panicOnMachineCheck(c, ev);
}

void Machine::panicOnMachineCheck(const Cpu& c, EventList* ev) {
    // panic() stops the other CPUs (smp_send_stop); their MC registers stay clear.
    m_kernel.panicked = true;
    m_kernel.panicMessage = fmt::format("Kernel panic: fatal machine check on cpu{}", c.id);
    addEvent(ev, EventKind::Panic, c.id).detail(m_kernel.panicMessage);
    for (auto& o : m_cpus) {
        if (o.id == c.id || o.state == CpuState::Offline || o.state == CpuState::Halted) continue;
        addEvent(ev, EventKind::CpuState, o.id)
            .before(static_cast<u64>(o.state))
            .after(static_cast<u64>(CpuState::Halted))
            .detail("stop_this_cpu (panic)");
        o.state = CpuState::Halted;
        o.callStack = {KernelFn::StopThisCpu};
        o.waitingFor.clear();
    }
}

namespace {
void pageFaultEvent(EventList* ev, int cpu, u32 va, u32 ec, AccessType acc, Mode mode) {
    if (!ev) return;  // describeErrorCode builds a string
    addEvent(ev, EventKind::PageFault, cpu)
        .va(va)
        .count(ec)
        .detail("{} {}: {}", accessName(acc), modeName(mode), pae::describeErrorCode(ec));
}

void walkEvent(EventList* ev, int cpu, u32 va, const WalkResult& w, const char* why,
               Origin origin = Origin::Demand) {
    if (!ev) return;
    EventBuilder e = addEvent(ev, EventKind::Walk, cpu);
    e.va(va)
        .origin(origin)  // a speculative walk says so as data, not only in its text
        .pa(w.ok() ? w.pa : 0)
        .size(w.size)
        .global(w.global)
        .count(static_cast<u32>(w.levels))
        .failLevel(w.ok() ? -1 : w.failLevel);
    std::string s = why;
    for (int l = 0; l < w.levels; ++l) {
        const auto& t = w.trace[static_cast<std::size_t>(l)];
        e.trace(static_cast<std::size_t>(l), {t.level, t.index, t.entryPa, t.raw});
        s += fmt::format("; {}[{}]@{}={}", l == 0 ? "PDPTE" : l == 1 ? "PDE" : "PTE", t.index, hex(t.entryPa),
                         hex(t.raw));
    }
    e.detail(std::move(s));
}

u32 walkFaultCode(const WalkResult& w, const PagingRegs& regs, AccessType acc, Mode mode) {
    return w.errorCode | accessErrorBits(regs, acc, mode);
}
}  // namespace

// One access in flight: the arguments of access(), handed along its slow path.
struct Machine::Access {
    Cpu& cpu;
    u32 va;
    AccessType type;
    Mode mode;
    EventList* ev;
    bool write() const { return type == AccessType::Write; }
};

namespace {
// Out of line so that the hit path stays small.
void accessDoneEvent(EventList* ev, int cpu, u32 va, u64 pa, PageSize size, AccessType acc, Mode mode) {
    addEvent(ev, EventKind::AccessDone, cpu)
        .va(va)
        .pa(pa)
        .size(size)
        .detail("{} {}", accessName(acc), modeName(mode));
}
}  // namespace

[[gnu::always_inline]] inline void Machine::accessDone(const Access& a, u64 frame, PageSize size, bool hit, OpResult& r) {
    r.outcome = OpResult::Outcome::Ok;
    r.pa = frame | (a.va & ~pageMask(size));
    r.size = size;
    r.tlbHit = hit;  // completed from the TLB without a walk
    if (a.ev) accessDoneEvent(a.ev, a.cpu.id, a.va, r.pa, size, a.type, a.mode);
}

inline OpResult Machine::accessHit(const Access& a, TlbSlot slot) {
    Cpu& c = a.cpu;
    c.stats.hits++;
    // Read what is needed before touch() may move the entry.
    const TlbEntry& cached = c.tlb.at(slot);
    const u64 frame = cached.pa;
    const PageSize size = cached.size;
    const u32 id = cached.id;
    const bool global = cached.global;
    c.tlb.touch(slot, a.ev, c.id);
    addEvent(a.ev, EventKind::TlbHit, c.id).va(a.va).pa(frame).entryId(id).size(size).global(global);
    OpResult r;
    accessDone(a, frame, size, true, r);
    return r;
}

// The fast path, as in Spike's mmu (translate: a TLB hit completes at once, a miss goes to the
// walk): one lookup, and an entry that allows the access completes it (accessHit, inline). A
// multimatch, a hit that must re-walk and a miss are the slow path, each a function below.
OpResult Machine::access(int cpu, u32 va, AccessType acc, Mode mode, EventList* ev) {
    const Access a{cpuMut(cpu), va, acc, mode, ev};
    a.cpu.stats.lookups++;
    const TlbMatches m = a.cpu.tlb.lookup(va);
    if (m.count != 1) return m.count == 0 ? accessMiss(a) : accessMultimatch(a);
    const TlbEntry& cached = a.cpu.tlb.at(m.slot[0]);
    const u32 denied = permissionFault(cached.user, cached.writable, cached.nx, a.cpu.regs, acc, mode);
    // A write through an entry cached clean re-walks too: it must set D.
    if (denied || (a.write() && !cached.dirty)) return accessRewalk(a, cached, denied != 0);
    return accessHit(a, m.slot[0]);
}

// ---- the slow path ---------------------------------------------------------------------------

OpResult Machine::accessMultimatch(const Access& a) {
    OpResult r;
    r.tlbHit = true;  // the lookup found entries
    raiseMachineCheck(a, r);
    return r;
}

void Machine::raiseMachineCheck(const Access& a, OpResult& r) {
    machineCheck(a.cpu, a.va, a.ev);
    r.outcome = OpResult::Outcome::MachineCheck;
    r.mc0Status = a.cpu.mc0Status;
}

// A hit that cannot complete: the CPU re-walks under the current CR3 (a permission mismatch, or a
// write through an entry cached clean). It works on a copy of the entry: the re-walk may remove
// or move it.
OpResult Machine::accessRewalk(const Access& a, const TlbEntry& cached, bool denied) {
    Cpu& c = a.cpu;
    const TlbEntry hitEntry = cached;
    OpResult r;
    r.tlbHit = true;  // the lookup found an entry (one that then failed its check)
    if (denied) {
        c.stats.permissionMismatches++;
        addEvent(a.ev, EventKind::PermissionMismatch, c.id)
            .va(a.va)
            .entryId(hitEntry.id)
            .size(hitEntry.size)
            .global(hitEntry.global)
            .detail("{} {} through {}{}{} entry", accessName(a.type), modeName(a.mode),
                    hitEntry.user ? "user" : "supervisor-only", hitEntry.writable ? "" : " read-only",
                    hitEntry.global ? " global" : "");
    } else {
        c.stats.hits++;
    }
    WalkResult w = walk(m_mem, c.regs, a.va);
    if (!walkChecked(a, w, "re-walk", r)) return r;
    const TlbEntry fresh = entryFrom(c, w, Origin::Demand);
    // Only a permission mismatch opens the erratum's window (lessons/README.md, "Model
    // conventions"); the re-walk of a write through a clean entry replaces the entry like a correct CPU.
    if (denied && m_model == CpuModel::Erratum383 && w.size != hitEntry.size) {
        // Erratum 383: the new translation has another page size; the stale entry stays, and the
        // lookup that completes the access matches both.
        c.tlb.fill(fresh, a.ev, c.id);
        c.stats.fillsDemand++;
        c.stats.lookups++;
        if (c.tlb.lookup(a.va).count >= 2) raiseMachineCheck(a, r);
        else accessDone(a, w.frame, w.size, false, r);
        return r;
    }
    c.stats.entriesFlushed += c.tlb.invalidatePage(a.va, FlushKind::Replace, a.ev, c.id);
    fillReplacing(c, fresh, a.ev);
    c.stats.fillsDemand++;
    accessDone(a, w.frame, w.size, false, r);
    return r;
}

OpResult Machine::accessMiss(const Access& a) {
    Cpu& c = a.cpu;
    OpResult r;
    c.stats.misses++;
    addEvent(a.ev, EventKind::TlbMiss, c.id).va(a.va);
    WalkResult w = walk(m_mem, c.regs, a.va);
    if (!walkChecked(a, w, "walk", r)) return r;
    fillReplacing(c, entryFrom(c, w, Origin::Demand), a.ev);
    c.stats.fillsDemand++;
    accessDone(a, w.frame, w.size, false, r);
    return r;
}

// Checks the access against a walk made under the current CR3. On success sets A/D and returns
// true; otherwise raises the page fault and returns false.
inline bool Machine::walkChecked(const Access& a, WalkResult& w, const char* why, OpResult& r) {
    Cpu& c = a.cpu;
    c.stats.walks++;
    walkEvent(a.ev, c.id, a.va, w, why);
    if (!w.ok()) {
        accessFault(a, walkFaultCode(w, c.regs, a.type, a.mode), r);
        return false;
    }
    if (const u32 ec = permissionFault(w.user, w.writable, w.nx, c.regs, a.type, a.mode)) {
        accessFault(a, ec, r);
        return false;
    }
    std::array<EntryChange, 2> ch{};
    const int n = setAccessedDirty(m_mem, w, a.write(), ch);
    for (int i = 0; i < n; ++i) {
        const EntryChange& x = ch[static_cast<std::size_t>(i)];
        // A is a reserved bit in a PDPTE: a table that is also a PDPT (a PDPTE pointing at its own
        // table) gets a PDPTE that would #GP on its next load, written by the walk, not by writeEntry.
        if (!m_pdptMayBeBad && inSomePdpt(x.pa)) m_pdptMayBeBad = true;
        addEvent(a.ev, EventKind::TableWrite, c.id).pa(x.pa).before(x.before).after(x.after).detail("A/D update");
    }
    return true;
}

void Machine::accessFault(const Access& a, u32 ec, OpResult& r) {
    Cpu& c = a.cpu;
    c.stats.pageFaults++;
    pageFaultEvent(a.ev, c.id, a.va, ec, a.type, a.mode);
    const unsigned n = c.tlb.invalidatePage(a.va, FlushKind::PageFault, a.ev, c.id);
    c.stats.flushPageFault++;
    c.stats.entriesFlushed += n;
    r.outcome = OpResult::Outcome::PageFault;
    r.errorCode = ec;
}

OpResult Machine::predictAccess(int cpu, u32 va, AccessType acc, Mode mode) const {
    Machine scratch = *this;
    return scratch.access(cpu, va, acc, mode, nullptr);
}

void Machine::speculate(Cpu& c, u32 va, EventList* ev) {
    // A walk under the current CR3 with supervisor rights and no access type; fills only if
    // every level is present; never faults and sets no A/D bit (lessons/README.md, "Model
    // conventions").
    WalkResult w = walk(m_mem, c.regs, va);
    if (!w.ok()) {
        if (ev)
            addEvent(ev, EventKind::SpeculationNone, c.id)
                .va(va)
                .detail(w.fail == WalkFail::PagingOff
                            ? std::string("paging is off")
                            : fmt::format("{} at {}", w.fail == WalkFail::Reserved ? "reserved bits" : "not present",
                                          w.failLevel == 0 ? "PDPTE" : w.failLevel == 1 ? "PDE" : "PTE"));
        return;
    }
    if (c.tlb.lookup(va).count > 0) {
        addEvent(ev, EventKind::SpeculationNone, c.id).va(va).detail("already cached");
        return;
    }
    walkEvent(ev, c.id, va, w, "speculative walk", Origin::Speculative);
    fillReplacing(c, entryFrom(c, w, Origin::Speculative), ev);
    c.stats.fillsSpeculative++;
}

void Machine::randomSpeculation(EventList* ev) {
    if (!m_spec.random || m_hot.empty()) return;
    const u64 threshold = static_cast<u64>(m_spec.rate * 18446744073709551615.0);
    for (auto& c : m_cpus) {
        if (c.state != CpuState::Online && c.state != CpuState::Booting) continue;
        u64 roll = nextRandom();
        if (m_spec.rate < 1.0 && roll >= threshold) continue;
        u32 va = m_hot[static_cast<std::size_t>(nextRandom() % m_hot.size())];
        speculate(c, va, ev);
    }
}

// ---------------------------------------------------------------------------------------------
// Page tables

u64 Machine::newTable(const std::string& name, EventList* ev) {
    u64 pa = m_mem.allocFrame(name);
    addEvent(ev, EventKind::TableCreate).pa(pa).detail(name);
    return pa;
}

void Machine::reserveTables(const Op& op, std::size_t count) const {
    if (m_mem.frameCount() + count > kMaxPageTables)
        throw OpError(op.loc, fmt::format("too many page tables: this needs {} more, the machine has {} and the "
                                          "limit is {}",
                                          count, m_mem.frameCount(), kMaxPageTables));
}

void Machine::writeEntry(u64 pa, u64 value, EventList* ev, const std::string& why) {
    u64 old = m_mem.read64(pa);
    if (old == value) return;
    // A present entry with PDPTE-reserved bits where a PDPT is or may become one (an entry 0..3 of a
    // table): noted for execute, which then checks the PDPTs before a kernel path.
    if (!m_pdptMayBeBad && (value & pae::P) && (value & pae::kPdpteReserved) && ((pa & 0xfff) < 32 || inSomePdpt(pa)))
        m_pdptMayBeBad = true;
    m_mem.write64(pa, value);
    addEvent(ev, EventKind::TableWrite).pa(pa).before(old).after(value).detail(why);
}

void Machine::map(const Op& op, u64 table, EventList* ev) {
    const u64 va0 = op.a, pa0 = op.pa(), len = op.length();
    const u32 step = pageBytes(op.size);
    if (va0 + len > (u64{1} << 32))
        throw OpError(op.argLoc(3), "mapping runs past the end of the 32-bit linear address space");
    const std::string tname = tableName(table);
    u64 leafFlags = pae::P;
    if (op.flags & MAP_USER) leafFlags |= pae::US;
    if (op.flags & MAP_RW) leafFlags |= pae::RW;
    if (op.flags & MAP_GLOBAL) leafFlags |= pae::G;
    if (op.flags & MAP_NX) leafFlags |= pae::XD;
    if (op.flags & MAP_ACCESSED) leafFlags |= pae::A;
    if (op.flags & MAP_DIRTY) leafFlags |= pae::D;
    if (op.size == PageSize::M2) leafFlags |= pae::PS;

    // Limits (hostile input): the work of this map and the page tables it creates.
    if (m_mapWork + len / step > kMaxMapWork)
        throw OpError(op.argLoc(3), fmt::format("map/unmap limit: this machine has mapped and unmapped {} pages, "
                                                "this map adds {}, the limit is {}",
                                                m_mapWork, len / step, kMaxMapWork));
    {
        std::size_t tables = 0;
        std::array<bool, 4> newPmd{};
        for (u64 r = va0 & ~u64{0x1fffff}; r < va0 + len; r += 0x200000) {
            const u32 va = static_cast<u32>(r);
            u64 pdpte = m_mem.read64(pae::pdpteAddress(table, va));
            if (!(pdpte & pae::P)) {
                newPmd[pae::pdptIndex(va)] = true;
                if (op.size == PageSize::K4) ++tables;
            } else if (op.size == PageSize::K4 &&
                       !(m_mem.read64(pae::pdeAddress(pdpte, va)) & pae::P)) {
                ++tables;
            }
        }
        for (bool b : newPmd) tables += b ? 1 : 0;
        reserveTables(op, tables);
    }

    // Validate the whole range before writing anything.
    for (u64 off = 0; off < len; off += step) {
        const u32 va = static_cast<u32>(va0 + off);
        u64 pdpte = m_mem.read64(pae::pdpteAddress(table, va));
        if (!(pdpte & pae::P)) continue;
        u64 pde = m_mem.read64(pae::pdeAddress(pdpte, va));
        if (op.size == PageSize::K4 && (pde & pae::P) && (pde & pae::PS))
            throw OpError(op.argLoc(1), fmt::format("{} is already mapped by a 2M page in {}; unmap it first",
                                                    hex32(va), tname));
        if (op.size == PageSize::M2 && (pde & pae::P) && !(pde & pae::PS))
            throw OpError(op.argLoc(1), fmt::format("{} is covered by a page table in {}; unmap its 4K pages "
                                                    "first",
                                                    hex32(va), tname));
    }
    for (u64 off = 0; off < len; off += step) {
        const u32 va = static_cast<u32>(va0 + off);
        const u64 pa = pa0 + off;
        const u64 pdpteAddr = pae::pdpteAddress(table, va);
        u64 pdpte = m_mem.read64(pdpteAddr);
        if (!(pdpte & pae::P)) {
            u64 pmd = newTable(fmt::format("{} pmd{}", tname, pae::pdptIndex(va)), ev);
            pdpte = pmd | pae::LINUX_PDPTE;
            writeEntry(pdpteAddr, pdpte, ev, "map: new page directory");
        }
        const u64 pdeAddr = pae::pdeAddress(pdpte, va);
        if (op.size == PageSize::M2) {
            writeEntry(pdeAddr, (pa & pae::kFrame2M) | leafFlags, ev, "map 2M");
            continue;
        }
        u64 pde = m_mem.read64(pdeAddr);
        if (!(pde & pae::P)) {
            u64 pt = newTable(fmt::format("{} pt {}", tname, hex32(va & pageMask(PageSize::M2))), ev);
            pde = pt | pae::LINUX_PAGE_TABLE;
            writeEntry(pdeAddr, pde, ev, "map: new page table (_PAGE_TABLE)");
        }
        writeEntry(pae::pteAddress(pde, va), (pa & pae::kFrame4K) | leafFlags, ev, "map 4K");
    }
    m_mapWork += len / step;
}

void Machine::unmap(const Op& op, u64 table, EventList* ev) {
    const u64 va0 = op.a, len = op.length();
    if (va0 + len > (u64{1} << 32))
        throw OpError(op.argLoc(2), "range runs past the end of the 32-bit linear address space");
    if (m_mapWork + len / 0x1000 > kMaxMapWork)
        throw OpError(op.argLoc(2), fmt::format("map/unmap limit: this machine has mapped and unmapped {} pages, "
                                                "this unmap adds {}, the limit is {}",
                                                m_mapWork, len / 0x1000, kMaxMapWork));
    // Validate: a 2M page must be unmapped whole.
    for (u64 off = 0; off < len;) {
        const u32 va = static_cast<u32>(va0 + off);
        u64 pdpte = m_mem.read64(pae::pdpteAddress(table, va));
        u64 pde = (pdpte & pae::P) ? m_mem.read64(pae::pdeAddress(pdpte, va)) : 0;
        if ((pde & pae::P) && (pde & pae::PS)) {
            if ((va & 0x1fffff) != 0 || off + 0x200000 > len)
                throw OpError(op.argLoc(1), fmt::format("{} is inside a 2M page; unmap the whole 2M page",
                                                        hex32(va)));
            off += 0x200000;
        } else {
            off += 0x1000;
        }
    }
    for (u64 off = 0; off < len;) {
        const u32 va = static_cast<u32>(va0 + off);
        u64 pdpte = m_mem.read64(pae::pdpteAddress(table, va));
        if (!(pdpte & pae::P)) { off += 0x1000; continue; }
        const u64 pdeAddr = pae::pdeAddress(pdpte, va);
        u64 pde = m_mem.read64(pdeAddr);
        if ((pde & pae::P) && (pde & pae::PS)) {
            writeEntry(pdeAddr, 0, ev, "unmap 2M");
            off += 0x200000;
        } else {
            if (pde & pae::P) writeEntry(pae::pteAddress(pde, va), 0, ev, "unmap 4K");
            off += 0x1000;
        }
    }
    m_mapWork += len / 0x1000;  // counted even where nothing was mapped: the scan is the work
}

// ---------------------------------------------------------------------------------------------
// Execution

void Machine::checkCpuExists(const Op& op, int cpu, std::size_t argIndex) const {
    SourceLoc where = argIndex == 99 ? op.loc : op.argLoc(argIndex);
    if (cpu < 0 || cpu >= static_cast<int>(m_cpus.size()))
        throw OpError(where, fmt::format("no cpu{}: the machine has {} CPUs (cpu0..cpu{})", cpu, m_cpus.size(),
                                         m_cpus.size() - 1));
}

void Machine::checkCpu(const Op& op, int cpu, std::size_t argIndex) const {
    checkCpuExists(op, cpu, argIndex);
    SourceLoc where = argIndex == 99 ? op.loc : op.argLoc(argIndex);
    const Cpu& c = m_cpus[static_cast<std::size_t>(cpu)];
    if (c.state == CpuState::Halted)
        throw OpError(where, fmt::format("cpu{} is halted{}; it runs nothing more", cpu,
                                         c.mc0Status ? " by a machine check" : " (the kernel panicked)"));
}

u64 Machine::requireTable(const Op& op, std::size_t argIndex) const {
    auto t = m_mem.frameNamed(op.name);
    if (!t) {
        std::vector<std::string> names;
        for (const auto& [pa, n] : m_mem.symbols()) names.push_back(n);
        std::string s = suggest(op.name, names);
        throw OpError(op.argLoc(argIndex), fmt::format("unknown table '{}'{}", op.name,
                                                       s.empty() ? "" : fmt::format("; did you mean '{}'?", s)));
    }
    return *t;
}

OpResult Machine::execute(const Op& op, EventList* ev) {
    try {
        if (static_cast<std::size_t>(op.code) >= opSpecs().size())
            throw OpError(op.loc, "internal: an operation code outside the op table");
        // CPU instructions and page-table ops check everything before they change anything. A
        // kernel path fails part-way only on a PDPTE load's #GP (a MOV CR3 inside switch_mm after
        // the call stack and cpumask changed), which needs a PDPT with reserved bits it may load:
        // then it runs on a copy (frames are shared copy-on-write), kept on success.
        if (!opSpec(op.code).kernel || !m_pdptMayBeBad || everyPdptLoadable()) return executeOp(op, ev);
        Machine next = *this;
        OpResult r = next.executeOp(op, ev);
        *this = std::move(next);
        return r;
    } catch (const OpError& e) {
        if (e.loc().line != 0 || op.loc.line == 0) throw;
        throw OpError(op.loc, e.what());  // an error deep in the kernel layer names the op's place
    }
}

template <typename F>
bool Machine::everyPdptBase(F&& f) const {
    for (const Cpu& c : m_cpus)
        if (!f(c.regs.cr3 & pae::kCr3PdptMask)) return false;
    for (const Mm& mm : m_mms)
        if (!f(mm.pgd & pae::kCr3PdptMask)) return false;
    return f(m_kernel.swapperPgDir & pae::kCr3PdptMask) && f(m_kernel.trampolinePgDir & pae::kCr3PdptMask);
}

bool Machine::inSomePdpt(u64 pa) const {
    return !everyPdptBase([pa](u64 base) { return !(base && pa >= base && pa < base + 32); });
}

bool Machine::everyPdptLoadable() const {
    // Each PDPT once (the CPUs mostly share their mms' pgds); past 16 of them, say no: the caller
    // then takes the copy, which is always right.
    std::array<u64, 16> seen{};
    std::size_t n = 0;
    return everyPdptBase([&](u64 base) {
        if (!base || std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n), base) != seen.begin() + static_cast<std::ptrdiff_t>(n))
            return true;
        if (n == seen.size()) return false;
        seen[n++] = base;
        return pdptesLoadable(m_mem, -1, base, "", nullptr);
    });
}

OpResult Machine::executeOp(const Op& op, EventList* ev) {
    const OpSpec& spec = opSpec(op.code);
    if (op.cpu >= 0 || spec.onCpu) checkCpu(op, op.cpu, 99);
    OpResult r;
    if (spec.run) r = (this->*spec.run)(op, ev);
    else (KernelOps(*this, ev).*spec.kernel)(op);
    if (spec.cls == OpClass::Predict) return r;  // no step side effects, no random speculation

    if (!r.output.empty()) addEvent(ev, EventKind::Output, op.cpu).detail(r.output);
    if (touchesMachine(op.code)) m_touched = true;
    if (spec.onCpu && spec.cls == OpClass::State) randomSpeculation(ev);
    ++m_step;
    return r;
}

void Machine::requireOnline(const Op& op, int cpu) const {
    if (m_cpus[static_cast<std::size_t>(cpu)].state == CpuState::Offline)
        throw OpError(op.loc, fmt::format("cpu{} is offline; bring it up with native_cpu_up first", cpu));
}

void Machine::setupOnly(const Op& op) const {
    if (m_touched)
        throw OpError(op.loc, fmt::format("'{}' sets the machine up and must come before any other operation",
                                          opKeyword(op.code)));
}

// ---- set-up ----------------------------------------------------------------------------------

OpResult Machine::runCpus(const Op& op, EventList*) {
    setupOnly(op);
    if (op.value() < 1 || op.value() > kMaxCpus)
        throw OpError(op.argLoc(0), fmt::format("cpus must be between 1 and {}", kMaxCpus));
    setCpus(static_cast<int>(op.value()));
    return {};
}

OpResult Machine::runCpuModel(const Op& op, EventList*) {
    CpuModel m{};
    if (!parseCpuModel(op.name, m)) throw OpError(op.argLoc(0), "unknown cpu model '" + op.name + "'");
    m_model = m;
    return {};
}

OpResult Machine::runTlbPreset(const Op& op, EventList*) {
    setupOnly(op);
    TlbConfig cfg;
    if (!TlbConfig::byName(op.name, cfg)) {
        std::string s = suggest(op.name, TlbConfig::presetNames());
        throw OpError(op.argLoc(0),
                      "unknown TLB preset '" + op.name + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"));
    }
    m_tlbConfig = cfg;
    for (auto& c : m_cpus) c.tlb = Tlb(m_tlbConfig);
    return {};
}

OpResult Machine::runKernelVariant(const Op& op, EventList*) {
    if (m_kernel.booted) throw OpError(op.loc, "kernel_variant must come before kernel_boot");
    KernelVariant v{};
    if (!parseKernelVariant(op.name, v)) throw OpError(op.argLoc(0), "unknown kernel variant '" + op.name + "'");
    m_kernel.variant = v;
    return {};
}

OpResult Machine::runSeed(const Op& op, EventList*) {
    m_rng = op.value();
    return {};
}

OpResult Machine::runSpeculation(const Op& op, EventList*) {
    m_spec.random = op.randomSpeculation();
    m_spec.rate = op.rate();
    return {};
}

// ---- page tables -----------------------------------------------------------------------------

OpResult Machine::runTable(const Op& op, EventList* ev) {
    if (m_mem.frameNamed(op.name)) throw OpError(op.argLoc(0), "a table named '" + op.name + "' already exists");
    reserveTables(op, 1);
    newTable(op.name, ev);
    return {};
}

OpResult Machine::runMap(const Op& op, EventList* ev) {
    map(op, requireTable(op, 0), ev);
    return {};
}

OpResult Machine::runUnmap(const Op& op, EventList* ev) {
    unmap(op, requireTable(op, 0), ev);
    return {};
}

OpResult Machine::runClonePgdRange(const Op& op, EventList* ev) {
    const u64 t = requireTable(op, 0);
    const unsigned dst = op.pdptDst(), src = op.pdptSrc();
    const u64 count = op.value();
    if (op.a > 3 || op.b > 3 || count > 4 || dst + count > 4 || src + count > 4)
        throw OpError(op.argLoc(1), "clone_pgd_range: indices and count must stay within the 4 PDPT entries");
    for (unsigned i = 0; i < count; ++i)
        writeEntry(pae::entryAddress(t, dst + i), m_mem.read64(pae::entryAddress(t, src + i)), ev,
                   fmt::format("clone_pgd_range {}[{}] = {}[{}]", op.name, dst + i, op.name, src + i));
    return {};
}

OpResult Machine::runWriteEntry(const Op& op, EventList* ev) {
    const u64 t = requireTable(op, 0);
    const u32 va = op.va();
    u64 addr = pae::pdpteAddress(t, va);
    for (unsigned level = 1; level <= op.level(); ++level) {
        const u64 parent = m_mem.read64(addr);
        if (!(parent & pae::P) || (level == 2 && (parent & pae::PS)))
            throw OpError(op.argLoc(2), fmt::format("no {} for {}: the level above is {}", level == 1 ? "PDE" : "PTE",
                                                    hex32(va), (parent & pae::P) ? "a 2M page" : "not present"));
        addr = pae::childEntryAddress(parent, static_cast<int>(level), va);
    }
    writeEntry(addr, op.value(), ev, "write_entry");
    return {};
}

// ---- CPU instructions ------------------------------------------------------------------------

OpResult Machine::runLoadCr3(const Op& op, EventList* ev) {
    const u64 t = requireTable(op, 0);
    Cpu& c = cpuMut(op.cpu);
    if (m_kernel.booted) KernelOps(*this, ev).loadCr3(c, t);
    else if (!movCr3(c, static_cast<u32>(t), ev))
        throw OpError(op.loc, "MOV CR3 raised #GP: a present PDPTE of '" + op.name + "' has reserved bits set");
    return {};
}

OpResult Machine::runAccess(const Op& op, EventList* ev) {
    requireOnline(op, op.cpu);
    noteHot(op.va());
    return access(op.cpu, op.va(), op.access, op.mode, ev);
}

// NOLINTNEXTLINE(readability-make-member-function-const): the op table calls every row through one signature
OpResult Machine::runTranslate(const Op& op, EventList* ev) {
    OpResult r = predictAccess(op.cpu, op.va(), op.access, op.mode);
    if (ev)
        addEvent(ev, EventKind::Translate, op.cpu)
            .va(op.a)
            .pa(r.pa)
            .size(r.size)
            .detail("{} {} would give {}{}", accessName(op.access), modeName(op.mode), outcomeName(r.outcome),
                    r.outcome == OpResult::Outcome::Ok
                        ? fmt::format(" {} ({})", hex(r.pa), r.tlbHit ? "TLB hit" : "walk")
                        : std::string());
    return r;
}

OpResult Machine::runSpeculate(const Op& op, EventList* ev) {
    requireOnline(op, op.cpu);
    noteHot(op.va());
    speculate(cpuMut(op.cpu), op.va(), ev);
    return {};
}

OpResult Machine::runInvlpg(const Op& op, EventList* ev) {
    requireOnline(op, op.cpu);
    Cpu& c = cpuMut(op.cpu);
    const unsigned n = c.tlb.invalidatePage(op.va(), FlushKind::Invlpg, ev, c.id);
    c.stats.invlpg++;
    c.stats.entriesFlushed += n;
    return {};
}

OpResult Machine::runFlush(const Op& op, EventList* ev) {
    requireOnline(op, op.cpu);
    Cpu& c = cpuMut(op.cpu);
    if (!movCr3(c, c.regs.cr3, ev)) throw OpError(op.loc, "MOV CR3 raised #GP: reserved bits in a PDPTE");
    return {};
}

OpResult Machine::runFlushAll(const Op& op, EventList* ev) {
    requireOnline(op, op.cpu);
    Cpu& c = cpuMut(op.cpu);
    const u32 cr4 = c.regs.cr4;
    if (!movCr4(c, cr4 ^ pae::CR4_PGE, ev) || !movCr4(c, cr4, ev))
        throw OpError(op.loc, "MOV CR4 raised #GP: a present PDPTE has reserved bits set");
    c.stats.flushAll++;
    return {};
}

OpResult Machine::runSet(const Op& op, EventList* ev) {
    Cpu& c = cpuMut(op.cpu);
    const bool on = op.value() != 0;
    if (op.reg == Reg::Cr4Pge) {
        const u32 v = on ? (c.regs.cr4 | pae::CR4_PGE) : (c.regs.cr4 & ~pae::CR4_PGE);
        const bool changes = v != c.regs.cr4;
        if (!movCr4(c, v, ev)) throw OpError(op.loc, "MOV CR4 raised #GP: a present PDPTE has reserved bits set");
        if (changes) c.stats.flushAll++;
    } else if (op.reg == Reg::Cr0Wp) {
        const u32 v = on ? (c.regs.cr0 | pae::CR0_WP) : (c.regs.cr0 & ~pae::CR0_WP);
        addEvent(ev, EventKind::Cr0Write, c.id).before(c.regs.cr0).after(v);
        c.regs.cr0 = v;  // WP is not one of the bits that reload PDPTEs or flush the TLB
    } else {
        const u64 v = on ? (c.regs.efer | pae::EFER_NXE) : (c.regs.efer & ~pae::EFER_NXE);
        addEvent(ev, EventKind::EferWrite, c.id).before(c.regs.efer).after(v);
        c.regs.efer = v;
    }
    return {};
}

// ---- inspection ------------------------------------------------------------------------------

OpResult Machine::runShowCpu(const Op& op, EventList*) {
    checkCpuExists(op, op.target, 0);
    OpResult r;
    r.output = showCpu(op.target);
    return r;
}

OpResult Machine::runShowTlb(const Op& op, EventList*) {
    checkCpuExists(op, op.target, 0);
    OpResult r;
    r.output = showTlb(op.target);
    return r;
}

OpResult Machine::runShowTable(const Op& op, EventList*) {
    OpResult r;
    r.output = showTable(requireTable(op, 0));
    return r;
}

// ---------------------------------------------------------------------------------------------
// Text renderings

std::string Machine::showCpu(int i) const {
    const Cpu& c = cpu(i);
    std::string s = fmt::format("cpu{}: {}  CPL {}  CR0 {}  CR3 {} ({})  CR4 {}  EFER {}\n", c.id,
                                cpuStateName(c.state), c.cpl, hex32(c.regs.cr0), hex32(c.regs.cr3),
                                tableName(c.regs.cr3).empty() ? "?" : tableName(c.regs.cr3), hex32(c.regs.cr4),
                                hex(c.regs.efer));
    s += fmt::format("  PG {} WP {} PAE {} PSE {} PGE {} NXE {}\n", (c.regs.cr0 & pae::CR0_PG) ? 1 : 0,
                     c.regs.wp() ? 1 : 0, (c.regs.cr4 & pae::CR4_PAE) ? 1 : 0, (c.regs.cr4 & pae::CR4_PSE) ? 1 : 0,
                     c.regs.pge() ? 1 : 0, c.regs.nxe() ? 1 : 0);
    for (unsigned k = 0; k < 4; ++k)
        s += fmt::format("  PDPTE{} {} {}\n", k, hex(c.regs.pdpte[k]), pae::describeEntry(c.regs.pdpte[k], 0));
    s += fmt::format("  MCG_STATUS {}  MC0_STATUS {}\n", hex(c.mcgStatus), hex(c.mc0Status));
    if (c.currentTask >= 0)
        s += fmt::format("  task {}  active_mm {}  {}\n", m_tasks[static_cast<std::size_t>(c.currentTask)].name,
                         c.activeMm >= 0 ? m_mms[static_cast<std::size_t>(c.activeMm)].name : "-",
                         tlbStateName(c.tlbState));
    if (!c.callStack.empty()) {
        s += "  kernel:";
        s += " " + c.callStack.text(" ");
        if (!c.waitingFor.empty()) s += " (waiting for " + c.waitingFor.text() + ")";
        s += "\n";
    }
    return s;
}

std::string Machine::showTlb(int i) const {
    const Cpu& c = cpu(i);
    std::string s = fmt::format("cpu{} TLB ({} preset, {} entries)\n", c.id, m_tlbConfig.preset, c.tlb.size());
    for (const auto& arr : c.tlb.arrays()) {
        for (std::size_t k = 0; k < arr.entries.size(); ++k) {
            if (!arr.valid[k]) continue;
            const TlbEntry& e = arr.entries[k];
            s += fmt::format("  {:<11} #{:<4} {} {} -> {} {}{}{}{} {} step {}\n", arr.config.name, e.id, hex32(e.va),
                             pageSizeName(e.size), hex(e.pa), e.global ? "G " : "", e.user ? "U " : "S ",
                             e.writable ? "RW " : "RO ", e.nx ? "NX" : "", originName(e.origin), e.step);
        }
    }
    return s;
}

namespace {
// Calls `line(index, raw)` for the first `limit` present entries of the table at `table`; returns
// whether more present entries were left.
template <typename Line>
bool forPresentEntries(const PhysMemory& mem, u64 table, int limit, Line line) {
    int shown = 0;
    for (unsigned i = 0; i < 512; ++i) {
        const u64 raw = mem.read64(pae::entryAddress(table, i));
        if (!(raw & pae::P)) continue;
        if (++shown > limit) return true;
        line(i, raw);
    }
    return false;
}
}  // namespace

std::string Machine::showTable(u64 pdpt) const {
    std::string s = fmt::format("{} @ {}\n", tableName(pdpt), hex(pdpt));
    for (unsigned i = 0; i < 4; ++i) {
        u64 e = m_mem.read64(pae::entryAddress(pdpt, i));
        if (!(e & pae::P)) continue;
        u64 pd = e & pae::kFrame4K;
        s += fmt::format("  pgd[{}] {} -> {} ({})\n", i, hex(e), hex(pd), tableName(pd));
        const bool morePdes = forPresentEntries(m_mem, pd, 16, [&](unsigned j, u64 pde) {
            const u32 va = (i << 30) | (j << 21);
            s += fmt::format("    pde[{}] {} {} {}\n", j, hex32(va), hex(pde), pae::describeEntry(pde, 1));
            if (pde & pae::PS) return;
            const bool morePtes = forPresentEntries(m_mem, pde & pae::kFrame4K, 8, [&](unsigned k, u64 pte) {
                s += fmt::format("      pte[{}] {} {} {}\n", k, hex32(va | (k << 12)), hex(pte),
                                 pae::describeEntry(pte, 2));
            });
            if (morePtes) s += "      ...\n";
        });
        if (morePdes) s += "    ...\n";
    }
    return s;
}

void Machine::restoreAfterCpuOp(const Machine& o, int cpu) {
    m_cpus[static_cast<std::size_t>(cpu)] = o.m_cpus[static_cast<std::size_t>(cpu)];
    m_mem = o.m_mem;
    m_rng = o.m_rng;
    m_hot = o.m_hot;
    m_step = o.m_step;
    m_nextEntryId = o.m_nextEntryId;
    m_mapWork = o.m_mapWork;
    m_configured = o.m_configured;
    m_touched = o.m_touched;
    m_pdptMayBeBad = o.m_pdptMayBeBad;
}

}  // namespace tlblab

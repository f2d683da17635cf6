// SPDX-License-Identifier: GPL-3.0-or-later
#include "kernel_ops.hpp"

#include "event_builder.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tlblab {

namespace {
constexpr unsigned kKernelPgdBoundary = 3;  // pgd_index(PAGE_OFFSET = 0xC0000000)
constexpr unsigned kKernelPgdPtrs = 1;      // PTRS_PER_PGD - KERNEL_PGD_BOUNDARY
constexpr u64 kPageKernelLarge = pae::P | pae::RW | pae::A | pae::D | pae::PS | pae::G;
constexpr u64 kDefaultLowmem = 896ull << 20;
// Kernel text: CONFIG_PHYSICAL_START = 16 MiB; the first 8 MiB above it are mapped executable
// (PAGE_KERNEL_LARGE_EXEC), the rest of lowmem NX (PAGE_KERNEL_LARGE).
constexpr u64 kTextStart = 16ull << 20, kTextEnd = 24ull << 20;
}  // namespace

// ---- kernel state as data ----------------------------------------------------------------------

const char* kernelFnName(KernelFn f) {
    switch (f) {
    case KernelFn::CpuIdle: return "cpu_idle";
    case KernelFn::Schedule: return "schedule";
    case KernelFn::SwitchMm: return "switch_mm";
    case KernelFn::LeaveMm: return "leave_mm";
    case KernelFn::LoadCr3: return "load_cr3";
    case KernelFn::FlushTlb: return "__flush_tlb";
    case KernelFn::FlushTlbAllLocal: return "__flush_tlb_all";
    case KernelFn::FlushTlbAllFixFlush: return "__flush_tlb_all (fix-flush)";
    case KernelFn::FlushTlbAll: return "flush_tlb_all";
    case KernelFn::DoFlushTlbAll: return "do_flush_tlb_all";
    case KernelFn::NativeCpuUp: return "native_cpu_up";
    case KernelFn::ClonePgdRange: return "clone_pgd_range";
    case KernelFn::DoBootCpu: return "do_boot_cpu";
    case KernelFn::StartupSmp: return "startup_32_smp";
    case KernelFn::StartSecondary: return "start_secondary";
    case KernelFn::SmpCallin: return "smp_callin";
    case KernelFn::NextZapLowMappings: return "(next: zap_low_mappings)";
    case KernelFn::ZapLowMappings: return "zap_low_mappings";
    case KernelFn::CpuDown: return "cpu_down";
    case KernelFn::IdleTaskExit: return "idle_task_exit";
    case KernelFn::PlayDead: return "play_dead";
    case KernelFn::DoMachineCheck: return "do_machine_check";
    case KernelFn::Panic: return "panic";
    case KernelFn::StopThisCpu: return "stop_this_cpu";
    }
    return "?";
}

KernelStack::KernelStack(std::initializer_list<KernelFn> fns) {
    for (KernelFn f : fns)
        if (!full()) push(f);
}

std::string KernelStack::text(const char* sep) const {
    std::string s;
    for (KernelFn f : *this) s += (s.empty() ? "" : sep) + std::string(kernelFnName(f));
    return s;
}

std::array<u64, 2> KernelStack::stateWords() const {
    std::array<u64, 2> w{m_size, 0};
    for (std::size_t i = 0; i < m_size; ++i) w[(i + 1) / 8] |= static_cast<u64>(m_fn[i]) << (8 * ((i + 1) % 8));
    return w;
}

bool KernelStack::operator==(const KernelStack& o) const { return std::equal(begin(), end(), o.begin(), o.end()); }

std::string KernelWait::text() const {
    switch (kind) {
    case Kind::None: return "";
    case Kind::Callin: return fmt::format("cpu{} callin", cpu);
    case Kind::Online: return fmt::format("cpu{} online", cpu);
    case Kind::LowMappingsZero: return "low_mappings == 0";
    case Kind::IpiAcks: return "IPI acknowledgements";
    }
    return "";
}

const char* kernelStepName(KernelStep s) {
    switch (s) {
    case KernelStep::None: return "";
    case KernelStep::FlushSendIpis: return "flush_tlb_all: sends the flush IPI to every other online CPU";
    case KernelStep::FlushLocal: return "flush_tlb_all: every CPU acknowledged; do_flush_tlb_all here, return";
    case KernelStep::SetLowMappings: return "native_cpu_up: low_mappings = 1";
    case KernelStep::SendInit: return "do_boot_cpu: sends INIT";
    case KernelStep::SendStartup: return "do_boot_cpu: sends the two STARTUP IPIs, then polls for the callin";
    case KernelStep::BootReturn: return "do_boot_cpu: sees the callin and returns";
    case KernelStep::ClearLowMappings: return "native_cpu_up: zap_low_mappings returned; low_mappings = 0";
    case KernelStep::Trampoline: return "startup_32_smp: the trampoline turns paging on";
    case KernelStep::SecondaryLoadCr3: return "start_secondary: load_cr3(swapper_pg_dir)";
    case KernelStep::SecondaryFlush: return "start_secondary: __flush_tlb_all";
    case KernelStep::Callin: return "start_secondary: smp_callin";
    case KernelStep::MarkOnline: return "start_secondary: set_cpu_online";
    }
    return "";
}

const char* ipiStageName(IpiStage s) {
    switch (s) {
    case IpiStage::None: return "";
    case IpiStage::Pending: return "takes the flush IPI: do_flush_tlb_all, __flush_tlb_all";
    case IpiStage::Flushed: return "in do_flush_tlb_all: leave_mm if lazy, else the acknowledgement";
    case IpiStage::LeftMm: return "in do_flush_tlb_all: acknowledges the IPI";
    }
    return "";
}

std::array<u64, 2> KernelState::stateWords() const {
    return {u64{booted} | (u64{lowMappings} << 1) | (u64{callinDone} << 2) | (u64{panicked} << 3) |
                (u64{fineSteps} << 4) | (static_cast<u64>(variant) << 8),
            static_cast<u64>(static_cast<std::uint8_t>(bootingCpu)) |
                (static_cast<u64>(static_cast<std::uint8_t>(bootingBy)) << 8) |
                (static_cast<u64>(static_cast<std::uint8_t>(flushBy)) << 16)};
}

void KernelOps::keepFirstTlbLevel(Machine& machine, unsigned fullyAssociativeWays) {
    KernelHost m(machine);
    TlbConfig& cfg = m.tlbConfig();
    if (cfg.levels.size() > 1) cfg.levels.resize(1);
    for (auto& arr : cfg.levels.front().arrays)
        if (arr.ways == arr.entries && arr.ways > fullyAssociativeWays) arr.ways = arr.entries = fullyAssociativeWays;
    for (Cpu& c : m.cpus()) {
        std::vector<TlbEntry> entries = c.tlb.entries();
        std::stable_sort(entries.begin(), entries.end(),
                         [](const TlbEntry& a, const TlbEntry& b) { return a.lastUse < b.lastUse; });
        Tlb t(cfg);
        for (const TlbEntry& e : entries) t.fill(e, nullptr, c.id);
        c.tlb = std::move(t);
    }
}

void KernelOps::enter(Cpu& c, KernelFn fn) {
    if (c.callStack.full())
        throw OpError(SourceLoc{}, fmt::format("cpu{}: kernel call stack too deep ({})", c.id, c.callStack.text(" > ")));
    c.callStack.push(fn);
    c.cpl = 0;
    addEvent(m_ev, EventKind::KernelEnter, c.id).detail(kernelFnName(fn));
}

void KernelOps::leave(Cpu& c, KernelFn fn) {
    if (!c.callStack.empty() && c.callStack.back() == fn) c.callStack.pop();
    addEvent(m_ev, EventKind::KernelExit, c.id).detail(kernelFnName(fn));
    restoreCpl(c);
}

void KernelOps::restoreCpl(Cpu& c) {
    c.cpl = (c.callStack.empty() && isUserTask(c.currentTask)) ? 3 : 0;
}

bool KernelOps::isUserTask(int task) const {
    return task >= 0 && m_m.tasks()[static_cast<std::size_t>(task)].mm >= 0;
}

void KernelOps::ipi(Cpu& from, Cpu& to, const char* what, bool received) {
    addEvent(m_ev, EventKind::IpiSend, from.id).other(to.id).detail(what);
    if (received) addEvent(m_ev, EventKind::IpiReceive, to.id).other(from.id).detail(what);
}

void KernelOps::setState(Cpu& c, CpuState s, const char* why) {
    if (c.state != s)
        addEvent(m_ev, EventKind::CpuState, c.id)
            .before(static_cast<u64>(c.state))
            .after(static_cast<u64>(s))
            .detail(why);
    c.state = s;
}

void KernelOps::requireBooted(const Op& op) const {
    if (!m_m.kernel().booted)
        throw OpError(op.loc, fmt::format("'{}' needs the kernel: run kernel_boot first", opKeyword(op.code)));
}

int KernelOps::taskNamed(const Op& op, std::size_t arg) const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m_m.tasks().size(); ++i) {
        if (m_m.tasks()[i].name == op.name) return static_cast<int>(i);
        if (m_m.tasks()[i].mm >= 0) names.push_back(m_m.tasks()[i].name);
    }
    names.emplace_back("idle");
    std::string s = suggest(op.name, names);
    throw OpError(op.argLoc(arg), fmt::format("unknown task '{}'{}", op.name,
                                              s.empty() ? "" : fmt::format("; did you mean '{}'?", s)));
}

// ---- page tables ---------------------------------------------------------------------------

void KernelOps::loadCr3(Cpu& c, u64 pgd) {
    const u64 old = c.regs.cr3;
    if (!m_m.movCr3(c, pgd, m_ev))
        throw OpError(SourceLoc{}, "MOV CR3 raised #GP: a present PDPTE has reserved bits set");
    const KernelState& k = m_m.kernel();
    if (k.variant == KernelVariant::FixFlush && old == k.swapperPgDir && pgd != k.swapperPgDir) {
        // Solution 1: a global flush whenever a new CR3 is loaded and the old one was
        // swapper_pg_dir, so no global entry made under it survives.
        enter(c, KernelFn::FlushTlbAllFixFlush);
        flushTlbAll(c);
        leave(c, KernelFn::FlushTlbAllFixFlush);
    }
}

void KernelOps::clonePgdRange(u64 pgd, unsigned dst, unsigned src, unsigned count) {
    for (unsigned i = 0; i < count; ++i)
        m_m.writeEntry(pae::entryAddress(pgd, dst + i), m_m.memory().read64(pae::entryAddress(pgd, src + i)), m_ev,
                       fmt::format("clone_pgd_range: {}[{}] = [{}]", m_m.tableName(pgd), dst + i, src + i));
}

void KernelOps::boot(const Op& op) {
    KernelState& k = m_m.kernel();
    if (k.booted) throw OpError(op.loc, "the kernel is already booted");
    const u64 lowmem = op.length() ? op.length() : kDefaultLowmem;
    if (lowmem % 0x200000 || lowmem > (1ull << 30))
        throw OpError(op.argLoc(0), "lowmem must be a multiple of 2M and at most 1G");
    const bool nx = m_m.cpus()[0].regs.nxe();
    m_m.reserveTables(op, 4);

    k.swapperPgDir = m_m.newTable("swapper_pg_dir", m_ev);
    k.kernelPmd = m_m.newTable("kernel PMD", m_ev);
    k.emptyPmd = m_m.newTable("empty_zero_page", m_ev);
    for (u64 pa = 0; pa < lowmem; pa += 0x200000) {
        u64 flags = kPageKernelLarge;
        if (nx && !(pa >= kTextStart && pa < kTextEnd)) flags |= pae::XD;
        m_m.writeQuietly(k.kernelPmd + (pa >> 21) * 8, pa | flags);  // one summary event below
    }
    if (m_ev)
        addEvent(m_ev, EventKind::TableWrite)
            .pa(k.kernelPmd)
            .after(m_m.memory().read64(k.kernelPmd))
            .detail("kernel PMD: {} lowmem entries, 2M PAGE_KERNEL_LARGE (P RW A D PS G{}), physical 0 to {}",
                    lowmem >> 21, nx ? ", NX outside kernel text" : "", hex(lowmem));
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i)
        m_m.writeEntry(pae::entryAddress(k.swapperPgDir, i), k.emptyPmd | pae::LINUX_PDPTE, m_ev, "empty user PMD");
    m_m.writeEntry(pae::entryAddress(k.swapperPgDir, kKernelPgdBoundary), k.kernelPmd | pae::LINUX_PDPTE, m_ev, "kernel PMD");
    if (k.variant == KernelVariant::FixTrampoline) {
        // trampoline_pg_dir: swapper_pg_dir's layout plus the low mappings.
        k.trampolinePgDir = m_m.newTable("trampoline_pg_dir", m_ev);
        for (unsigned i = 0; i < 4; ++i)
            m_m.writeEntry(pae::entryAddress(k.trampolinePgDir, i), m_m.memory().read64(pae::entryAddress(k.swapperPgDir, i)), m_ev, "copy");
        clonePgdRange(k.trampolinePgDir, 0, kKernelPgdBoundary, std::min(kKernelPgdPtrs, kKernelPgdBoundary));
    }

    Mm init{"init_mm", k.swapperPgDir, 0};
    m_m.mms().push_back(init);
    for (auto& c : m_m.cpus()) {
        Task idle{fmt::format("swapper/{}", c.id), -1, c.id};
        m_m.tasks().push_back(idle);
        c.currentTask = static_cast<int>(m_m.tasks().size() - 1);
        c.activeMm = 0;
        c.tlbState = TlbState::Lazy;
        m_m.mms()[0].cpumask |= u64{1} << c.id;
        if (!m_m.movCr3(c, k.swapperPgDir, m_ev))
            throw OpError(op.loc, "internal: swapper_pg_dir has reserved PDPTE bits");
        c.callStack = {KernelFn::CpuIdle};
        c.cpl = 0;
    }
    k.booted = true;
}

void KernelOps::newTask(const Op& op) {
    for (const auto& t : m_m.tasks())
        if (t.name == op.name) throw OpError(op.argLoc(0), "a task named '" + op.name + "' already exists");
    if (op.name == "idle") throw OpError(op.argLoc(0), "'idle' names each CPU's idle task; pick another name");
    const KernelState& k = m_m.kernel();
    m_m.reserveTables(op, 1 + kKernelPgdBoundary);
    // pgd_alloc under PAE: the three user PMDs are preallocated, the kernel PMD is shared.
    u64 pgd = m_m.newTable(op.name + " pgd", m_ev);
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i) {
        u64 pmd = m_m.newTable(fmt::format("{} pmd{}", op.name, i), m_ev);
        m_m.writeEntry(pae::entryAddress(pgd, i), pmd | pae::LINUX_PDPTE, m_ev, "pgd_alloc: preallocated PMD");
    }
    m_m.writeEntry(pae::entryAddress(pgd, kKernelPgdBoundary), m_m.memory().read64(pae::entryAddress(k.swapperPgDir, kKernelPgdBoundary)), m_ev,
                   "pgd_ctor: shared kernel PMD");
    m_m.mms().push_back(Mm{op.name, pgd, 0});
    m_m.tasks().push_back(Task{op.name, static_cast<int>(m_m.mms().size() - 1), -1});
}

// ---- scheduling and lazy TLB -----------------------------------------------------------------

void KernelOps::switchMm(Cpu& c, int prev, int next) {
    // switch_mm() (arch/x86/include/asm/mmu_context.h, 2.6.32).
    Mm& n = m_m.mms()[static_cast<std::size_t>(next)];
    const u64 bit = u64{1} << c.id;
    enter(c, KernelFn::SwitchMm);
    addEvent(m_ev, EventKind::MmSwitch, c.id)
        .detail("{} -> {}", m_m.mms()[static_cast<std::size_t>(prev)].name, n.name);
    c.tlbState = TlbState::Ok;
    if (prev != next) {
        c.activeMm = next;
        n.cpumask |= bit;
        loadCr3(c, n.pgd);
        m_m.mms()[static_cast<std::size_t>(prev)].cpumask &= ~bit;
    } else if (!(n.cpumask & bit)) {
        // We were lazy and leave_mm() stopped flush IPIs: reload CR3.
        n.cpumask |= bit;
        loadCr3(c, n.pgd);
    }
    leave(c, KernelFn::SwitchMm);
}

void KernelOps::enterLazyTlb(Cpu& c) {
    if (c.tlbState != TlbState::Lazy)
        addEvent(m_ev, EventKind::TlbState, c.id)
            .before(static_cast<u64>(c.tlbState))
            .after(static_cast<u64>(TlbState::Lazy))
            .detail("enter_lazy_tlb");
    c.tlbState = TlbState::Lazy;
}

void KernelOps::leaveMm(Cpu& c, const Op* op) {
    if (c.tlbState == TlbState::Ok) {
        if (op) throw OpError(op->loc, fmt::format("leave_mm on cpu{} in TLBSTATE_OK is a kernel BUG()", c.id));
        return;
    }
    enter(c, KernelFn::LeaveMm);
    m_m.mms()[static_cast<std::size_t>(c.activeMm)].cpumask &= ~(u64{1} << c.id);
    loadCr3(c, m_m.kernel().swapperPgDir);
    leave(c, KernelFn::LeaveMm);
}

void KernelOps::schedule(Cpu& c, int task) {
    auto& tasks = m_m.tasks();
    const Task& next = tasks[static_cast<std::size_t>(task)];
    enter(c, KernelFn::Schedule);
    addEvent(m_ev, EventKind::TaskSwitch, c.id)
        .detail("{} -> {}", tasks[static_cast<std::size_t>(c.currentTask)].name, next.name);
    c.stats.contextSwitches++;
    if (next.mm >= 0) switchMm(c, c.activeMm, next.mm);
    else enterLazyTlb(c);
    c.currentTask = task;
    c.callStack.clear();
    if (next.mm < 0) c.callStack = {KernelFn::CpuIdle};
    addEvent(m_ev, EventKind::KernelExit, c.id).detail("schedule");
    restoreCpl(c);
}

// ---- flushes ---------------------------------------------------------------------------------

void KernelOps::flushTlb(Cpu& c) {
    if (!m_m.movCr3(c, c.regs.cr3, m_ev)) throw OpError(SourceLoc{}, "MOV CR3 raised #GP");
}

void KernelOps::flushTlbAll(Cpu& c) {
    if (c.regs.pge()) {
        // __flush_tlb_global: clear CR4.PGE, then restore it; each write flushes everything.
        const u32 cr4 = c.regs.cr4;
        if (!m_m.movCr4(c, cr4 & ~pae::CR4_PGE, m_ev) || !m_m.movCr4(c, cr4, m_ev))
            throw OpError(SourceLoc{}, "MOV CR4 raised #GP: a present PDPTE has reserved bits set");
        c.stats.flushAll++;
    } else {
        flushTlb(c);
    }
}

void KernelOps::doFlushTlbAll(Cpu& t) {
    enter(t, KernelFn::DoFlushTlbAll);
    flushTlbAll(t);
    if (t.tlbState == TlbState::Lazy) leaveMm(t, nullptr);
    leave(t, KernelFn::DoFlushTlbAll);
}

void KernelOps::flushTlbAllIpi(Cpu& c) {
    // flush_tlb_all(): on_each_cpu(do_flush_tlb_all): IPIs to the other online CPUs, then locally.
    if (m_m.kernel().fineSteps) return flushSendIpis(c);
    enter(c, KernelFn::FlushTlbAll);
    for (auto& t : m_m.cpus()) {
        if (t.id == c.id || t.state != CpuState::Online) continue;
        ipi(c, t, "CALL_FUNCTION (flush_tlb_all)");
        doFlushTlbAll(t);
    }
    doFlushTlbAll(c);
    leave(c, KernelFn::FlushTlbAll);
}

// ---- CPU hotplug ------------------------------------------------------------------------------

void KernelOps::sendInit(Cpu& a, Cpu& b) {
    enter(a, KernelFn::DoBootCpu);
    // INIT resets the target: its TLB is invalidated and paging is off.
    ipi(a, b, "INIT");
    b.stats.entriesFlushed += b.tlb.flushAll(FlushKind::Init, m_ev, b.id);
    setState(b, CpuState::Booting, "INIT, STARTUP");
    b.callStack.clear();
    KernelState& k = m_m.kernel();
    k.bootingCpu = b.id;
    k.bootingBy = a.id;
    k.callinDone = false;
    a.steps.next = KernelStep::SendStartup;
}

void KernelOps::sendStartup(Cpu& a, Cpu& b) {
    ipi(a, b, "STARTUP");
    ipi(a, b, "STARTUP");
    a.waitingFor = {KernelWait::Kind::Callin, b.id};
    a.steps.next = KernelStep::BootReturn;
    b.steps.next = KernelStep::Trampoline;
}

void KernelOps::trampoline(Cpu& b) {
    // The trampoline enables PAE paging with initial_page_table in CR3.
    const KernelState& k = m_m.kernel();
    const Cpu& a = m_m.cpu(k.bootingBy);
    const u64 initial = k.variant == KernelVariant::FixTrampoline ? k.trampolinePgDir : k.swapperPgDir;
    b.callStack = {KernelFn::StartupSmp};
    b.cpl = 0;
    b.regs.cr4 = a.regs.cr4;
    b.regs.efer = a.regs.efer;
    b.regs.cr0 = a.regs.cr0;
    if (!m_m.movCr3(b, initial, m_ev)) throw OpError(SourceLoc{}, "MOV CR3 raised #GP");
    b.mcgStatus = 0;
    // Its idle task runs start_secondary on init_mm.
    for (std::size_t i = 0; i < m_m.tasks().size(); ++i)
        if (m_m.tasks()[i].cpu == b.id) b.currentTask = static_cast<int>(i);
    b.activeMm = 0;
    b.tlbState = TlbState::Lazy;
    m_m.mms()[0].cpumask |= u64{1} << b.id;
    b.steps.next = KernelStep::None;
}

void KernelOps::doBootCpu(Cpu& a, Cpu& b) {
    sendInit(a, b);
    if (m_m.kernel().fineSteps) return;
    sendStartup(a, b);
    trampoline(b);
    a.steps.next = KernelStep::None;
}

void KernelOps::nativeCpuUp(const Op& op, Cpu& a, Cpu& b) {
    KernelState& k = m_m.kernel();
    if (k.bootingCpu >= 0)
        throw OpError(op.loc, fmt::format("cpu{} is still being brought up", k.bootingCpu));
    enter(a, KernelFn::NativeCpuUp);
    if (k.variant == KernelVariant::FixTrampoline) {
        if (k.fineSteps) {
            k.bootingCpu = b.id;  // do_boot_cpu's steps follow
            k.bootingBy = a.id;
            a.steps.next = KernelStep::SendInit;
            return;
        }
        return doBootCpu(a, b);
    }
    // 32-bit: swapper_pg_dir is the booting CPU's initial table, so it gets the low mappings.
    enter(a, KernelFn::ClonePgdRange);
    clonePgdRange(k.swapperPgDir, 0, kKernelPgdBoundary, std::min(kKernelPgdPtrs, kKernelPgdBoundary));
    leave(a, KernelFn::ClonePgdRange);
    if (k.fineSteps) {
        k.bootingCpu = b.id;
        k.bootingBy = a.id;
        a.steps.next = KernelStep::FlushSendIpis;
        return;
    }
    flushTlbAllIpi(a);
    k.lowMappings = true;
    doBootCpu(a, b);
}

void KernelOps::startSecondary(const Op& op, Cpu& b) {
    KernelState& k = m_m.kernel();
    refuseIfWaiting(op, b);
    b.callStack = {KernelFn::StartSecondary};
    if (k.variant == KernelVariant::FixTrampoline) {
        if (k.fineSteps) {
            b.steps.next = KernelStep::SecondaryLoadCr3;
            return;
        }
        // v2 of the patch: switch to swapper_pg_dir first, then flush globally.
        enter(b, KernelFn::LoadCr3);
        loadCr3(b, k.swapperPgDir);
        leave(b, KernelFn::LoadCr3);
        enter(b, KernelFn::FlushTlbAllLocal);
        flushTlbAll(b);
        leave(b, KernelFn::FlushTlbAllLocal);
    }
    if (k.fineSteps) {
        b.steps.next = KernelStep::Callin;
        return;
    }
    callin(b);
    Cpu& a = m_m.cpu(k.bootingBy);
    if (a.state != CpuState::Halted) bootReturn(a);
}

void KernelOps::callin(Cpu& b) {
    KernelState& k = m_m.kernel();
    enter(b, KernelFn::SmpCallin);
    k.callinDone = true;
    leave(b, KernelFn::SmpCallin);
    b.waitingFor = k.lowMappings ? KernelWait{KernelWait::Kind::LowMappingsZero, -1} : KernelWait{};
    b.steps.next = KernelStep::None;
}

void KernelOps::bootReturn(Cpu& a) {
    // do_boot_cpu() sees the callin and returns to native_cpu_up.
    const KernelState& k = m_m.kernel();
    leave(a, KernelFn::DoBootCpu);
    a.waitingFor.clear();
    if (k.variant != KernelVariant::FixTrampoline) a.callStack.push(KernelFn::NextZapLowMappings);
    else a.waitingFor = {KernelWait::Kind::Online, k.bootingCpu};
    a.steps.next = KernelStep::None;
}

void KernelOps::zapLowMappings(const Op& op, Cpu& a) {
    KernelState& k = m_m.kernel();
    refuseIfWaiting(op, a);
    if (!a.callStack.empty() && a.callStack.back() == KernelFn::NextZapLowMappings) a.callStack.pop();
    enter(a, KernelFn::ZapLowMappings);
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i)
        m_m.writeEntry(pae::entryAddress(k.swapperPgDir, i), k.emptyPmd | pae::LINUX_PDPTE, m_ev, "zap_low_mappings");
    if (k.fineSteps) {
        a.steps.next = KernelStep::FlushSendIpis;
        return;
    }
    flushTlbAllIpi(a);
    clearLowMappings(a);
}

void KernelOps::clearLowMappings(Cpu& a) {
    KernelState& k = m_m.kernel();
    leave(a, KernelFn::ZapLowMappings);
    k.lowMappings = false;
    a.steps.next = KernelStep::None;
    if (k.bootingCpu >= 0) {
        a.waitingFor = {KernelWait::Kind::Online, k.bootingCpu};
        Cpu& b = m_m.cpu(k.bootingCpu);
        if (b.waitingFor.kind == KernelWait::Kind::LowMappingsZero) b.waitingFor.clear();
    }
}

void KernelOps::setCpuOnline(const Op& op, Cpu& b) {
    KernelState& k = m_m.kernel();
    refuseIfWaiting(op, b);
    if (k.variant != KernelVariant::FixTrampoline) {
        // After the low_mappings wait, 32-bit start_secondary flushes globally.
        enter(b, KernelFn::FlushTlbAllLocal);
        flushTlbAll(b);
        leave(b, KernelFn::FlushTlbAllLocal);
    }
    b.waitingFor.clear();
    if (k.fineSteps) {
        b.steps.next = KernelStep::MarkOnline;
        return;
    }
    markOnline(b);
}

void KernelOps::markOnline(Cpu& b) {
    KernelState& k = m_m.kernel();
    setState(b, CpuState::Online, "set_cpu_online");
    b.callStack = {KernelFn::CpuIdle};
    b.waitingFor.clear();
    b.steps.next = KernelStep::None;
    Cpu& a = m_m.cpu(k.bootingBy);
    if (a.state != CpuState::Halted) {
        a.waitingFor.clear();
        leave(a, KernelFn::NativeCpuUp);
    }
    k.bootingCpu = -1;
    k.bootingBy = -1;
    k.callinDone = false;
}

// Why a hotplug op cannot run yet on CPU `c` (it waits for another CPU), as data: the explorer
// asks before it copies a machine, the op throws the message.
enum class KernelOps::Refusal : std::uint8_t {
    None, NotBooting, CalledIn, InTrampoline, NotStarted, LowMappings, NothingToZap, NotCalledIn, Busy,
};

KernelOps::Refusal KernelOps::refusal(const Machine& m, const Op& op) {
    const Cpu& c = m.cpu(op.cpu);
    const KernelState& k = m.kernel();
    if (c.steps.busy() && op.code != OpCode::KernelStep) return Refusal::Busy;
    switch (op.code) {
    case OpCode::StartSecondary:
        if (c.state != CpuState::Booting || k.bootingCpu != c.id) return Refusal::NotBooting;
        if (k.callinDone) return Refusal::CalledIn;
        if (c.callStack.empty() || c.callStack.back() != KernelFn::StartupSmp) return Refusal::InTrampoline;
        return Refusal::None;
    case OpCode::SetCpuOnline:
        if (c.state != CpuState::Booting || k.bootingCpu != c.id || !k.callinDone) return Refusal::NotStarted;
        return k.lowMappings ? Refusal::LowMappings : Refusal::None;
    case OpCode::ZapLowMappings:
        if (k.variant == KernelVariant::FixTrampoline) return Refusal::NothingToZap;
        return k.bootingCpu >= 0 && !k.callinDone ? Refusal::NotCalledIn : Refusal::None;
    default: return Refusal::None;
    }
}

bool KernelOps::waits(const Machine& m, const Op& op) { return op.cpu >= 0 && refusal(m, op) != Refusal::None; }

void KernelOps::refuseIfWaiting(const Op& op, const Cpu& c) const {
    const KernelState& k = m_m.kernel();
    switch (refusal(m_m.machine(), op)) {
    case Refusal::None: return;
    case Refusal::NotBooting:
        throw OpError(op.loc, fmt::format("cpu{} is not being booted (it is {})", c.id, cpuStateName(c.state)));
    case Refusal::CalledIn: throw OpError(op.loc, fmt::format("cpu{} already ran start_secondary", c.id));
    case Refusal::InTrampoline: throw OpError(op.loc, fmt::format("cpu{} has not left the trampoline yet", c.id));
    case Refusal::NotStarted: throw OpError(op.loc, fmt::format("cpu{} has not run start_secondary", c.id));
    case Refusal::LowMappings:
        throw OpError(op.loc, fmt::format("cpu{} spins in start_secondary while low_mappings is set; "
                                          "native_cpu_up must zap_low_mappings first",
                                          c.id));
    case Refusal::NothingToZap:
        throw OpError(op.loc, "fix-trampoline never puts low mappings in swapper_pg_dir: there is nothing to zap");
    case Refusal::NotCalledIn:
        throw OpError(op.loc, fmt::format("cpu{} has not called in yet: it still needs the low mappings", k.bootingCpu));
    case Refusal::Busy:
        throw OpError(op.loc, fmt::format("cpu{} is inside a kernel path; its next step: {} (kernel_step)", c.id,
                                          nextStepText(m_m.machine(), c.id)));
    }
}

// ---- the fine-grained mode ---------------------------------------------------------------------

void KernelOps::setSteps(const Op& op) {
    KernelState& k = m_m.kernel();
    const bool fine = op.name == "fine";
    if (!fine && op.name != "atomic")
        throw OpError(op.argLoc(0), fmt::format("kernel_steps is 'fine' or 'atomic', not '{}'", op.name));
    for (const Cpu& c : m_m.cpus())
        if (c.steps.busy())
            throw OpError(op.loc, fmt::format("cpu{} is inside a kernel path: finish it (kernel_step) first", c.id));
    if (k.bootingCpu >= 0 && fine != k.fineSteps)
        throw OpError(op.loc, fmt::format("cpu{} is being brought up: change kernel_steps before native_cpu_up",
                                          k.bootingCpu));
    k.fineSteps = fine;
}

bool KernelOps::canStep(const Machine& m, int cpu) {
    const Cpu& c = m.cpu(cpu);
    if (c.state == CpuState::Halted || c.state == CpuState::Offline) return false;
    if (c.steps.ipi != IpiStage::None) return true;
    const KernelState& k = m.kernel();
    switch (c.steps.next) {
    case KernelStep::None: return false;
    case KernelStep::FlushSendIpis: return k.flushBy < 0;
    case KernelStep::FlushLocal:
        return std::none_of(m.cpus().begin(), m.cpus().end(), [](const Cpu& t) { return t.steps.ipi != IpiStage::None; });
    case KernelStep::BootReturn: return k.callinDone;
    default: return true;
    }
}

std::string KernelOps::nextStepText(const Machine& m, int cpu) {
    const Cpu& c = m.cpu(cpu);
    if (c.steps.ipi == IpiStage::Flushed)
        return c.tlbState == TlbState::Lazy ? "in do_flush_tlb_all: leave_mm (lazy TLB mode), CR3 = swapper_pg_dir"
                                            : "in do_flush_tlb_all: acknowledges the IPI";
    if (c.steps.ipi != IpiStage::None) return ipiStageName(c.steps.ipi);
    return kernelStepName(c.steps.next);
}

void KernelOps::flushSendIpis(Cpu& c) {
    KernelState& k = m_m.kernel();
    if (k.flushBy >= 0)
        throw OpError(SourceLoc{}, fmt::format("cpu{}'s flush IPIs are still in flight", k.flushBy));
    enter(c, KernelFn::FlushTlbAll);
    bool sent = false;
    for (auto& t : m_m.cpus()) {
        if (t.id == c.id || t.state != CpuState::Online) continue;
        ipi(c, t, "CALL_FUNCTION (flush_tlb_all)", false);
        t.steps.ipi = IpiStage::Pending;
        sent = true;
    }
    k.flushBy = c.id;
    if (sent) c.waitingFor = {KernelWait::Kind::IpiAcks, -1};
    c.steps.next = KernelStep::FlushLocal;
}

KernelStep KernelOps::afterFlush(const Cpu& c) const {
    if (c.callStack.empty()) return KernelStep::None;
    switch (c.callStack.back()) {
    case KernelFn::NativeCpuUp: return KernelStep::SetLowMappings;
    case KernelFn::ZapLowMappings: return KernelStep::ClearLowMappings;
    default: return KernelStep::None;
    }
}

void KernelOps::flushLocal(Cpu& c) {
    c.waitingFor.clear();
    doFlushTlbAll(c);
    leave(c, KernelFn::FlushTlbAll);
    m_m.kernel().flushBy = -1;
    c.steps.next = afterFlush(c);
}

void KernelOps::ipiStep(Cpu& t) {
    switch (t.steps.ipi) {
    case IpiStage::None: break;
    case IpiStage::Pending:
        addEvent(m_ev, EventKind::IpiReceive, t.id).other(m_m.kernel().flushBy).detail("CALL_FUNCTION (flush_tlb_all)");
        enter(t, KernelFn::DoFlushTlbAll);
        flushTlbAll(t);
        t.steps.ipi = IpiStage::Flushed;
        break;
    case IpiStage::Flushed:
        if (t.tlbState == TlbState::Lazy) {
            leaveMm(t, nullptr);
            t.steps.ipi = IpiStage::LeftMm;
            break;
        }
        [[fallthrough]];
    case IpiStage::LeftMm:
        leave(t, KernelFn::DoFlushTlbAll);  // returning from the handler acknowledges it
        t.steps.ipi = IpiStage::None;
        break;
    }
}

void KernelOps::kernelStep(const Op& op, Cpu& c) {
    if (!m_m.kernel().fineSteps) throw OpError(op.loc, "kernel_step needs 'kernel_steps fine'");
    if (!canStep(m_m.machine(), c.id)) {
        if (!c.steps.busy()) throw OpError(op.loc, fmt::format("cpu{} has no kernel step to run", c.id));
        throw OpError(op.loc, fmt::format("cpu{} waits ({}): its next step cannot run yet", c.id,
                                          c.waitingFor.empty() ? kernelStepName(c.steps.next) : c.waitingFor.text()));
    }
    if (c.steps.ipi != IpiStage::None) return ipiStep(c);
    KernelState& k = m_m.kernel();
    switch (c.steps.next) {
    case KernelStep::None: break;
    case KernelStep::FlushSendIpis: flushSendIpis(c); break;
    case KernelStep::FlushLocal: flushLocal(c); break;
    case KernelStep::SetLowMappings:
        k.lowMappings = true;
        c.steps.next = KernelStep::SendInit;
        break;
    case KernelStep::SendInit: sendInit(c, m_m.cpu(k.bootingCpu)); break;
    case KernelStep::SendStartup: sendStartup(c, m_m.cpu(k.bootingCpu)); break;
    case KernelStep::BootReturn: bootReturn(c); break;
    case KernelStep::ClearLowMappings: clearLowMappings(c); break;
    case KernelStep::Trampoline: trampoline(c); break;
    case KernelStep::SecondaryLoadCr3:
        enter(c, KernelFn::LoadCr3);
        loadCr3(c, k.swapperPgDir);
        leave(c, KernelFn::LoadCr3);
        c.steps.next = KernelStep::SecondaryFlush;
        break;
    case KernelStep::SecondaryFlush:
        enter(c, KernelFn::FlushTlbAllLocal);
        flushTlbAll(c);
        leave(c, KernelFn::FlushTlbAllLocal);
        c.steps.next = KernelStep::Callin;
        break;
    case KernelStep::Callin: callin(c); break;
    case KernelStep::MarkOnline: markOnline(c); break;
    }
}

void KernelOps::cpuDown(const Op& op, Cpu& a, Cpu& b) {
    if (a.id == b.id) throw OpError(op.argLoc(0), "a CPU cannot take itself down here; use another CPU");
    if (b.state != CpuState::Online)
        throw OpError(op.argLoc(0), fmt::format("cpu{} is {}, not online", b.id, cpuStateName(b.state)));
    if (isUserTask(b.currentTask))
        throw OpError(op.argLoc(0), fmt::format("cpu{} runs {}; schedule idle on it first", b.id,
                                                m_m.tasks()[static_cast<std::size_t>(b.currentTask)].name));
    int online = 0;
    for (const auto& c : m_m.cpus()) online += c.state == CpuState::Online;
    if (online <= 1) throw OpError(op.loc, "cannot take the last online CPU down");
    enter(a, KernelFn::CpuDown);
    ipi(a, b, "stop_machine (take_cpu_down)");
    // play_dead_common -> idle_task_exit(): switch to init_mm if another mm is active.
    if (b.activeMm != 0) {
        enter(b, KernelFn::IdleTaskExit);
        switchMm(b, b.activeMm, 0);
        enterLazyTlb(b);
        leave(b, KernelFn::IdleTaskExit);
    }
    for (auto& mm : m_m.mms()) mm.cpumask &= ~(u64{1} << b.id);
    setState(b, CpuState::Offline, "cpu_down");
    b.callStack = {KernelFn::PlayDead};
    leave(a, KernelFn::CpuDown);
}

// ---- the operations (the op table, op_table.cpp, dispatches to these) -----------------------

Cpu& KernelOps::actingCpu(const Op& op) {
    Cpu& c = m_m.cpu(op.cpu);
    if (c.steps.busy()) refuseIfWaiting(op, c);  // inside a kernel path: only kernel_step runs
    return c;
}

Cpu& KernelOps::targetCpu(const Op& op) {
    m_m.checkCpu(op, op.target, 0);
    return m_m.cpu(op.target);
}

void KernelOps::requireOnline(const Op& op, const Cpu& x) const {
    if (x.state != CpuState::Online)
        throw OpError(op.loc, fmt::format("cpu{} is {}, not online", x.id, cpuStateName(x.state)));
}

void KernelOps::opKernelBoot(const Op& op) { boot(op); }

void KernelOps::opKernelSteps(const Op& op) { setSteps(op); }

void KernelOps::opKernelStep(const Op& op) {
    requireBooted(op);
    kernelStep(op, m_m.cpu(op.cpu));
}

void KernelOps::opTask(const Op& op) {
    requireBooted(op);
    newTask(op);
}

void KernelOps::opSchedule(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    int t = -1;
    if (op.name == "idle") {
        for (std::size_t i = 0; i < m_m.tasks().size(); ++i)
            if (m_m.tasks()[i].cpu == c.id) t = static_cast<int>(i);
    } else {
        t = taskNamed(op, 0);
        if (m_m.tasks()[static_cast<std::size_t>(t)].mm < 0)
            throw OpError(op.argLoc(0), "'" + op.name + "' is an idle task; write 'schedule idle'");
        for (const auto& o : m_m.cpus())
            if (o.id != c.id && o.currentTask == t && o.state != CpuState::Offline)
                throw OpError(op.argLoc(0), fmt::format("{} is running on cpu{}", op.name, o.id));
    }
    if (!c.callStack.empty() && c.callStack.front() != KernelFn::CpuIdle)
        throw OpError(op.loc, fmt::format("cpu{} is inside {}; it cannot schedule now", c.id,
                                          kernelFnName(c.callStack.front())));
    schedule(c, t);
}

void KernelOps::opSwitchMm(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    int t = taskNamed(op, 0);
    int mm = m_m.tasks()[static_cast<std::size_t>(t)].mm;
    if (mm < 0) throw OpError(op.argLoc(0), "'" + op.name + "' has no mm of its own");
    switchMm(c, c.activeMm, mm);
}

void KernelOps::opEnterLazyTlb(const Op& op) {
    requireBooted(op);
    requireOnline(op, actingCpu(op));
    enterLazyTlb(actingCpu(op));
}

void KernelOps::opLeaveMm(const Op& op) {
    requireBooted(op);
    requireOnline(op, actingCpu(op));
    leaveMm(actingCpu(op), &op);
}

void KernelOps::opFlushTlb(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    enter(c, KernelFn::FlushTlb);
    flushTlb(c);
    leave(c, KernelFn::FlushTlb);
}

void KernelOps::opFlushTlbAll(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    enter(c, KernelFn::FlushTlbAllLocal);
    flushTlbAll(c);
    leave(c, KernelFn::FlushTlbAllLocal);
}

void KernelOps::opFlushTlbAllIpi(const Op& op) {
    requireBooted(op);
    requireOnline(op, actingCpu(op));
    flushTlbAllIpi(actingCpu(op));
}

void KernelOps::opNativeCpuUp(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    Cpu& b = targetCpu(op);
    if (b.state != CpuState::Offline)
        throw OpError(op.argLoc(0), fmt::format("cpu{} is {}; only an offline CPU can be brought up", b.id,
                                                cpuStateName(b.state)));
    nativeCpuUp(op, c, b);
}

void KernelOps::opDoBootCpu(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    Cpu& b = targetCpu(op);
    if (b.state != CpuState::Offline)
        throw OpError(op.argLoc(0), fmt::format("cpu{} is {}, not offline", b.id, cpuStateName(b.state)));
    if (m_m.kernel().bootingCpu >= 0)
        throw OpError(op.loc, fmt::format("cpu{} is still being brought up", m_m.kernel().bootingCpu));
    doBootCpu(c, b);
}

void KernelOps::opStartSecondary(const Op& op) {
    requireBooted(op);
    startSecondary(op, actingCpu(op));
}

void KernelOps::opZapLowMappings(const Op& op) {
    requireBooted(op);
    requireOnline(op, actingCpu(op));
    zapLowMappings(op, actingCpu(op));
}

void KernelOps::opSetCpuOnline(const Op& op) {
    requireBooted(op);
    setCpuOnline(op, actingCpu(op));
}

void KernelOps::opCpuDown(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    cpuDown(op, c, targetCpu(op));
}

}  // namespace tlblab

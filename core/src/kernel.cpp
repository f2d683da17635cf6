// SPDX-License-Identifier: GPL-3.0-or-later
#include "kernel_ops.hpp"

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

void KernelOps::keepFirstTlbLevel(Machine& m, unsigned fullyAssociativeWays) {
    if (m.m_tlbConfig.levels.size() > 1) m.m_tlbConfig.levels.resize(1);
    for (auto& arr : m.m_tlbConfig.levels.front().arrays)
        if (arr.ways == arr.entries && arr.ways > fullyAssociativeWays) arr.ways = arr.entries = fullyAssociativeWays;
    for (Cpu& c : m.m_cpus) {
        std::vector<TlbEntry> entries = c.tlb.entries();
        std::stable_sort(entries.begin(), entries.end(),
                         [](const TlbEntry& a, const TlbEntry& b) { return a.lastUse < b.lastUse; });
        Tlb t(m.m_tlbConfig);
        for (const TlbEntry& e : entries) t.fill(e, nullptr, c.id);
        c.tlb = std::move(t);
    }
}

void KernelOps::enter(Cpu& c, const std::string& fn) {
    c.callStack.push_back(fn);
    c.cpl = 0;
    if (m_ev) {
        Event e{EventKind::KernelEnter, c.id};
        e.detail = fn;
        m_ev->push_back(std::move(e));
    }
}

void KernelOps::leave(Cpu& c, const std::string& fn) {
    if (!c.callStack.empty() && c.callStack.back() == fn) c.callStack.pop_back();
    if (m_ev) {
        Event e{EventKind::KernelExit, c.id};
        e.detail = fn;
        m_ev->push_back(std::move(e));
    }
    restoreCpl(c);
}

void KernelOps::restoreCpl(Cpu& c) {
    c.cpl = (c.callStack.empty() && isUserTask(c.currentTask)) ? 3 : 0;
}

bool KernelOps::isUserTask(int task) const {
    return task >= 0 && m_m.m_tasks[static_cast<std::size_t>(task)].mm >= 0;
}

void KernelOps::ipi(Cpu& from, Cpu& to, const std::string& what) {
    if (!m_ev) return;
    Event s{EventKind::IpiSend, from.id};
    s.other = to.id;
    s.detail = what;
    m_ev->push_back(s);
    Event r{EventKind::IpiReceive, to.id};
    r.other = from.id;
    r.detail = what;
    m_ev->push_back(std::move(r));
}

void KernelOps::setState(Cpu& c, CpuState s, const std::string& why) {
    if (m_ev && c.state != s) {
        Event e{EventKind::CpuState, c.id};
        e.before = static_cast<u64>(c.state);
        e.after = static_cast<u64>(s);
        e.detail = why;
        m_ev->push_back(std::move(e));
    }
    c.state = s;
}

void KernelOps::requireBooted(const Op& op) const {
    if (!m_m.m_kernel.booted)
        throw OpError(op.loc, fmt::format("'{}' needs the kernel: run kernel_boot first", opKeyword(op.code)));
}

int KernelOps::taskNamed(const Op& op, std::size_t arg) const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m_m.m_tasks.size(); ++i) {
        if (m_m.m_tasks[i].name == op.name) return static_cast<int>(i);
        if (m_m.m_tasks[i].mm >= 0) names.push_back(m_m.m_tasks[i].name);
    }
    names.push_back("idle");
    std::string s = suggest(op.name, names);
    throw OpError(op.argLoc(arg), fmt::format("unknown task '{}'{}", op.name,
                                              s.empty() ? "" : fmt::format("; did you mean '{}'?", s)));
}

// ---- page tables ---------------------------------------------------------------------------

void KernelOps::loadCr3(Cpu& c, u64 pgd) {
    const u64 old = c.regs.cr3;
    if (!m_m.movCr3(c, static_cast<u32>(pgd), m_ev))
        throw OpError(SourceLoc{}, "MOV CR3 raised #GP: a present PDPTE has reserved bits set");
    const KernelState& k = m_m.m_kernel;
    if (k.variant == KernelVariant::FixFlush && old == k.swapperPgDir && pgd != k.swapperPgDir) {
        // Solution 1: a global flush whenever a new CR3 is loaded and the old one was
        // swapper_pg_dir, so no global entry made under it survives.
        enter(c, "__flush_tlb_all (fix-flush)");
        flushTlbAll(c);
        leave(c, "__flush_tlb_all (fix-flush)");
    }
}

void KernelOps::clonePgdRange(u64 pgd, unsigned dst, unsigned src, unsigned count) {
    for (unsigned i = 0; i < count; ++i)
        m_m.writeEntry(pgd + (dst + i) * 8, m_m.m_mem.read64(pgd + (src + i) * 8), m_ev,
                       fmt::format("clone_pgd_range: {}[{}] = [{}]", m_m.tableName(pgd), dst + i, src + i));
}

void KernelOps::boot(const Op& op) {
    KernelState& k = m_m.m_kernel;
    if (k.booted) throw OpError(op.loc, "the kernel is already booted");
    const u64 lowmem = op.length() ? op.length() : kDefaultLowmem;
    if (lowmem % 0x200000 || lowmem > (1ull << 30))
        throw OpError(op.argLoc(0), "lowmem must be a multiple of 2M and at most 1G");
    const bool nx = m_m.m_cpus[0].regs.nxe();
    m_m.reserveTables(op, 4);

    k.swapperPgDir = m_m.newTable("swapper_pg_dir", m_ev);
    k.kernelPmd = m_m.newTable("kernel PMD", m_ev);
    k.emptyPmd = m_m.newTable("empty_zero_page", m_ev);
    for (u64 pa = 0; pa < lowmem; pa += 0x200000) {
        u64 flags = kPageKernelLarge;
        if (nx && !(pa >= kTextStart && pa < kTextEnd)) flags |= pae::XD;
        m_m.m_mem.write64(k.kernelPmd + (pa >> 21) * 8, pa | flags);  // one summary event below
    }
    if (m_ev) {
        Event e{EventKind::TableWrite};
        e.pa = k.kernelPmd;
        e.after = m_m.m_mem.read64(k.kernelPmd);
        e.detail = fmt::format("kernel PMD: {} lowmem entries, 2M PAGE_KERNEL_LARGE (P RW A D PS G{}), "
                               "physical 0 to {}",
                               lowmem >> 21, nx ? ", NX outside kernel text" : "", hex(lowmem));
        m_ev->push_back(std::move(e));
    }
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i)
        m_m.writeEntry(k.swapperPgDir + i * 8, k.emptyPmd | pae::LINUX_PDPTE, m_ev, "empty user PMD");
    m_m.writeEntry(k.swapperPgDir + kKernelPgdBoundary * 8, k.kernelPmd | pae::LINUX_PDPTE, m_ev, "kernel PMD");
    if (k.variant == KernelVariant::FixTrampoline) {
        // trampoline_pg_dir: swapper_pg_dir's layout plus the low mappings.
        k.trampolinePgDir = m_m.newTable("trampoline_pg_dir", m_ev);
        for (unsigned i = 0; i < 4; ++i)
            m_m.writeEntry(k.trampolinePgDir + i * 8, m_m.m_mem.read64(k.swapperPgDir + i * 8), m_ev, "copy");
        clonePgdRange(k.trampolinePgDir, 0, kKernelPgdBoundary, std::min(kKernelPgdPtrs, kKernelPgdBoundary));
    }

    Mm init{"init_mm", k.swapperPgDir, 0};
    m_m.m_mms.push_back(init);
    for (auto& c : m_m.m_cpus) {
        Task idle{fmt::format("swapper/{}", c.id), -1, c.id};
        m_m.m_tasks.push_back(idle);
        c.currentTask = static_cast<int>(m_m.m_tasks.size() - 1);
        c.activeMm = 0;
        c.tlbState = TlbState::Lazy;
        m_m.m_mms[0].cpumask |= u64{1} << c.id;
        if (!m_m.movCr3(c, static_cast<u32>(k.swapperPgDir), m_ev))
            throw OpError(op.loc, "internal: swapper_pg_dir has reserved PDPTE bits");
        c.callStack = {"cpu_idle"};
        c.cpl = 0;
    }
    k.booted = true;
}

void KernelOps::newTask(const Op& op) {
    for (const auto& t : m_m.m_tasks)
        if (t.name == op.name) throw OpError(op.argLoc(0), "a task named '" + op.name + "' already exists");
    if (op.name == "idle") throw OpError(op.argLoc(0), "'idle' names each CPU's idle task; pick another name");
    const KernelState& k = m_m.m_kernel;
    m_m.reserveTables(op, 1 + kKernelPgdBoundary);
    // pgd_alloc under PAE: the three user PMDs are preallocated, the kernel PMD is shared.
    u64 pgd = m_m.newTable(op.name + " pgd", m_ev);
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i) {
        u64 pmd = m_m.newTable(fmt::format("{} pmd{}", op.name, i), m_ev);
        m_m.writeEntry(pgd + i * 8, pmd | pae::LINUX_PDPTE, m_ev, "pgd_alloc: preallocated PMD");
    }
    m_m.writeEntry(pgd + kKernelPgdBoundary * 8, m_m.m_mem.read64(k.swapperPgDir + kKernelPgdBoundary * 8), m_ev,
                   "pgd_ctor: shared kernel PMD");
    m_m.m_mms.push_back(Mm{op.name, pgd, 0});
    m_m.m_tasks.push_back(Task{op.name, static_cast<int>(m_m.m_mms.size() - 1), -1});
}

// ---- scheduling and lazy TLB -----------------------------------------------------------------

void KernelOps::switchMm(Cpu& c, int prev, int next) {
    // switch_mm() (arch/x86/include/asm/mmu_context.h, 2.6.32).
    Mm& n = m_m.m_mms[static_cast<std::size_t>(next)];
    const u64 bit = u64{1} << c.id;
    enter(c, "switch_mm");
    if (m_ev) {
        Event e{EventKind::MmSwitch, c.id};
        e.detail = m_m.m_mms[static_cast<std::size_t>(prev)].name + " -> " + n.name;
        m_ev->push_back(std::move(e));
    }
    c.tlbState = TlbState::Ok;
    if (prev != next) {
        c.activeMm = next;
        n.cpumask |= bit;
        loadCr3(c, n.pgd);
        m_m.m_mms[static_cast<std::size_t>(prev)].cpumask &= ~bit;
    } else if (!(n.cpumask & bit)) {
        // We were lazy and leave_mm() stopped flush IPIs: reload CR3.
        n.cpumask |= bit;
        loadCr3(c, n.pgd);
    }
    leave(c, "switch_mm");
}

void KernelOps::enterLazyTlb(Cpu& c) {
    if (m_ev && c.tlbState != TlbState::Lazy) {
        Event e{EventKind::TlbState, c.id};
        e.before = static_cast<u64>(c.tlbState);
        e.after = static_cast<u64>(TlbState::Lazy);
        e.detail = "enter_lazy_tlb";
        m_ev->push_back(std::move(e));
    }
    c.tlbState = TlbState::Lazy;
}

void KernelOps::leaveMm(Cpu& c, const Op* op) {
    if (c.tlbState == TlbState::Ok) {
        if (op) throw OpError(op->loc, fmt::format("leave_mm on cpu{} in TLBSTATE_OK is a kernel BUG()", c.id));
        return;
    }
    enter(c, "leave_mm");
    m_m.m_mms[static_cast<std::size_t>(c.activeMm)].cpumask &= ~(u64{1} << c.id);
    loadCr3(c, m_m.m_kernel.swapperPgDir);
    leave(c, "leave_mm");
}

void KernelOps::schedule(Cpu& c, int task) {
    auto& tasks = m_m.m_tasks;
    const Task& next = tasks[static_cast<std::size_t>(task)];
    enter(c, "schedule");
    if (m_ev) {
        Event e{EventKind::TaskSwitch, c.id};
        e.detail = tasks[static_cast<std::size_t>(c.currentTask)].name + " -> " + next.name;
        m_ev->push_back(std::move(e));
    }
    c.stats.contextSwitches++;
    if (next.mm >= 0) switchMm(c, c.activeMm, next.mm);
    else enterLazyTlb(c);
    c.currentTask = task;
    c.callStack.clear();
    if (next.mm < 0) c.callStack = {"cpu_idle"};
    if (m_ev) {
        Event e{EventKind::KernelExit, c.id};
        e.detail = "schedule";
        m_ev->push_back(std::move(e));
    }
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

void KernelOps::flushTlbAllIpi(Cpu& c) {
    // flush_tlb_all(): on_each_cpu(do_flush_tlb_all): IPIs to the other online CPUs, then locally.
    enter(c, "flush_tlb_all");
    auto work = [&](Cpu& t) {
        enter(t, "do_flush_tlb_all");
        flushTlbAll(t);
        if (t.tlbState == TlbState::Lazy) leaveMm(t, nullptr);
        leave(t, "do_flush_tlb_all");
    };
    for (auto& t : m_m.m_cpus) {
        if (t.id == c.id || t.state != CpuState::Online) continue;
        ipi(c, t, "CALL_FUNCTION (flush_tlb_all)");
        work(t);
    }
    work(c);
    leave(c, "flush_tlb_all");
}

// ---- CPU hotplug ------------------------------------------------------------------------------

void KernelOps::doBootCpu(Cpu& a, Cpu& b) {
    KernelState& k = m_m.m_kernel;
    enter(a, "do_boot_cpu");
    // INIT resets the target: its TLB is invalidated and paging is off.
    ipi(a, b, "INIT");
    b.stats.entriesFlushed += b.tlb.flushAll(FlushKind::Init, m_ev, b.id);
    setState(b, CpuState::Booting, "INIT, STARTUP");
    ipi(a, b, "STARTUP");
    ipi(a, b, "STARTUP");
    // The trampoline enables PAE paging with initial_page_table in CR3.
    const u64 initial = k.variant == KernelVariant::FixTrampoline ? k.trampolinePgDir : k.swapperPgDir;
    b.callStack = {"startup_32_smp"};
    b.cpl = 0;
    b.regs.cr4 = a.regs.cr4;
    b.regs.efer = a.regs.efer;
    b.regs.cr0 = a.regs.cr0;
    if (!m_m.movCr3(b, static_cast<u32>(initial), m_ev)) throw OpError(SourceLoc{}, "MOV CR3 raised #GP");
    b.mcgStatus = 0;
    // Its idle task runs start_secondary on init_mm.
    for (std::size_t i = 0; i < m_m.m_tasks.size(); ++i)
        if (m_m.m_tasks[i].cpu == b.id) b.currentTask = static_cast<int>(i);
    b.activeMm = 0;
    b.tlbState = TlbState::Lazy;
    m_m.m_mms[0].cpumask |= u64{1} << b.id;
    k.bootingCpu = b.id;
    k.bootingBy = a.id;
    k.callinDone = false;
    a.waitingFor = fmt::format("cpu{} callin", b.id);
}

void KernelOps::nativeCpuUp(const Op& op, Cpu& a, Cpu& b) {
    KernelState& k = m_m.m_kernel;
    if (k.bootingCpu >= 0)
        throw OpError(op.loc, fmt::format("cpu{} is still being brought up", k.bootingCpu));
    enter(a, "native_cpu_up");
    if (k.variant != KernelVariant::FixTrampoline) {
        // 32-bit: swapper_pg_dir is the booting CPU's initial table, so it gets the low mappings.
        enter(a, "clone_pgd_range");
        clonePgdRange(k.swapperPgDir, 0, kKernelPgdBoundary, std::min(kKernelPgdPtrs, kKernelPgdBoundary));
        leave(a, "clone_pgd_range");
        flushTlbAllIpi(a);
        k.lowMappings = true;
    }
    doBootCpu(a, b);
}

void KernelOps::startSecondary(const Op& op, Cpu& b) {
    KernelState& k = m_m.m_kernel;
    if (b.state != CpuState::Booting || k.bootingCpu != b.id)
        throw OpError(op.loc, fmt::format("cpu{} is not being booted (it is {})", b.id, cpuStateName(b.state)));
    if (k.callinDone) throw OpError(op.loc, fmt::format("cpu{} already ran start_secondary", b.id));
    b.callStack = {"start_secondary"};
    if (k.variant == KernelVariant::FixTrampoline) {
        // v2 of the patch: switch to swapper_pg_dir first, then flush globally.
        enter(b, "load_cr3");
        loadCr3(b, k.swapperPgDir);
        leave(b, "load_cr3");
        enter(b, "__flush_tlb_all");
        flushTlbAll(b);
        leave(b, "__flush_tlb_all");
    }
    enter(b, "smp_callin");
    k.callinDone = true;
    leave(b, "smp_callin");
    Cpu& a = m_m.m_cpus[static_cast<std::size_t>(k.bootingBy)];
    if (a.state != CpuState::Halted) {
        // do_boot_cpu() sees the callin and returns to native_cpu_up.
        leave(a, "do_boot_cpu");
        a.waitingFor.clear();
        if (k.variant != KernelVariant::FixTrampoline) a.callStack.push_back("(next: zap_low_mappings)");
        else a.waitingFor = fmt::format("cpu{} online", b.id);
    }
    b.waitingFor = k.lowMappings ? "low_mappings == 0" : "";
}

void KernelOps::zapLowMappings(const Op& op, Cpu& a) {
    KernelState& k = m_m.m_kernel;
    if (k.variant == KernelVariant::FixTrampoline)
        throw OpError(op.loc, "fix-trampoline never puts low mappings in swapper_pg_dir: there is nothing to zap");
    if (k.bootingCpu >= 0 && !k.callinDone)
        throw OpError(op.loc, fmt::format("cpu{} has not called in yet: it still needs the low mappings",
                                          k.bootingCpu));
    if (!a.callStack.empty() && a.callStack.back() == "(next: zap_low_mappings)") a.callStack.pop_back();
    enter(a, "zap_low_mappings");
    for (unsigned i = 0; i < kKernelPgdBoundary; ++i)
        m_m.writeEntry(k.swapperPgDir + i * 8, k.emptyPmd | pae::LINUX_PDPTE, m_ev, "zap_low_mappings");
    flushTlbAllIpi(a);
    leave(a, "zap_low_mappings");
    k.lowMappings = false;
    if (k.bootingCpu >= 0) {
        a.waitingFor = fmt::format("cpu{} online", k.bootingCpu);
        Cpu& b = m_m.m_cpus[static_cast<std::size_t>(k.bootingCpu)];
        if (b.waitingFor == "low_mappings == 0") b.waitingFor.clear();
    }
}

void KernelOps::setCpuOnline(const Op& op, Cpu& b) {
    KernelState& k = m_m.m_kernel;
    if (b.state != CpuState::Booting || k.bootingCpu != b.id || !k.callinDone)
        throw OpError(op.loc, fmt::format("cpu{} has not run start_secondary", b.id));
    if (k.lowMappings)
        throw OpError(op.loc, fmt::format("cpu{} spins in start_secondary while low_mappings is set; "
                                          "native_cpu_up must zap_low_mappings first",
                                          b.id));
    if (k.variant != KernelVariant::FixTrampoline) {
        // After the low_mappings wait, 32-bit start_secondary flushes globally.
        enter(b, "__flush_tlb_all");
        flushTlbAll(b);
        leave(b, "__flush_tlb_all");
    }
    setState(b, CpuState::Online, "set_cpu_online");
    b.callStack = {"cpu_idle"};
    b.waitingFor.clear();
    Cpu& a = m_m.m_cpus[static_cast<std::size_t>(k.bootingBy)];
    if (a.state != CpuState::Halted) {
        a.waitingFor.clear();
        leave(a, "native_cpu_up");
    }
    k.bootingCpu = -1;
    k.bootingBy = -1;
    k.callinDone = false;
}

void KernelOps::cpuDown(const Op& op, Cpu& a, Cpu& b) {
    if (a.id == b.id) throw OpError(op.argLoc(0), "a CPU cannot take itself down here; use another CPU");
    if (b.state != CpuState::Online)
        throw OpError(op.argLoc(0), fmt::format("cpu{} is {}, not online", b.id, cpuStateName(b.state)));
    if (isUserTask(b.currentTask))
        throw OpError(op.argLoc(0), fmt::format("cpu{} runs {}; schedule idle on it first", b.id,
                                                m_m.m_tasks[static_cast<std::size_t>(b.currentTask)].name));
    int online = 0;
    for (const auto& c : m_m.m_cpus) online += c.state == CpuState::Online;
    if (online <= 1) throw OpError(op.loc, "cannot take the last online CPU down");
    enter(a, "cpu_down");
    ipi(a, b, "stop_machine (take_cpu_down)");
    // play_dead_common -> idle_task_exit(): switch to init_mm if another mm is active.
    if (b.activeMm != 0) {
        enter(b, "idle_task_exit");
        switchMm(b, b.activeMm, 0);
        enterLazyTlb(b);
        leave(b, "idle_task_exit");
    }
    for (auto& mm : m_m.m_mms) mm.cpumask &= ~(u64{1} << b.id);
    setState(b, CpuState::Offline, "cpu_down");
    b.callStack = {"play_dead"};
    leave(a, "cpu_down");
}

// ---- the operations (the op table, op_table.cpp, dispatches to these) -----------------------

Cpu& KernelOps::actingCpu(const Op& op) { return m_m.cpuMut(op.cpu); }

Cpu& KernelOps::targetCpu(const Op& op) {
    m_m.checkCpu(op, op.target, 0);
    return m_m.cpuMut(op.target);
}

void KernelOps::requireOnline(const Op& op, const Cpu& x) const {
    if (x.state != CpuState::Online)
        throw OpError(op.loc, fmt::format("cpu{} is {}, not online", x.id, cpuStateName(x.state)));
}

void KernelOps::opKernelBoot(const Op& op) { boot(op); }

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
        for (std::size_t i = 0; i < m_m.m_tasks.size(); ++i)
            if (m_m.m_tasks[i].cpu == c.id) t = static_cast<int>(i);
    } else {
        t = taskNamed(op, 0);
        if (m_m.m_tasks[static_cast<std::size_t>(t)].mm < 0)
            throw OpError(op.argLoc(0), "'" + op.name + "' is an idle task; write 'schedule idle'");
        for (const auto& o : m_m.m_cpus)
            if (o.id != c.id && o.currentTask == t && o.state != CpuState::Offline)
                throw OpError(op.argLoc(0), fmt::format("{} is running on cpu{}", op.name, o.id));
    }
    if (!c.callStack.empty() && c.callStack.front() != "cpu_idle")
        throw OpError(op.loc, fmt::format("cpu{} is inside {}; it cannot schedule now", c.id, c.callStack.front()));
    schedule(c, t);
}

void KernelOps::opSwitchMm(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    requireOnline(op, c);
    int t = taskNamed(op, 0);
    int mm = m_m.m_tasks[static_cast<std::size_t>(t)].mm;
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
    enter(c, "__flush_tlb");
    flushTlb(c);
    leave(c, "__flush_tlb");
}

void KernelOps::opFlushTlbAll(const Op& op) {
    requireBooted(op);
    Cpu& c = actingCpu(op);
    enter(c, "__flush_tlb_all");
    flushTlbAll(c);
    leave(c, "__flush_tlb_all");
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
    if (m_m.m_kernel.bootingCpu >= 0)
        throw OpError(op.loc, fmt::format("cpu{} is still being brought up", m_m.m_kernel.bootingCpu));
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

// SPDX-License-Identifier: GPL-3.0-or-later
// The Linux x86-32 (PAE, 3G/1G) kernel layer: operations named after the kernel functions of
// arch/x86/kernel/smpboot.c and arch/x86/mm/tlb.c (2.6.32 to 2.6.37): native_cpu_up clones
// swapper_pg_dir's kernel PMD into pgd[0] (clone_pgd_range), calls flush_tlb_all, sets
// low_mappings, boots the CPU (do_boot_cpu) and zaps the low mappings again; flush_tlb_all runs
// __flush_tlb_all on every CPU and leave_mm (load_cr3(swapper_pg_dir)) on a lazy one. The fixes:
// fix-trampoline is Linux commit fd89a137924e (a separate trampoline_pg_dir that only the booting
// CPU starts on); fix-flush is the alternative rejected in its review (a global flush whenever a
// CPU leaves swapper_pg_dir). lessons/README.md ("The Linux kernel layer") lists the operations.
// The three kernel variants are policies checked at the few places where they differ, not copies
// of the code.
//
// In the fine-grained mode (`kernel_steps fine`, issue 13) native_cpu_up, do_boot_cpu,
// flush_tlb_all, zap_low_mappings, start_secondary and set_cpu_online start a kernel path that
// the CPU runs one `kernel_step` at a time; flush_tlb_all sends an IPI to each other online CPU,
// which handles it in steps of its own while the sender waits for every acknowledgement.
#pragma once

#include "tlblab/machine.hpp"

namespace tlblab {

// What the kernel layer may do to a machine: its CPUs, tasks, mms and kernel state, the MOV CR3
// and MOV CR4 instructions, and page-table writes. The only friend of Machine: KernelOps sees
// nothing else of its insides.
class KernelHost {
public:
    explicit KernelHost(Machine& m) : m_m(m) {}

    std::vector<Cpu>& cpus() { return m_m.m_cpus; }
    Cpu& cpu(int i) { return m_m.cpuMut(i); }
    const Cpu& cpu(int i) const { return m_m.cpu(i); }
    void checkCpu(const Op& op, int cpu, std::size_t argIndex) const { m_m.checkCpu(op, cpu, argIndex); }
    std::vector<Task>& tasks() { return m_m.m_tasks; }
    const std::vector<Task>& tasks() const { return m_m.m_tasks; }
    std::vector<Mm>& mms() { return m_m.m_mms; }
    KernelState& kernel() { return m_m.m_kernel; }
    const KernelState& kernel() const { return m_m.m_kernel; }
    const PhysMemory& memory() const { return m_m.m_mem; }
    std::string tableName(u64 pa) const { return m_m.tableName(pa); }
    const Machine& machine() const { return m_m; }

    bool movCr3(Cpu& c, u64 value, EventList* ev) { return m_m.movCr3(c, static_cast<u32>(value), ev); }
    bool movCr4(Cpu& c, u32 value, EventList* ev) { return m_m.movCr4(c, value, ev); }
    u64 newTable(const std::string& name, EventList* ev) { return m_m.newTable(name, ev); }
    void reserveTables(const Op& op, std::size_t count) const { m_m.reserveTables(op, count); }
    void writeEntry(u64 pa, u64 value, EventList* ev, const std::string& why) { m_m.writeEntry(pa, value, ev, why); }
    // A write without an event of its own (kernel_boot sums up its 448 PMD entries in one).
    void writeQuietly(u64 pa, u64 value) { m_m.m_mem.write64(pa, value); }
    TlbConfig& tlbConfig() { return m_m.m_tlbConfig; }

private:
    Machine& m_m;
};

class KernelOps {
public:
    KernelOps(Machine& m, EventList* ev) : m_m(m), m_ev(ev) {}

    // The kernel operations, one per OpCode (the op table in op_table.cpp names them): each checks
    // what it needs (a booted kernel, online CPUs) and runs the kernel path.
    void opKernelBoot(const Op& op);
    void opTask(const Op& op);
    void opSchedule(const Op& op);
    void opSwitchMm(const Op& op);
    void opEnterLazyTlb(const Op& op);
    void opLeaveMm(const Op& op);
    void opFlushTlb(const Op& op);       // __flush_tlb
    void opFlushTlbAll(const Op& op);    // __flush_tlb_all
    void opFlushTlbAllIpi(const Op& op); // flush_tlb_all
    void opNativeCpuUp(const Op& op);
    void opDoBootCpu(const Op& op);
    void opStartSecondary(const Op& op);
    void opZapLowMappings(const Op& op);
    void opSetCpuOnline(const Op& op);
    void opCpuDown(const Op& op);
    void opKernelSteps(const Op& op);  // kernel_steps fine|atomic
    void opKernelStep(const Op& op);   // cpuN kernel_step

    // load_cr3(pgdir): MOV CR3, plus solution 1's global flush when leaving swapper_pg_dir.
    void loadCr3(Cpu& c, u64 pgd);

    // Fine-grained mode: whether `cpuN kernel_step` can run now (the CPU has an IPI to handle or
    // a step of its path that is not waiting), and why not if it cannot ("" if it can).
    static bool canStep(const Machine& m, int cpu);
    // Whether a thread operation of this CPU is refused now because it is inside a kernel path
    // or handling an IPI (the explorer asks before it copies a machine to run the op).
    static bool busy(const Machine& m, int cpu) { return m.cpu(cpu).steps.busy(); }
    // Whether the CPU op `op` waits for another CPU now (a hotplug op before its turn, any op of
    // a CPU inside a kernel path): it would throw without changing anything.
    static bool waits(const Machine& m, const Op& op);
    // The step `cpuN kernel_step` would run now, for narration: "handles the flush IPI:
    // __flush_tlb_all"; "" if none.
    static std::string nextStepText(const Machine& m, int cpu);

    // For the explorer: every CPU keeps only the first level of its TLB, its fully associative
    // arrays cut to `fullyAssociativeWays` ways (entries kept, in LRU order; CPUs reset later get
    // the same). The explorer uses such a machine only while no first-level set can evict, where
    // it behaves like the whole TLB at a fraction of the size.
    static void keepFirstTlbLevel(Machine& m, unsigned fullyAssociativeWays);

private:
    enum class Refusal : std::uint8_t;
    static Refusal refusal(const Machine& m, const Op& op);
    void refuseIfWaiting(const Op& op, const Cpu& c) const;

    void requireBooted(const Op& op) const;
    int taskNamed(const Op& op, std::size_t arg) const;
    Cpu& actingCpu(const Op& op);
    Cpu& targetCpu(const Op& op);  // op.target, checked to exist and not be halted
    void requireOnline(const Op& op, const Cpu& x) const;

    void boot(const Op& op);
    void newTask(const Op& op);
    void setSteps(const Op& op);
    void schedule(Cpu& c, int task);
    void switchMm(Cpu& c, int prevMm, int nextMm);
    void enterLazyTlb(Cpu& c);
    void leaveMm(Cpu& c, const Op* op);
    void flushTlb(Cpu& c);      // __flush_tlb
    void flushTlbAll(Cpu& c);   // __flush_tlb_all
    void flushTlbAllIpi(Cpu& c);  // flush_tlb_all: on_each_cpu(do_flush_tlb_all)
    void doFlushTlbAll(Cpu& t);   // the IPI's function, on one CPU
    void clonePgdRange(u64 pgd, unsigned dst, unsigned src, unsigned count);
    void nativeCpuUp(const Op& op, Cpu& a, Cpu& b);
    void doBootCpu(Cpu& a, Cpu& b);
    void sendInit(Cpu& a, Cpu& b);
    void sendStartup(Cpu& a, Cpu& b);
    void trampoline(Cpu& b);
    void startSecondary(const Op& op, Cpu& b);
    void callin(Cpu& b);
    void bootReturn(Cpu& a);
    void zapLowMappings(const Op& op, Cpu& a);
    void clearLowMappings(Cpu& a);
    void setCpuOnline(const Op& op, Cpu& b);
    void markOnline(Cpu& b);
    void cpuDown(const Op& op, Cpu& a, Cpu& b);

    // Fine-grained mode.
    void kernelStep(const Op& op, Cpu& c);
    void flushSendIpis(Cpu& c);
    void flushLocal(Cpu& c);
    void ipiStep(Cpu& t);
    KernelStep afterFlush(const Cpu& c) const;

    void enter(Cpu& c, KernelFn fn);
    void leave(Cpu& c, KernelFn fn);
    void ipi(Cpu& from, Cpu& to, const char* what, bool received = true);
    void setState(Cpu& c, CpuState s, const char* why);
    void restoreCpl(Cpu& c);
    bool isUserTask(int task) const;

    KernelHost m_m;
    EventList* m_ev;
};

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
// The Linux x86-32 (PAE, 3G/1G) kernel layer: operations named after the kernel functions of
// arch/x86/kernel/smpboot.c and arch/x86/mm/tlb.c (2.6.32 to 2.6.37), see
// ../shared/docs/scenario-facts.md sections 3 and 5. The three kernel variants are policies
// checked at the few places where they differ, not copies of the code.
#pragma once

#include "tlblab/machine.hpp"

namespace tlblab {

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

    // load_cr3(pgdir): MOV CR3, plus solution 1's global flush when leaving swapper_pg_dir.
    void loadCr3(Cpu& c, u64 pgd);

    // For the explorer: every CPU keeps only the first level of its TLB, its fully associative
    // arrays cut to `fullyAssociativeWays` ways (entries kept, in LRU order; CPUs reset later get
    // the same). The explorer uses such a machine only while no first-level set can evict, where
    // it behaves like the whole TLB at a fraction of the size.
    static void keepFirstTlbLevel(Machine& m, unsigned fullyAssociativeWays);

private:
    void requireBooted(const Op& op) const;
    int taskNamed(const Op& op, std::size_t arg) const;
    Cpu& actingCpu(const Op& op);
    Cpu& targetCpu(const Op& op);  // op.target, checked to exist and not be halted
    void requireOnline(const Op& op, const Cpu& x) const;

    void boot(const Op& op);
    void newTask(const Op& op);
    void schedule(Cpu& c, int task);
    void switchMm(Cpu& c, int prevMm, int nextMm);
    void enterLazyTlb(Cpu& c);
    void leaveMm(Cpu& c, const Op* op);
    void flushTlb(Cpu& c);      // __flush_tlb
    void flushTlbAll(Cpu& c);   // __flush_tlb_all
    void flushTlbAllIpi(Cpu& c);  // flush_tlb_all: on_each_cpu(do_flush_tlb_all)
    void clonePgdRange(u64 pgd, unsigned dst, unsigned src, unsigned count);
    void nativeCpuUp(const Op& op, Cpu& a, Cpu& b);
    void doBootCpu(Cpu& a, Cpu& b);
    void startSecondary(const Op& op, Cpu& b);
    void zapLowMappings(const Op& op, Cpu& a);
    void setCpuOnline(const Op& op, Cpu& b);
    void cpuDown(const Op& op, Cpu& a, Cpu& b);

    void enter(Cpu& c, const std::string& fn);
    void leave(Cpu& c, const std::string& fn);
    void ipi(Cpu& from, Cpu& to, const std::string& what);
    void setState(Cpu& c, CpuState s, const std::string& why);
    void restoreCpl(Cpu& c);
    bool isUserTask(int task) const;

    Machine& m_m;
    EventList* m_ev;
};

}  // namespace tlblab

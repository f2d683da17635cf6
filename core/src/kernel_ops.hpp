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

    void execute(const Op& op);

    // load_cr3(pgdir): MOV CR3, plus solution 1's global flush when leaving swapper_pg_dir.
    void loadCr3(Cpu& c, u64 pgd);

private:
    void requireBooted(const Op& op) const;
    int taskNamed(const Op& op, std::size_t arg) const;

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

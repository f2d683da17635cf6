// SPDX-License-Identifier: GPL-3.0-or-later
// The kernel's view of a CPU as data (issue 12): its call stack as kernel functions, what a
// blocked path waits for, and, in the fine-grained mode (issue 13), the step its kernel path
// runs next and the flush IPI it has to handle. The text the UI and the CLI print comes from
// the name tables here; the explorer hashes the words below (stateWord), not the text.
#pragma once

#include "tlblab/pae.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace tlblab {

// Kernel functions (and the few markers) a CPU's call stack can hold.
enum class KernelFn : std::uint8_t {
    CpuIdle, Schedule, SwitchMm, LeaveMm, LoadCr3, FlushTlb, FlushTlbAllLocal, FlushTlbAllFixFlush,
    FlushTlbAll, DoFlushTlbAll, NativeCpuUp, ClonePgdRange, DoBootCpu, StartupSmp, StartSecondary,
    SmpCallin, NextZapLowMappings, ZapLowMappings, CpuDown, IdleTaskExit, PlayDead, DoMachineCheck,
    Panic, StopThisCpu,
};
// "cpu_idle", "__flush_tlb_all (fix-flush)", "(next: zap_low_mappings)", ...
const char* kernelFnName(KernelFn f);

// A CPU's kernel call stack, outermost first: {cpu_idle, native_cpu_up, do_boot_cpu}. A value
// of fixed size (no allocation), so machine copies and the explorer's state stay cheap.
class KernelStack {
public:
    static constexpr std::size_t kCapacity = 14;
    KernelStack() = default;
    KernelStack(std::initializer_list<KernelFn> fns);
    KernelStack& operator=(std::initializer_list<KernelFn> fns) { return *this = KernelStack(fns); }

    bool empty() const { return m_size == 0; }
    std::size_t size() const { return m_size; }
    bool full() const { return m_size == kCapacity; }
    KernelFn operator[](std::size_t i) const { return m_fn[i]; }
    KernelFn front() const { return m_fn[0]; }
    KernelFn back() const { return m_fn[m_size - 1]; }
    const KernelFn* begin() const { return m_fn.data(); }
    const KernelFn* end() const { return m_fn.data() + m_size; }
    void push(KernelFn f) { m_fn[m_size++] = f; }  // callers check full() first
    void pop() { --m_size; }
    void clear() { m_size = 0; }
    // The functions joined by `sep`: "cpu_idle > native_cpu_up".
    std::string text(const char* sep) const;
    // Two words that identify the stack (for state fingerprints).
    std::array<u64, 2> stateWords() const;
    bool operator==(const KernelStack& o) const;

private:
    std::array<KernelFn, kCapacity> m_fn{};
    std::uint8_t m_size = 0;
};

// What a blocked kernel path waits for.
struct KernelWait {
    enum class Kind : std::uint8_t {
        None,
        Callin,           // do_boot_cpu polls for the booting CPU's callin: "cpu2 callin"
        Online,           // native_cpu_up waits for the CPU to be online: "cpu2 online"
        LowMappingsZero,  // start_secondary spins while low_mappings is set: "low_mappings == 0"
        IpiAcks,          // flush_tlb_all waits for every CPU it sent the IPI to: "IPI acknowledgements"
    };
    Kind kind = Kind::None;
    int cpu = -1;  // the CPU of Callin and Online

    bool empty() const { return kind == Kind::None; }
    void clear() { *this = KernelWait{}; }
    std::string text() const;  // "" for None
    u64 stateWord() const { return static_cast<u64>(kind) | (static_cast<u64>(static_cast<std::uint8_t>(cpu)) << 8); }
    bool operator==(const KernelWait&) const = default;
};

// The fine-grained mode's steps (`kernel_steps fine`): a kernel path that a CPU runs one
// `kernel_step` at a time, and the steps of handling the flush IPI.
enum class KernelStep : std::uint8_t {
    None,
    // native_cpu_up (buggy, fix-flush) and zap_low_mappings: flush_tlb_all as IPIs.
    FlushSendIpis,     // send the flush IPI to every other online CPU, then wait for their acks
    FlushLocal,        // every ack is in: do_flush_tlb_all on this CPU, return from flush_tlb_all
    SetLowMappings,    // native_cpu_up: low_mappings = 1
    SendInit,          // do_boot_cpu: INIT to the new CPU
    SendStartup,       // do_boot_cpu: the two STARTUP IPIs; then poll for the callin
    BootReturn,        // do_boot_cpu saw the callin and returns to native_cpu_up
    ClearLowMappings,  // zap_low_mappings returned: low_mappings = 0
    // The booting CPU.
    Trampoline,        // startup_32_smp: the trampoline turns paging on with CR3 = initial table
    SecondaryLoadCr3,  // start_secondary (fix-trampoline): load_cr3(swapper_pg_dir)
    SecondaryFlush,    // start_secondary (fix-trampoline): __flush_tlb_all
    Callin,            // smp_callin
    MarkOnline,        // set_cpu_online (after the buggy kernels' __flush_tlb_all)
};
const char* kernelStepName(KernelStep s);  // what the step does, for narration

// A CPU's part in the flush IPI (fine-grained mode).
enum class IpiStage : std::uint8_t {
    None,
    Pending,   // sent, not handled yet
    Flushed,   // in do_flush_tlb_all: __flush_tlb_all done; leave_mm next if lazy, then the ack
    LeftMm,    // in do_flush_tlb_all: leave_mm done; the ack next
};
const char* ipiStageName(IpiStage s);  // the step a CPU at this stage runs next, for narration

// A CPU's place in the fine-grained kernel paths.
struct KernelSteps {
    KernelStep next = KernelStep::None;  // the next step of its own kernel path
    IpiStage ipi = IpiStage::None;       // its part in a flush IPI (handled before anything else)
    bool busy() const { return next != KernelStep::None || ipi != IpiStage::None; }
    u64 stateWord() const { return static_cast<u64>(next) | (static_cast<u64>(ipi) << 8); }
    bool operator==(const KernelSteps&) const = default;
};

}  // namespace tlblab

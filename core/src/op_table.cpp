// SPDX-License-Identifier: GPL-3.0-or-later
#include "op_table.hpp"

#include <fmt/format.h>

namespace tlblab {

namespace {

constexpr Choice kModels[] = {{"erratum383", 0}, {"correct", 1}};
constexpr Choice kVariants[] = {{"buggy", 0}, {"fix-flush", 1}, {"fix-trampoline", 2}};
constexpr Choice kPageSizes[] = {{"4K", static_cast<u64>(PageSize::K4)}, {"2M", static_cast<u64>(PageSize::M2)}};
constexpr Choice kMapFlags[] = {{"user", MAP_USER},     {"rw", MAP_RW},           {"global", MAP_GLOBAL},
                                {"nx", MAP_NX},         {"accessed", MAP_ACCESSED}, {"dirty", MAP_DIRTY}};
constexpr Choice kLevels[] = {{"pdpte", 0}, {"pde", 1}, {"pte", 2}};
constexpr Choice kBits[] = {{"0", 0}, {"1", 1}};
constexpr Choice kAccessTypes[] = {{"read", static_cast<u64>(AccessType::Read)},
                                   {"write", static_cast<u64>(AccessType::Write)},
                                   {"exec", static_cast<u64>(AccessType::Exec)}};
constexpr Choice kModes[] = {{"user", static_cast<u64>(Mode::User)}, {"kernel", static_cast<u64>(Mode::Kernel)}};
constexpr Choice kRegs[] = {{"cr4.pge", static_cast<u64>(Reg::Cr4Pge)},
                            {"cr0.wp", static_cast<u64>(Reg::Cr0Wp)},
                            {"efer.nxe", static_cast<u64>(Reg::EferNxe)}};
constexpr Choice kPolicies[] = {{"off", 0}, {"random", 1}};
constexpr Choice kStepModes[] = {{"atomic", 0}, {"fine", 1}};

// The model's physical-address width (pae::kMaxPhysAddr) bounds every address a map writes.
constexpr u64 kPhysLimit = u64{1} << pae::kMaxPhysAddr;

void checkMap(const Op& op, std::span<const Token> text) {
    const u64 align = pageBytes(op.size);
    if (op.a % align)
        throw OpError(op.argLoc(1), fmt::format("unaligned address {} for {} pages", hex(op.a), pageSizeName(op.size)));
    if (op.pa() % align)
        throw OpError(op.argLoc(2), fmt::format("unaligned physical address {} for {} pages", hex(op.pa()),
                                                pageSizeName(op.size)));
    if (op.length() == 0 || op.length() % align)
        throw OpError(op.argLoc(3), fmt::format("length must be a non-zero multiple of {}", pageSizeName(op.size)));
    // Compared without overflow: PA + LENGTH may wrap around 2^64.
    if (op.pa() >= kPhysLimit)
        throw OpError(op.argLoc(2), fmt::format("physical address {} is beyond the {}-bit physical address space",
                                                hex(op.pa()), pae::kMaxPhysAddr));
    if (op.length() > kPhysLimit - op.pa())
        throw OpError(op.argLoc(3), fmt::format("physical range {} + {} ends beyond the {}-bit physical address space",
                                                hex(op.pa()), text[3].text, pae::kMaxPhysAddr));
}

void checkUnmap(const Op& op, std::span<const Token>) {
    if (op.a % 0x1000) throw OpError(op.argLoc(1), fmt::format("unaligned address {} (must be 4K aligned)", hex(op.a)));
    if (op.length() == 0 || op.length() % 0x1000) throw OpError(op.argLoc(2), "length must be a non-zero multiple of 4K");
}

void checkClone(const Op& op, std::span<const Token>) {
    if (op.a > 3) throw OpError(op.argLoc(1), "a PAE PDPT has 4 entries: index 0..3");
    if (op.b > 3) throw OpError(op.argLoc(2), "a PAE PDPT has 4 entries: index 0..3");
    if (op.d < 1 || op.a + op.d > 4 || op.b + op.d > 4) throw OpError(op.argLoc(3), "count runs past the 4 PDPT entries");
}

using C = OpClass;
using R = OpReach;
using M = Machine;
using K = KernelOps;

}  // namespace

// One row per OpCode, in its order. Columns: code, keyword, class, written on a CPU, explorer
// reach, arguments, checks between arguments, and the function that runs it (Machine or kernel).
constexpr std::array<OpSpec, static_cast<std::size_t>(OpCode::KernelStep) + 1> OpTable::kSpecs{{
    {OpCode::Cpus, "cpus", C::Setup, false, R::Everything, {{{Arg::CpuCount, "a CPU count"}}}, nullptr, &M::runCpus, nullptr},
    {OpCode::CpuModel, "cpu_model", C::Setup, false, R::Everything, {{{Arg::Model, "a CPU model"}}}, nullptr,
     &M::runCpuModel, nullptr},
    {OpCode::TlbPreset, "tlb_preset", C::Setup, false, R::Everything, {{{Arg::Name, "a TLB preset name"}}}, nullptr,
     &M::runTlbPreset, nullptr},
    {OpCode::KernelVariant, "kernel_variant", C::Setup, false, R::Everything, {{{Arg::Variant, "a kernel variant"}}},
     nullptr, &M::runKernelVariant, nullptr},
    {OpCode::Seed, "seed", C::Setup, false, R::Everything, {{{Arg::Number, "a seed"}}}, nullptr, &M::runSeed, nullptr},
    {OpCode::Speculation, "speculation", C::Setup, false, R::Everything,
     {{{Arg::Speculation, "a speculation policy"}}}, nullptr, &M::runSpeculation, nullptr},
    {OpCode::Table, "table", C::State, false, R::Everything, {{{Arg::Name, "a name"}}}, nullptr, &M::runTable, nullptr},
    {OpCode::Map, "map", C::State, false, R::Everything,
     {{{Arg::Name, "a table"}, {Arg::Linear, "a linear address"}, {Arg::Phys, "a physical address"},
       {Arg::Length, "a length"}, {Arg::PageSize, "a page size"}, {Arg::MapFlags, "a flag"}}},
     &checkMap, &M::runMap, nullptr},
    {OpCode::Unmap, "unmap", C::State, false, R::Everything,
     {{{Arg::Name, "a table"}, {Arg::Linear, "a linear address"}, {Arg::Length, "a length"}}}, &checkUnmap,
     &M::runUnmap, nullptr},
    {OpCode::ClonePgdRange, "clone_pgd_range", C::State, false, R::Everything,
     {{{Arg::Name, "a table"}, {Arg::PdptDst, "a destination index"}, {Arg::PdptSrc, "a source index"},
       {Arg::PdptCount, "a count"}}},
     &checkClone, &M::runClonePgdRange, nullptr},
    {OpCode::WriteEntry, "write_entry", C::State, false, R::Everything,
     {{{Arg::Name, "a table"}, {Arg::Linear, "a linear address"}, {Arg::Level, "a level"},
       {Arg::EntryValue, "an entry value"}}},
     nullptr, &M::runWriteEntry, nullptr},
    {OpCode::LoadCr3, "load_cr3", C::State, true, R::OwnCpuPdpt, {{{Arg::Name, "a table"}}}, nullptr, &M::runLoadCr3,
     nullptr},
    {OpCode::Access, "access", C::State, true, R::Access,
     {{{Arg::Linear, "a linear address"}, {Arg::AccessType, "an access type"}, {Arg::Mode, "a privilege"}}}, nullptr,
     &M::runAccess, nullptr},
    {OpCode::Translate, "translate", C::Predict, true, R::Everything,
     {{{Arg::Linear, "a linear address"}, {Arg::AccessType, "an access type"}, {Arg::Mode, "a privilege"}}}, nullptr,
     &M::runTranslate, nullptr},
    {OpCode::Speculate, "speculate", C::State, true, R::Speculate, {{{Arg::Linear, "a linear address"}}}, nullptr,
     &M::runSpeculate, nullptr},
    {OpCode::Invlpg, "invlpg", C::State, true, R::OwnCpu, {{{Arg::Linear, "a linear address"}}}, nullptr, &M::runInvlpg,
     nullptr},
    {OpCode::Flush, "flush", C::State, true, R::OwnCpuPdpt, {}, nullptr, &M::runFlush, nullptr},
    {OpCode::FlushAll, "flush_all", C::State, true, R::OwnCpuPdpt, {}, nullptr, &M::runFlushAll, nullptr},
    {OpCode::Set, "set", C::State, true, R::OwnCpuPdpt, {{{Arg::Reg, "a register bit"}, {Arg::Bit, "a value"}}},
     nullptr, &M::runSet, nullptr},
    {OpCode::ShowCpu, "show", C::Inspect, false, R::Everything, {{{Arg::Cpu, "what to show"}}}, nullptr,
     &M::runShowCpu, nullptr},
    {OpCode::ShowTlb, "show", C::Inspect, false, R::Everything, {{{Arg::Literal, "tlb"}, {Arg::Cpu, "a CPU (cpuN)"}}},
     nullptr, &M::runShowTlb, nullptr},
    {OpCode::ShowTable, "show", C::Inspect, false, R::Everything, {{{Arg::Literal, "table"}, {Arg::Name, "a table"}}},
     nullptr, &M::runShowTable, nullptr},
    {OpCode::KernelBoot, "kernel_boot", C::Boot, false, R::Everything, {{{Arg::Lowmem, "a lowmem size"}}}, nullptr,
     nullptr, &K::opKernelBoot},
    {OpCode::Task, "task", C::State, false, R::Everything, {{{Arg::Name, "a name"}}}, nullptr, nullptr, &K::opTask},
    {OpCode::Schedule, "schedule", C::State, true, R::Schedule, {{{Arg::Name, "a task (or idle)"}}}, nullptr, nullptr,
     &K::opSchedule},
    {OpCode::SwitchMm, "switch_mm", C::State, true, R::OwnCpuPdpt, {{{Arg::Name, "a task"}}}, nullptr, nullptr,
     &K::opSwitchMm},
    {OpCode::EnterLazyTlb, "enter_lazy_tlb", C::State, true, R::OwnCpu, {}, nullptr, nullptr, &K::opEnterLazyTlb},
    {OpCode::LeaveMm, "leave_mm", C::State, true, R::OwnCpuPdpt, {}, nullptr, nullptr, &K::opLeaveMm},
    {OpCode::KFlushTlb, "__flush_tlb", C::State, true, R::OwnCpuPdpt, {}, nullptr, nullptr, &K::opFlushTlb},
    {OpCode::KFlushTlbAll, "__flush_tlb_all", C::State, true, R::OwnCpuPdpt, {}, nullptr, nullptr, &K::opFlushTlbAll},
    {OpCode::FlushTlbAllIpi, "flush_tlb_all", C::State, true, R::AllCpus, {}, nullptr, nullptr, &K::opFlushTlbAllIpi},
    {OpCode::NativeCpuUp, "native_cpu_up", C::State, true, R::AllKernel, {{{Arg::Cpu, "a CPU (cpuN)"}}}, nullptr,
     nullptr, &K::opNativeCpuUp},
    {OpCode::DoBootCpu, "do_boot_cpu", C::State, true, R::BootPair, {{{Arg::Cpu, "a CPU (cpuN)"}}}, nullptr, nullptr,
     &K::opDoBootCpu},
    {OpCode::StartSecondary, "start_secondary", C::State, true, R::BootingPair, {}, nullptr, nullptr,
     &K::opStartSecondary},
    {OpCode::ZapLowMappings, "zap_low_mappings", C::State, true, R::AllKernel, {}, nullptr, nullptr,
     &K::opZapLowMappings},
    {OpCode::SetCpuOnline, "set_cpu_online", C::State, true, R::BootingPair, {}, nullptr, nullptr, &K::opSetCpuOnline},
    {OpCode::CpuDown, "cpu_down", C::State, true, R::CpuDown, {{{Arg::Cpu, "a CPU (cpuN)"}}}, nullptr, nullptr,
     &K::opCpuDown},
    // The fine-grained kernel paths (issue 13): the mode, and the next step of one CPU's path or IPI.
    {OpCode::KernelSteps, "kernel_steps", C::State, false, R::Everything, {{{Arg::StepMode, "a kernel step mode"}}},
     nullptr, nullptr, &K::opKernelSteps},
    {OpCode::KernelStep, "kernel_step", C::State, true, R::AllKernel, {}, nullptr, nullptr, &K::opKernelStep},
}};

namespace {
// gcc cannot evaluate a comparison of member function pointers at compile time when UBSan instruments
// it (the asan preset): there the check keeps to the order; the dev and release builds check both.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCheckRunFunctions = false;
#else
constexpr bool kCheckRunFunctions = true;
#endif
constexpr bool rowsInOpCodeOrder() {
    for (std::size_t i = 0; i < OpTable::kSpecs.size(); ++i) {
        const OpSpec& s = OpTable::kSpecs[i];
        if (static_cast<std::size_t>(s.code) != i) return false;
        if constexpr (kCheckRunFunctions) {
            if ((s.run == nullptr) == (s.kernel == nullptr)) return false;
        }
    }
    return true;
}
static_assert(rowsInOpCodeOrder(), "one op table row per OpCode, in its order, each with one run function");
}  // namespace

std::span<const Choice> choicesOf(Arg kind) {
    switch (kind) {
    case Arg::Model: return kModels;
    case Arg::Variant: return kVariants;
    case Arg::PageSize: return kPageSizes;
    case Arg::MapFlags: return kMapFlags;
    case Arg::Level: return kLevels;
    case Arg::Bit: return kBits;
    case Arg::AccessType: return kAccessTypes;
    case Arg::Mode: return kModes;
    case Arg::Reg: return kRegs;
    case Arg::Speculation: return kPolicies;
    case Arg::StepMode: return kStepModes;
    default: return {};
    }
}

OpClass opClass(OpCode c) { return opSpec(c).cls; }
bool isCpuOp(OpCode c) { return opSpec(c).onCpu; }
OpReach opReach(OpCode c) { return opSpec(c).reach; }
const char* opKeyword(OpCode c) { return static_cast<std::size_t>(c) < opSpecs().size() ? opSpec(c).keyword : "?"; }

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/events.hpp"

#include "tlblab/ops.hpp"

#include <fmt/format.h>

namespace tlblab {

const char* originName(Origin o) { return o == Origin::Demand ? "walk" : "speculation"; }

const char* flushKindName(FlushKind k) {
    switch (k) {
    case FlushKind::NonGlobal: return "non_global";
    case FlushKind::All: return "all";
    case FlushKind::Invlpg: return "invlpg";
    case FlushKind::PageFault: return "page_fault";
    case FlushKind::Replace: return "replace";
    case FlushKind::Init: return "init";
    }
    return "?";
}

const char* eventKindName(EventKind k) {
    switch (k) {
    case EventKind::Cr0Write: return "cr0_write";
    case EventKind::Cr3Write: return "cr3_load";
    case EventKind::Cr4Write: return "cr4_write";
    case EventKind::EferWrite: return "efer_write";
    case EventKind::PdpteLoad: return "pdpte_load";
    case EventKind::GeneralProtection: return "general_protection";
    case EventKind::TlbHit: return "tlb_hit";
    case EventKind::TlbMiss: return "tlb_miss";
    case EventKind::Walk: return "walk";
    case EventKind::PermissionMismatch: return "permission_mismatch";
    case EventKind::PageFault: return "page_fault";
    case EventKind::AccessDone: return "access";
    case EventKind::Translate: return "translate";
    case EventKind::TlbFill: return "tlb_fill";
    case EventKind::TlbEvict: return "tlb_evict";
    case EventKind::TlbMove: return "tlb_move";
    case EventKind::TlbInvalidate: return "tlb_invalidate";
    case EventKind::TlbFlush: return "tlb_flush";
    case EventKind::SpeculationNone: return "speculation_none";
    case EventKind::Multimatch: return "multimatch";
    case EventKind::MachineCheck: return "machine_check";
    case EventKind::Panic: return "panic";
    case EventKind::TableCreate: return "table_create";
    case EventKind::TableWrite: return "table_write";
    case EventKind::IpiSend: return "ipi_send";
    case EventKind::IpiReceive: return "ipi_receive";
    case EventKind::CpuState: return "cpu_state";
    case EventKind::KernelEnter: return "kernel_enter";
    case EventKind::KernelExit: return "kernel_exit";
    case EventKind::TaskSwitch: return "task_switch";
    case EventKind::TlbState: return "tlb_state";
    case EventKind::MmSwitch: return "mm_switch";
    case EventKind::Output: return "output";
    }
    return "?";
}

namespace {
const char* stateName(u64 s) {
    static const char* k[] = {"online", "booting", "offline", "halted"};
    return s < 4 ? k[s] : "?";
}
std::string entryText(const Event& e) {
    return fmt::format("#{} {} {} -> {}{} ({})", e.entryId, hex32(e.va), pageSizeName(e.size), hex(e.pa),
                       e.global ? " G" : "", originName(e.origin));
}
}  // namespace

std::string describe(const Event& e) {
    const std::string who = e.cpu >= 0 ? fmt::format("cpu{}: ", e.cpu) : std::string();
    switch (e.kind) {
    case EventKind::Cr0Write: return who + fmt::format("MOV CR0 {} -> {}", hex32(e.before), hex32(e.after));
    case EventKind::Cr3Write:
        return who + fmt::format("MOV CR3 {} -> {}{}", hex32(e.before), hex32(e.after),
                                 e.detail.empty() ? "" : " (" + e.detail + ")");
    case EventKind::Cr4Write:
        return who + fmt::format("MOV CR4 {} -> {} (PGE {} -> {})", hex32(e.before), hex32(e.after),
                                 (e.before >> 7) & 1, (e.after >> 7) & 1);
    case EventKind::EferWrite: return who + fmt::format("WRMSR EFER {} -> {}", hex(e.before), hex(e.after));
    case EventKind::PdpteLoad:
        return who + fmt::format("PDPTE{} register {} -> {} (from {} in {})", e.count, hex(e.before), hex(e.after),
                                 hex(e.pa), e.detail);
    case EventKind::GeneralProtection: return who + "#GP: " + e.detail;
    case EventKind::TlbHit: return who + fmt::format("TLB hit {} -> entry #{}", hex32(e.va), e.entryId);
    case EventKind::TlbMiss: return who + fmt::format("TLB miss {}", hex32(e.va));
    case EventKind::Walk: return who + fmt::format("page walk {}: {}", hex32(e.va), e.detail);
    case EventKind::PermissionMismatch:
        return who + fmt::format("permission mismatch at {} on entry #{} ({})", hex32(e.va), e.entryId, e.detail);
    case EventKind::PageFault: return who + fmt::format("#PF at {}: {}", hex32(e.va), e.detail);
    case EventKind::AccessDone:
        return who + fmt::format("{} {} -> {} ({})", e.detail, hex32(e.va), hex(e.pa), pageSizeName(e.size));
    case EventKind::Translate: return who + fmt::format("translate {}: {}", hex32(e.va), e.detail);
    case EventKind::TlbFill: return who + fmt::format("TLB fill {} into {}", entryText(e), e.detail);
    case EventKind::TlbEvict: return who + fmt::format("TLB evict {} from {}", entryText(e), e.detail);
    case EventKind::TlbMove: return who + fmt::format("TLB move {} {}", entryText(e), e.detail);
    case EventKind::TlbInvalidate:
        return who + fmt::format("TLB invalidate {} ({})", entryText(e), flushKindName(e.flush));
    case EventKind::TlbFlush:
        return who + fmt::format("TLB flush {}{}: {} entries removed", flushKindName(e.flush),
                                 e.va ? fmt::format(" {}", hex32(e.va)) : std::string(), e.count);
    case EventKind::SpeculationNone: return who + fmt::format("speculation at {}: nothing cached ({})", hex32(e.va), e.detail);
    case EventKind::Multimatch:
        return who + fmt::format("TLB MULTIMATCH at {}: {} entries match ({})", hex32(e.va), e.count, e.detail);
    case EventKind::MachineCheck:
        return who + fmt::format("MACHINE CHECK: MC0_STATUS = {}, MCG_STATUS = {} (MCIP)", hex(e.after), hex(e.before));
    case EventKind::Panic: return who + e.detail;
    case EventKind::TableCreate: return fmt::format("new table '{}' at {}", e.detail, hex(e.pa));
    case EventKind::TableWrite:
        return who + fmt::format("entry at {}: {} -> {} ({})", hex(e.pa), hex(e.before), hex(e.after), e.detail);
    case EventKind::IpiSend: return who + fmt::format("IPI {} -> cpu{}", e.detail, e.other);
    case EventKind::IpiReceive: return who + fmt::format("receives IPI {} from cpu{}", e.detail, e.other);
    case EventKind::CpuState:
        return who + fmt::format("{} -> {} ({})", stateName(e.before), stateName(e.after), e.detail);
    case EventKind::KernelEnter: return who + "enter " + e.detail + "()";
    case EventKind::KernelExit: return who + "return from " + e.detail + "()";
    case EventKind::TaskSwitch: return who + "context switch " + e.detail;
    case EventKind::TlbState: return who + "TLBSTATE_OK -> TLBSTATE_LAZY (" + e.detail + ")";
    case EventKind::MmSwitch: return who + "switch_mm " + e.detail;
    case EventKind::Output: return e.detail;
    }
    return who + eventKindName(e.kind);
}

}  // namespace tlblab

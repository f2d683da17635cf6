// SPDX-License-Identifier: GPL-3.0-or-later
#include "EventStyle.hpp"

namespace tlblab::ui {

int eventWeight(const Event& e) {
    switch (e.kind) {
    case EventKind::Multimatch: case EventKind::MachineCheck: case EventKind::Panic:
        return 3;
    case EventKind::Cr3Write: case EventKind::Cr4Write: case EventKind::IpiSend: case EventKind::IpiReceive:
    case EventKind::TlbFlush: case EventKind::PageFault: case EventKind::PermissionMismatch:
    case EventKind::CpuState: case EventKind::GeneralProtection:
        return 2;
    case EventKind::TlbFill:
        return (e.global || e.origin == Origin::Speculative) ? 2 : 1;
    case EventKind::TlbHit: case EventKind::KernelEnter: case EventKind::KernelExit: case EventKind::TlbMove:
    case EventKind::Translate: case EventKind::Output: case EventKind::SpeculationNone: case EventKind::TlbMiss:
    case EventKind::AccessDone:
        return 0;
    default:
        return 1;
    }
}

QColor eventColor(const Event& e, bool dark) {
    auto pick = [dark](const char* light, const char* darkC) { return QColor(QLatin1String(dark ? darkC : light)); };
    switch (e.kind) {
    case EventKind::Multimatch: case EventKind::MachineCheck: case EventKind::Panic:
        return pick("#c62828", "#ff5252");
    case EventKind::PageFault: case EventKind::PermissionMismatch: case EventKind::GeneralProtection:
        return pick("#ef6c00", "#ffab40");
    case EventKind::Cr3Write: case EventKind::Cr4Write: case EventKind::PdpteLoad:
        return pick("#1565c0", "#64b5f6");
    case EventKind::IpiSend: case EventKind::IpiReceive:
        return pick("#6a1b9a", "#ce93d8");
    case EventKind::TlbFlush: case EventKind::TlbInvalidate: case EventKind::TlbEvict:
        return pick("#5d4037", "#bcaaa4");
    case EventKind::TlbFill:
        if (e.origin == Origin::Speculative) return pick("#ad1457", "#f48fb1");
        return e.global ? pick("#2e7d32", "#81c784") : pick("#00838f", "#4dd0e1");
    case EventKind::TableWrite: case EventKind::TableCreate:
        return pick("#455a64", "#b0bec5");
    default:
        return pick("#757575", "#9e9e9e");
    }
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/diagram.hpp"

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
    // The core's semantic palette, so a mark means here what it means on the canvas and in exports.
    const Theme theme = dark ? Theme::Dark : Theme::Light;
    auto meaning = [theme](Meaning m) { return QColor(QString::fromStdString(meaningColor(theme, m))); };
    auto cpu = [theme](int c) { return QColor(QString::fromStdString(cpuColor(theme, c))); };
    switch (e.kind) {
    case EventKind::Multimatch: case EventKind::MachineCheck: case EventKind::Panic:
    case EventKind::PageFault: case EventKind::PermissionMismatch: case EventKind::GeneralProtection:
        return meaning(Meaning::Conflict);
    case EventKind::Cr3Write: case EventKind::Cr4Write: case EventKind::PdpteLoad:
    case EventKind::IpiSend: case EventKind::IpiReceive:
        return e.cpu >= 0 ? cpu(e.kind == EventKind::IpiReceive && e.other >= 0 ? e.other : e.cpu) : meaning(Meaning::Changed);
    case EventKind::TlbFlush: case EventKind::TlbInvalidate: case EventKind::TlbEvict:
    case EventKind::TableWrite: case EventKind::TableCreate:
        return meaning(Meaning::Changed);
    case EventKind::TlbFill:
        if (e.origin == Origin::Speculative) return meaning(Meaning::Speculative);
        return e.global ? meaning(Meaning::Global) : meaning(Meaning::WalkPath);
    default:
        return QColor(QLatin1String(dark ? "#9e9e9e" : "#757575"));
    }
}

}  // namespace tlblab::ui

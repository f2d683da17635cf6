// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/breakpoints.hpp"

#include "tlblab/ops.hpp"

#include <fmt/format.h>

namespace tlblab {

namespace {
struct Name {
    BreakOn on;
    const char* name;
};
constexpr Name kNames[] = {
    {BreakOn::MachineCheck, "machine_check"}, {BreakOn::Multimatch, "multimatch"},
    {BreakOn::Cr3Load, "cr3_load"},           {BreakOn::GlobalFill, "global_fill"},
    {BreakOn::SpeculativeFill, "speculative_fill"}, {BreakOn::PageFault, "page_fault"},
    {BreakOn::Ipi, "ipi"},                    {BreakOn::Address, "address"},
};

bool kindMatches(BreakOn on, const Event& e) {
    switch (on) {
    case BreakOn::MachineCheck: return e.kind == EventKind::MachineCheck;
    case BreakOn::Multimatch: return e.kind == EventKind::Multimatch;
    case BreakOn::Cr3Load: return e.kind == EventKind::Cr3Write;
    case BreakOn::GlobalFill: return e.kind == EventKind::TlbFill && e.global;
    case BreakOn::SpeculativeFill: return e.kind == EventKind::TlbFill && e.origin == Origin::Speculative;
    case BreakOn::PageFault: return e.kind == EventKind::PageFault;
    case BreakOn::Ipi: return e.kind == EventKind::IpiSend || e.kind == EventKind::IpiReceive;
    case BreakOn::Address: return true;
    }
    return false;
}

// Events whose `va` field is a linear address or page (the others leave it 0 or use it otherwise).
bool carriesAddress(const Event& e) {
    switch (e.kind) {
    case EventKind::TlbHit: case EventKind::TlbMiss: case EventKind::Walk: case EventKind::PermissionMismatch:
    case EventKind::PageFault: case EventKind::AccessDone: case EventKind::Translate: case EventKind::TlbFill:
    case EventKind::TlbEvict: case EventKind::TlbMove: case EventKind::TlbInvalidate: case EventKind::Multimatch:
    case EventKind::MachineCheck: case EventKind::SpeculationNone:
        return true;
    default:
        return false;
    }
}
}  // namespace

const char* breakOnName(BreakOn b) {
    for (const auto& n : kNames)
        if (n.on == b) return n.name;
    return "?";
}

bool parseBreakOn(std::string_view s, BreakOn& out) {
    for (const auto& n : kNames)
        if (s == n.name) {
            out = n.on;
            return true;
        }
    return false;
}

std::vector<BreakOn> allBreakOns() {
    std::vector<BreakOn> v;
    for (const auto& n : kNames) v.push_back(n.on);
    return v;
}

std::string Breakpoint::describe() const {
    std::string s = breakOnName(on);
    for (char& ch : s)
        if (ch == '_') ch = ' ';
    if (cpu >= 0) s += fmt::format(" on cpu{}", cpu);
    if (address) s += " at " + hex32(*address);
    return s;
}

bool matches(const Breakpoint& bp, const Event& e) {
    if (!bp.enabled || !kindMatches(bp.on, e)) return false;
    const bool ipi = e.kind == EventKind::IpiSend || e.kind == EventKind::IpiReceive;
    if (bp.cpu >= 0 && e.cpu != bp.cpu && !(ipi && e.other == bp.cpu)) return false;
    if (bp.address) {
        if (!carriesAddress(e)) return false;
        const u64 size = (e.kind == EventKind::TlbFill || e.kind == EventKind::TlbInvalidate ||
                          e.kind == EventKind::TlbEvict)
                             ? pageBytes(e.size)
                             : 0x1000u;
        const u64 base = e.va & ~(size - 1);
        if (*bp.address < base || *bp.address >= base + size) return false;
    } else if (bp.on == BreakOn::Address) {
        return false;
    }
    return true;
}

int firstHit(const std::vector<Breakpoint>& bps, const EventList& events) {
    for (const auto& e : events)
        for (std::size_t i = 0; i < bps.size(); ++i)
            if (matches(bps[i], e)) return static_cast<int>(i);
    return -1;
}

}  // namespace tlblab

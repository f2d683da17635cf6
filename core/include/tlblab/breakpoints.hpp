// SPDX-License-Identifier: GPL-3.0-or-later
// Breakpoints of the debugger: conditions on the events of one step (one operation).
// Pure logic shared by the app's controller, tests and any other front end.
#pragma once

#include "tlblab/events.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlblab {

enum class BreakOn : std::uint8_t {
    MachineCheck,     // EventKind::MachineCheck
    Multimatch,       // EventKind::Multimatch
    Cr3Load,          // EventKind::Cr3Write
    GlobalFill,       // TlbFill of a global entry
    SpeculativeFill,  // TlbFill with Origin::Speculative
    PageFault,        // EventKind::PageFault
    Ipi,              // IpiSend or IpiReceive
    Address,          // any event touching the address (needs `address`)
};
const char* breakOnName(BreakOn b);  // "machine_check", "multimatch", "cr3_load", ...
bool parseBreakOn(std::string_view s, BreakOn& out);
std::vector<BreakOn> allBreakOns();

struct Breakpoint {
    BreakOn on = BreakOn::MachineCheck;
    int cpu = -1;                 // -1: any CPU
    std::optional<u32> address;   // a linear address the event must cover (page granularity)
    bool enabled = true;

    std::string describe() const;  // "speculative fill on cpu1 at 0x08048000"
    bool operator==(const Breakpoint&) const = default;
};

// Does this event satisfy the breakpoint?
bool matches(const Breakpoint& bp, const Event& e);
// Index of the first enabled breakpoint any of `events` satisfies, or -1.
int firstHit(const std::vector<Breakpoint>& bps, const EventList& events);

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
// Structured events: every state change of the machine is one Event. A step (one operation)
// produces a list of them; views and exports only read these and machine snapshots.
#pragma once

#include "tlblab/pae.hpp"

#include <string>
#include <vector>

namespace tlblab {

enum class Origin : std::uint8_t { Demand, Speculative };
const char* originName(Origin o);  // "walk" / "speculation"

enum class FlushKind : std::uint8_t {
    NonGlobal,  // MOV CR3: every entry except global ones (while CR4.PGE = 1)
    All,        // MOV CR4 changing PGE: every entry
    Invlpg,     // INVLPG: the entries of one page, whatever page size covers it
    PageFault,  // a page fault invalidates the entries of the faulting page
    Replace,    // a correct CPU replacing the stale entry after a permission mismatch
    Init,       // INIT IPI: the TLB is reset
};
const char* flushKindName(FlushKind k);

enum class EventKind : std::uint8_t {
    Cr0Write, Cr3Write, Cr4Write, EferWrite, PdpteLoad, GeneralProtection,
    TlbHit, TlbMiss, Walk, PermissionMismatch, PageFault, AccessDone, Translate,
    TlbFill, TlbEvict, TlbMove, TlbInvalidate, TlbFlush, SpeculationNone,
    Multimatch, MachineCheck, Panic,
    TableCreate, TableWrite,
    IpiSend, IpiReceive, CpuState, KernelEnter, KernelExit, TaskSwitch, TlbState, MmSwitch,
    Output,
};
const char* eventKindName(EventKind k);  // snake_case, stable (used in JSON and breakpoints)

struct Event {
    Event() = default;
    explicit Event(EventKind k, int c = -1) : kind(k), cpu(c) {}

    EventKind kind{};
    int cpu = -1;        // acting CPU, -1 for machine-wide
    int other = -1;      // second CPU (IPI target/source)
    u64 va = 0;          // linear address or page
    u64 pa = 0;          // physical address (entry address for TableWrite, frame for fills)
    u64 before = 0;      // old value (register, raw entry)
    u64 after = 0;       // new value
    u32 entryId = 0;     // TLB entry id (fills, evictions, invalidations, hits)
    u32 count = 0;       // entries removed by a flush, error code of a page fault
    PageSize size = PageSize::K4;
    Origin origin = Origin::Demand;
    FlushKind flush = FlushKind::NonGlobal;
    bool global = false;
    std::string detail;  // names: table, task, kernel function, TLB array
};

// One line of text for an event, in hardware terms ("cpu1: MOV CR3 0x01801000 -> 0x01805000").
std::string describe(const Event& e);

using EventList = std::vector<Event>;

}  // namespace tlblab

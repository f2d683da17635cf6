// SPDX-License-Identifier: GPL-3.0-or-later
// The step's subject: what its events and the lesson's highlights are about (diagram.hpp).
#include "tlblab/diagram.hpp"

#include <cstdio>

namespace tlblab {

namespace {

bool validCpu(const Machine& m, int c) { return c >= 0 && c < static_cast<int>(m.cpus().size()); }

// What one event is about: its CPUs (both ends of an IPI), the entries and tables a walk read, the entry a
// write changed, the TLB entries filled, hit, dropped or matching a multimatch.
void addEvent(StepSubject& s, const Machine& m, const Event& e) {
    if (validCpu(m, e.cpu)) s.cpus.insert(e.cpu);
    if ((e.kind == EventKind::IpiSend || e.kind == EventKind::IpiReceive) && validCpu(m, e.other)) s.cpus.insert(e.other);
    switch (e.kind) {
    case EventKind::Walk:
        for (u32 l = 0; l < e.count && l < 3; ++l) {
            const WalkTraceStep& t = e.trace[l];
            s.entries.insert(t.entryPa);
            s.tables.insert(t.entryPa - u64{t.index} * 8);
        }
        break;
    case EventKind::TableWrite: s.entries.insert(e.pa); break;
    case EventKind::TlbFill:
    case EventKind::TlbHit:
        if (validCpu(m, e.cpu)) s.tlb.insert({e.cpu, e.entryId});
        break;
    case EventKind::TlbInvalidate:
    case EventKind::TlbEvict:
        if (validCpu(m, e.cpu)) s.removed.insert({e.cpu, e.entryId});
        break;
    case EventKind::Multimatch:
    case EventKind::MachineCheck:
        s.machineCheck = true;
        if (!validCpu(m, e.cpu)) break;
        for (const TlbEntry& t : m.cpu(e.cpu).tlb.entries())
            if (t.covers(static_cast<u32>(e.va))) s.tlb.insert({e.cpu, t.id});
        break;
    default: break;
    }
}

// What the lesson highlights: its CPUs (also by a register "cpuN.cr3"), entries and TLB entries (with
// their CPUs).
void addHighlights(StepSubject& s, const Machine& m, const SceneOptions& o) {
    for (int c : o.highlightCpus)
        if (validCpu(m, c)) s.cpus.insert(c);
    for (const std::string& r : o.highlightRegisters) {
        int c = -1;
        if (std::sscanf(r.c_str(), "cpu%d.", &c) == 1 && validCpu(m, c)) s.cpus.insert(c);
    }
    for (u64 pa : o.highlightEntries) s.entries.insert(pa);
    if (o.highlightTlbEntries.empty()) return;
    for (const Cpu& c : m.cpus())
        for (const TlbEntry& t : c.tlb.entries())
            if (o.highlightTlbEntries.count(t.id)) {
                s.tlb.insert({c.id, t.id});
                s.cpus.insert(c.id);
            }
}

// The table holding entry `pa`: a 32-byte PDPT (some CPU's CR3 or an mm's pgd, or a named table), else
// the page-aligned table.
u64 tableOf(const Machine& m, u64 pa) {
    const u64 page = pa & ~u64{0xfff}, pdpt = pa & ~u64{0x1f};
    if (m.tableName(pdpt).empty() && pdpt == page) return page;
    bool isPdpt = !m.tableName(pdpt).empty();
    for (const Cpu& c : m.cpus())
        if ((c.regs.cr3 & pae::kCr3PdptMask) == pdpt) isPdpt = true;
    for (const auto& mm : m.mms())
        if (mm.pgd == pdpt) isPdpt = true;
    return isPdpt ? pdpt : page;
}

}  // namespace

StepSubject computeSubject(const Machine& m, const EventList& events, const SceneOptions& o) {
    StepSubject s;
    bool panic = false;
    for (const Event& e : events)
        if (e.kind == EventKind::Panic) panic = true;
    for (const Event& e : events) {
        if (e.kind == EventKind::Output) continue;
        // The CPUs a panic stops are context, not the subject.
        if (panic && e.kind == EventKind::CpuState) continue;
        addEvent(s, m, e);
    }
    addHighlights(s, m, o);
    // The CR3 chain of every subject CPU: its PDPT, and the tables holding the entries its TLB entries
    // of the subject came from.
    for (int ci : s.cpus) {
        const Cpu& c = m.cpu(ci);
        if (c.state != CpuState::Offline && c.regs.pagingOn()) s.tables.insert(c.regs.cr3 & pae::kCr3PdptMask);
    }
    // A written or highlighted entry's table.
    for (u64 pa : s.entries) s.tables.insert(tableOf(m, pa));
    return s;
}

}  // namespace tlblab

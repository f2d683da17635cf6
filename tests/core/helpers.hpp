// SPDX-License-Identifier: GPL-3.0-or-later
// Small helpers shared by the core tests: run op-language text on a machine, read raw
// page-table entries, and find TLB entries.
#pragma once

#include "tlblab/machine.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace tlblab::test {

// Runs every op of `script` on `m`; returns the result of the last one. Events are appended to
// `ev` when given.
inline OpResult run(Machine& m, std::string_view script, EventList* ev = nullptr) {
    OpResult last;
    for (const Op& op : parseScript(script, "test")) last = m.execute(op, ev);
    return last;
}

inline Machine machineFrom(std::string_view script) {
    Machine m;
    run(m, script);
    return m;
}

inline u64 pdptOf(const Machine& m, const std::string& table) {
    auto t = m.tableNamed(table);
    if (!t) throw std::runtime_error("no table " + table);
    return *t;
}

// Physical address of the PDE / PTE that maps `va` in `table` (0 if a level is missing).
inline u64 pdeAddr(const Machine& m, const std::string& table, u32 va) {
    const u64 pdpte = m.memory().read64(pdptOf(m, table) + pae::pdptIndex(va) * 8);
    if (!(pdpte & pae::P)) return 0;
    return (pdpte & pae::kFrame4K) + pae::pdIndex(va) * 8;
}
inline u64 pteAddr(const Machine& m, const std::string& table, u32 va) {
    const u64 pa = pdeAddr(m, table, va);
    if (!pa) return 0;
    const u64 pde = m.memory().read64(pa);
    if (!(pde & pae::P) || (pde & pae::PS)) return 0;
    return (pde & pae::kFrame4K) + pae::ptIndex(va) * 8;
}
inline u64 pde(const Machine& m, const std::string& table, u32 va) { return m.memory().read64(pdeAddr(m, table, va)); }
inline u64 pte(const Machine& m, const std::string& table, u32 va) { return m.memory().read64(pteAddr(m, table, va)); }

// Every TLB entry of `cpu` covering `va`.
inline std::vector<TlbEntry> covering(const Machine& m, int cpu, u32 va) {
    std::vector<TlbEntry> out;
    const Tlb& t = m.cpu(cpu).tlb;
    TlbMatches mm = t.lookup(va);
    for (int i = 0; i < mm.count; ++i) out.push_back(t.at(mm.slot[static_cast<std::size_t>(i)]));
    return out;
}

inline bool hasEvent(const EventList& ev, EventKind k, int cpu = -2) {
    for (const auto& e : ev)
        if (e.kind == k && (cpu == -2 || e.cpu == cpu)) return true;
    return false;
}
inline int countEvents(const EventList& ev, EventKind k, int cpu = -2) {
    int n = 0;
    for (const auto& e : ev)
        if (e.kind == k && (cpu == -2 || e.cpu == cpu)) ++n;
    return n;
}

// Runs one op expected to fail; returns the formatted error ("test:LINE:COL: error: ...").
inline std::string errorOf(Machine& m, std::string_view script) {
    try {
        run(m, script);
    } catch (const OpError& e) {
        return e.format();
    }
    return "(no error)";
}

}  // namespace tlblab::test

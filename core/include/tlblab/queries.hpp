// SPDX-License-Identifier: GPL-3.0-or-later
// Questions the debugger's views ask of a machine or of the bundled lessons, answered in core so
// that the widgets only format the answers.
#pragma once

#include "tlblab/machine.hpp"

#include <array>
#include <string>
#include <vector>

namespace tlblab {

// ---- TLB entries and the tables they came from -----------------------------------------------

// The TLB entry of `c` with this id and the name of the array holding it; entry is null when the
// TLB no longer holds it.
struct TlbEntryRef {
    const TlbEntry* entry = nullptr;
    std::string array;
};
TlbEntryRef findTlbEntry(const Cpu& c, u32 id);

// The entries the walk that filled `e` read: the PDPTE (in the PDPT its CR3 selects), the PDE and
// the PTE (0 for a level it did not read).
std::array<u64, 3> walkEntryAddresses(const TlbEntry& e);

// Whether `e` still says what the page tables say: the walk that created it (CPU `c`'s paging
// registers with the entry's CR3, the PDPTEs reloaded from memory as a MOV CR3 would) redone on
// today's tables.
enum class Staleness : std::uint8_t { Current, WalkFails, Differs };
struct StaleCheck {
    Staleness state = Staleness::Current;
    WalkResult now;  // the walk redone
    bool stale() const { return state != Staleness::Current; }
};
StaleCheck checkStale(const PhysMemory& mem, const Cpu& c, const TlbEntry& e);

// The TLB entries, on every CPU, whose walk read the paging-structure entry at `entryPa`.
struct DerivedTlbEntry {
    int cpu = 0;
    TlbEntry entry;
};
std::vector<DerivedTlbEntry> tlbEntriesDerivedFrom(const Machine& m, u64 entryPa);

// ---- the fix-cost comparison (lesson 5) ------------------------------------------------------

// Per-context-switch cost of one kernel variant, summed over CPUs at the end of a run.
struct FixCost {
    std::string variant;
    u64 contextSwitches = 0, misses = 0, walks = 0, flushAll = 0;
    double missesPerSwitch() const { return contextSwitches ? double(misses) / double(contextSwitches) : 0.0; }
    double walksPerSwitch() const { return contextSwitches ? double(walks) / double(contextSwitches) : 0.0; }
};
FixCost fixCostOf(const Machine& end, const std::string& variant);

// The two fixes compared, in this order.
inline constexpr std::array<const char*, 2> kFixVariants{"fix-flush", "fix-trampoline"};

struct FixCostComparison {
    std::string lessonPath, lessonTitle;
    std::vector<FixCost> costs;  // one per kFixVariants entry
};
// Plays the lesson that offers both fixes: among `lessons` the one of order 5 (lesson 5 of the
// bundle), else the first that has both variants, else `fallback` (the lesson open now; "" for
// none). Throws std::runtime_error when there is no such lesson, OpError from loading or playing.
FixCostComparison compareFixCosts(const std::vector<std::string>& lessons, const std::string& fallback = {});

}  // namespace tlblab

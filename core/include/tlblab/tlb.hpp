// SPDX-License-Identifier: GPL-3.0-or-later
// A per-CPU TLB: configurable levels of set-associative arrays, LRU, page-size aware.
//
// Levels are exclusive: a fill goes to the first level that holds its page size; the entry an
// array evicts moves down to the next level that holds that size (or is dropped). A lookup
// searches every array and returns *all* matching entries, so a multimatch is visible.
#pragma once

#include "tlblab/events.hpp"
#include "tlblab/pae.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace tlblab {

struct TlbEntry {
    u32 va = 0;       // linear page base
    u32 id = 0;       // unique per machine, stable while the entry lives (UI identity)
    u64 pa = 0;       // frame base
    u64 step = 0;     // step that filled it
    u64 lastUse = 0;  // LRU tick
    u64 pdeAddr = 0;  // physical address of the PDE the walk used
    u64 pteAddr = 0;  // physical address of the PTE the walk used (0 for a 2 MiB page)
    u32 cr3 = 0;      // CR3 of the walk that produced it
    PageSize size = PageSize::K4;
    Origin origin = Origin::Demand;
    bool global = false;
    bool user = false;
    bool writable = false;
    bool nx = false;
    bool dirty = false;  // the leaf's D bit was set when cached (a write to a clean entry re-walks)

    bool covers(u32 addr) const { return ((addr ^ va) & pageMask(size)) == 0; }
};

struct TlbArrayConfig {
    std::string name;  // "L1 DTLB", "L2 DTLB 4K"
    unsigned entries = 0;
    unsigned ways = 0;  // == entries: fully associative
    bool holds4K = true;
    bool holds2M = true;
};

struct TlbLevelConfig {
    std::string name;
    std::vector<TlbArrayConfig> arrays;
};

struct TlbConfig {
    std::string preset;
    std::vector<TlbLevelConfig> levels;

    // AMD Family 10h data TLBs (BKDG for Family 10h, 31116, and the Software Optimization
    // Guide 40546): L1 48 entries fully associative, 4K and 2M; L2 512 4K entries 4-way and
    // 128 2M entries 2-way.
    static TlbConfig amdFam10h();
    // A small TLB for lessons that show eviction: L1 4 entries fully associative, L2 8 4K 2-way.
    static TlbConfig tiny();
    // Looks a preset up by name ("amd-fam10h", "tiny"); false if unknown.
    static bool byName(const std::string& name, TlbConfig& out);
    static std::vector<std::string> presetNames();
};

// Where an entry sits: array index (across all levels, in order) and slot within it.
struct TlbSlot {
    std::uint16_t array = 0;
    std::uint16_t index = 0;
    bool operator==(const TlbSlot&) const = default;
};

// The entries matching one address. `slot` holds the first kMax of them; `total` counts every
// match, so a caller never mistakes a capped list for the whole (invalidatePage loops until none
// is left). In the model at most two entries can match (the erratum's pair), so the cap is never
// reached by a bundled lesson; it keeps the hot path free of allocation.
struct TlbMatches {
    static constexpr int kMax = 8;
    std::array<TlbSlot, kMax> slot{};
    int count = 0;  // entries stored in `slot` (<= kMax)
    int total = 0;  // entries that matched (>= count)
};

class Tlb {
public:
    struct Array {
        TlbArrayConfig config;
        unsigned level = 0;
        unsigned sets = 1;
        std::vector<TlbEntry> entries;  // one per slot (set * ways + way); meaningful where `valid`
        std::vector<u32> tagBase;  // va & mask, or 1 when the slot is empty (never matches)
        std::vector<u32> tagMask;  // page mask of the entry, 0 when empty
        std::vector<std::uint8_t> valid;
        unsigned validCount = 0;  // number of set `valid` flags (flushes skip the rest)
    };

    Tlb() : Tlb(TlbConfig::amdFam10h()) {}
    explicit Tlb(const TlbConfig& config);

    const TlbConfig& config() const { return *m_config; }
    const std::vector<Array>& arrays() const { return m_arrays; }
    const TlbEntry& at(TlbSlot s) const { return m_arrays[s.array].entries[s.index]; }
    std::size_t size() const;  // valid entries
    std::vector<TlbEntry> entries() const;  // valid entries, level order

    // Every valid entry covering va. Does not touch LRU state.
    TlbMatches lookup(u32 va) const {
        TlbMatches m;
        scanAll(va, m);
        return m;
    }
    // Marks an entry used (LRU). An entry found in a lower level moves up to the first level
    // (exclusive hierarchy); returns its new slot.
    TlbSlot touch(TlbSlot s, EventList* ev, int cpu) {
        Array& arr = m_arrays[s.array];
        arr.entries[s.index].lastUse = ++m_tick;
        return arr.level == 0 ? s : promote(s, ev, cpu);  // the hit path stays inline
    }

    // Inserts an entry; returns its slot. Evictions cascade down the levels.
    TlbSlot fill(TlbEntry e, EventList* ev, int cpu);

    // Invalidations; each returns how many entries were removed and logs one TlbInvalidate per
    // entry plus one TlbFlush summary.
    unsigned flushNonGlobal(bool pgeEnabled, EventList* ev, int cpu);
    unsigned flushAll(FlushKind why, EventList* ev, int cpu);
    unsigned invalidatePage(u32 va, FlushKind why, EventList* ev, int cpu);
    // Every entry whose page overlaps the page of `size` at `va` (either contains the other).
    // Logs a TlbFlush summary only when something was removed.
    unsigned invalidateOverlapping(u32 va, PageSize size, FlushKind why, EventList* ev, int cpu);
    void remove(TlbSlot s, FlushKind why, EventList* ev, int cpu);
    void setDirty(TlbSlot s) { m_arrays[s.array].entries[s.index].dirty = true; }

    u64 tick() const { return m_tick; }

private:
    TlbSlot promote(TlbSlot s, EventList* ev, int cpu);  // touch() of an entry below L1
    void scanAll(u32 va, TlbMatches& m) const;  // every array (one call on the hit path)
    void scanArray(std::size_t a, u32 va, TlbMatches& m) const;
    void scanSet(const Array& arr, std::size_t a, unsigned set, u32 va, TlbMatches& m) const;
    unsigned setOf(const Array& arr, u32 va, PageSize s) const;
    int nextArrayFor(unsigned fromLevel, PageSize s) const;
    TlbSlot place(std::size_t a, TlbEntry e, EventList* ev, int cpu);
    void setSlot(Array& arr, unsigned idx, const TlbEntry& e);
    void clearSlot(Array& arr, unsigned idx);

    std::shared_ptr<const TlbConfig> m_config;  // shared by copies (the explorer copies machines per step)
    std::vector<Array> m_arrays;
    u64 m_tick = 0;
};

}  // namespace tlblab

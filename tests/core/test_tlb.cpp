// SPDX-License-Identifier: GPL-3.0-or-later
// The per-CPU TLB: AMD Family 10h geometry, LRU, the exclusive L1/L2 hierarchy, lookups that
// return every match, and the three invalidations (non-global, all, one page).
#include "helpers.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace tlblab;
using namespace tlblab::test;

namespace {
TlbEntry entry(u32 va, PageSize size, bool global = false, u32 id = 0) {
    TlbEntry e;
    e.va = va & pageMask(size);
    e.pa = 0x10000000u + (va & pageMask(size));
    e.size = size;
    e.global = global;
    e.id = id ? id : va >> 12;
    return e;
}

// Which array ("L1 DTLB", ...) holds the entry with this id, or "".
std::string arrayOf(const Tlb& t, u32 id) {
    for (const auto& a : t.arrays())
        for (std::size_t i = 0; i < a.entries.size(); ++i)
            if (a.valid[i] && a.entries[i].id == id) return a.config.name;
    return "";
}
}  // namespace

TEST_CASE("the default TLB is the AMD Family 10h data TLB", "[tlb]") {
    Tlb t;
    CHECK(t.config().preset == "amd-fam10h");
    REQUIRE(t.arrays().size() == 3);
    const auto& l1 = t.arrays()[0];
    CHECK(l1.config.name == "L1 DTLB");
    CHECK(l1.level == 0);
    CHECK(l1.config.entries == 48);
    CHECK(l1.config.ways == 48);  // fully associative
    CHECK(l1.sets == 1);
    CHECK(l1.config.holds4K);
    CHECK(l1.config.holds2M);
    const auto& l2k = t.arrays()[1];
    CHECK(l2k.level == 1);
    CHECK(l2k.config.entries == 512);
    CHECK(l2k.config.ways == 4);
    CHECK(l2k.sets == 128);
    CHECK(l2k.config.holds4K);
    CHECK_FALSE(l2k.config.holds2M);
    const auto& l2m = t.arrays()[2];
    CHECK(l2m.level == 1);
    CHECK(l2m.config.entries == 128);
    CHECK(l2m.config.ways == 2);
    CHECK(l2m.sets == 64);
    CHECK_FALSE(l2m.config.holds4K);
    CHECK(l2m.config.holds2M);
    // Every CPU of a default machine has it.
    Machine m;
    CHECK(m.cpus().size() == 2);
    CHECK(m.cpu(1).tlb.config().preset == "amd-fam10h");
}

TEST_CASE("fills go to L1; L1's LRU victim moves down to L2 (exclusive)", "[tlb][lru]") {
    Tlb t;
    for (u32 i = 0; i < 48; ++i) t.fill(entry(0x00100000 + i * 0x1000, PageSize::K4), nullptr, 0);
    CHECK(t.size() == 48);
    for (u32 i = 0; i < 48; ++i) CHECK(arrayOf(t, 0x100 + i) == "L1 DTLB");
    // Touch the oldest one: now the second oldest is the LRU.
    TlbMatches first = t.lookup(0x00100000);
    REQUIRE(first.count == 1);
    t.touch(first.slot[0], nullptr, 0);
    EventList ev;
    t.fill(entry(0x00200000, PageSize::K4), &ev, 0);
    CHECK(t.size() == 49);
    CHECK(arrayOf(t, 0x200) == "L1 DTLB");
    CHECK(arrayOf(t, 0x100) == "L1 DTLB");
    CHECK(arrayOf(t, 0x101) == "L2 DTLB 4K");  // moved, not copied
    CHECK(countEvents(ev, EventKind::TlbMove) == 1);
    CHECK(t.lookup(0x00101000).count == 1);
}

TEST_CASE("a 2 MiB victim of L1 moves to the L2 2M array", "[tlb][lru]") {
    Tlb t;
    t.fill(entry(0x40000000, PageSize::M2), nullptr, 0);
    for (u32 i = 0; i < 48; ++i) t.fill(entry(0x00100000 + i * 0x1000, PageSize::K4), nullptr, 0);
    CHECK(arrayOf(t, 0x40000) == "L2 DTLB 2M");
    CHECK(t.lookup(0x401fffff).count == 1);
}

TEST_CASE("a hit in L2 moves the entry up to L1 and L1's LRU down", "[tlb][lru]") {
    Tlb t;
    for (u32 i = 0; i < 49; ++i) t.fill(entry(0x00100000 + i * 0x1000, PageSize::K4), nullptr, 0);
    REQUIRE(arrayOf(t, 0x100) == "L2 DTLB 4K");
    TlbMatches m = t.lookup(0x00100000);
    REQUIRE(m.count == 1);
    TlbSlot s = t.touch(m.slot[0], nullptr, 0);
    CHECK(s.array == 0);
    CHECK(arrayOf(t, 0x100) == "L1 DTLB");
    CHECK(arrayOf(t, 0x101) == "L2 DTLB 4K");
    CHECK(t.size() == 49);
}

TEST_CASE("L2 4K is 4-way: a fifth page of one set evicts that set's LRU entry", "[tlb][lru]") {
    Tlb t;
    // 128 sets of 4K pages: linear pages 128 apart share a set. Push 5 of them through L1.
    const u32 stride = 128 * 0x1000;
    std::vector<u32> same;
    for (u32 i = 0; i < 5; ++i) same.push_back(0x01000000 + i * stride);
    for (u32 va : same) t.fill(entry(va, PageSize::K4), nullptr, 0);
    // 48 other pages, in sets of their own, push the five out of L1 in fill order.
    EventList ev;
    for (u32 i = 0; i < 48; ++i) t.fill(entry(0x20000000 + (i + 1) * 0x1000, PageSize::K4), &ev, 0);
    CHECK(t.lookup(same[0]).count == 0);  // the oldest of the set: evicted from the TLB
    for (std::size_t i = 1; i < 5; ++i) CHECK(arrayOf(t, same[i] >> 12) == "L2 DTLB 4K");
    CHECK(countEvents(ev, EventKind::TlbEvict) == 1);
}

TEST_CASE("L2 2M is 2-way: a third 2M page of one set evicts its LRU", "[tlb][lru]") {
    Tlb t;
    const u32 stride = 64 * 0x200000;  // 64 sets
    for (u32 i = 0; i < 3; ++i) t.fill(entry(i * stride, PageSize::M2, false, 1000 + i), nullptr, 0);
    for (u32 i = 0; i < 48; ++i) t.fill(entry(0x00100000 + i * 0x1000, PageSize::K4), nullptr, 0);
    CHECK(arrayOf(t, 1000).empty());
    CHECK(arrayOf(t, 1001) == "L2 DTLB 2M");
    CHECK(arrayOf(t, 1002) == "L2 DTLB 2M");
}

TEST_CASE("lookup returns every entry covering the address, of any page size", "[tlb]") {
    Tlb t;
    t.fill(entry(0x08000000, PageSize::M2, true, 1), nullptr, 0);
    t.fill(entry(0x08048000, PageSize::K4, false, 2), nullptr, 0);
    t.fill(entry(0x08049000, PageSize::K4, false, 3), nullptr, 0);
    TlbMatches m = t.lookup(0x08048123);
    REQUIRE(m.count == 2);
    std::set<u32> ids{t.at(m.slot[0]).id, t.at(m.slot[1]).id};
    CHECK(ids == std::set<u32>{1, 2});
    CHECK(t.lookup(0x08100000).count == 1);  // only the 2M page
    CHECK(t.lookup(0x08200000).count == 0);
    // Matches in different levels count too.
    for (u32 i = 0; i < 48; ++i) t.fill(entry(0x30000000 + i * 0x1000, PageSize::K4), nullptr, 0);
    REQUIRE(arrayOf(t, 1) == "L2 DTLB 2M");
    REQUIRE(arrayOf(t, 2) == "L2 DTLB 4K");
    CHECK(t.lookup(0x08048000).count == 2);
    // A lookup does not change LRU state.
    const u64 tick = t.tick();
    t.lookup(0x08048000);
    CHECK(t.tick() == tick);
}

TEST_CASE("flushes: non-global keeps globals only with PGE, all drops everything", "[tlb][flush]") {
    auto filled = [] {
        Tlb t;
        t.fill(entry(0x00400000, PageSize::K4, false, 1), nullptr, 0);
        t.fill(entry(0xc0000000, PageSize::M2, true, 2), nullptr, 0);
        t.fill(entry(0xc0400000, PageSize::K4, true, 3), nullptr, 0);
        return t;
    };
    Tlb a = filled();
    CHECK(a.flushNonGlobal(true, nullptr, 0) == 1);
    CHECK(a.size() == 2);
    CHECK(a.lookup(0xc0000000).count == 1);
    Tlb b = filled();
    CHECK(b.flushNonGlobal(false, nullptr, 0) == 3);
    CHECK(b.size() == 0);
    Tlb c = filled();
    EventList ev;
    CHECK(c.flushAll(FlushKind::All, &ev, 0) == 3);
    CHECK(c.size() == 0);
    CHECK(countEvents(ev, EventKind::TlbInvalidate) == 3);
    CHECK(countEvents(ev, EventKind::TlbFlush) == 1);
}

TEST_CASE("invalidatePage drops every entry covering the address, global or not", "[tlb][flush]") {
    Tlb t;
    t.fill(entry(0x08000000, PageSize::M2, true, 1), nullptr, 0);
    t.fill(entry(0x08048000, PageSize::K4, false, 2), nullptr, 0);
    t.fill(entry(0x08049000, PageSize::K4, true, 3), nullptr, 0);
    CHECK(t.invalidatePage(0x08048fff, FlushKind::Invlpg, nullptr, 0) == 2);
    CHECK(t.size() == 1);
    CHECK(arrayOf(t, 3) == "L1 DTLB");
    CHECK(t.invalidatePage(0x08049000, FlushKind::Invlpg, nullptr, 0) == 1);
    CHECK(t.size() == 0);
}

TEST_CASE("the tiny preset and tlb_preset", "[tlb]") {
    Machine m = machineFrom("tlb_preset tiny\n");
    CHECK(m.tlbPreset() == "tiny");
    CHECK(m.cpu(0).tlb.arrays()[0].config.entries == 4);
    TlbConfig c;
    CHECK_FALSE(TlbConfig::byName("amd", c));
    CHECK(TlbConfig::byName("amd-fam10h", c));
}

TEST_CASE("lookup finds every entry in arrays of any geometry", "[tlb]") {
    // 37 ways (not a multiple of 4 or 8) and 20 sets (not a power of two) exercise every
    // branch of the match search.
    TlbConfig cfg;
    cfg.preset = "odd";
    cfg.levels = {{"L1", {{"L1 odd", 37, 37, true, true}}}, {"L2", {{"L2 odd", 60, 3, true, true}}}};
    Tlb t(cfg);
    std::vector<u32> vas;
    for (u32 i = 0; i < 90; ++i) {
        const u32 va = 0x10000000u + i * 0x3000u;
        vas.push_back(va);
        t.fill(entry(va, PageSize::K4, false, i + 1), nullptr, 0);
    }
    std::size_t found = 0;
    for (u32 i = 0; i < 90; ++i) {
        TlbMatches m = t.lookup(vas[i] + 0x123);
        CHECK(m.count <= 1);
        if (m.count == 1) {
            CHECK(t.at(m.slot[0]).id == i + 1);
            ++found;
        }
        CHECK(t.lookup(vas[i] + 0x1000).count == 0);
    }
    CHECK(found == t.size());
    CHECK(t.size() <= 90);
    CHECK(found > 37);  // entries in both levels were found
}

TEST_CASE("a lookup counts every match, beyond the stored kMax, and INVLPG removes them all (issue 12)",
          "[tlb]") {
    Tlb t;
    // The TLB itself never deduplicates (that is the machine's policy): twelve entries for one page.
    const int n = TlbMatches::kMax + 4;
    for (int i = 0; i < n; ++i) t.fill(entry(0x08048000, PageSize::K4, false, 100 + static_cast<u32>(i)), nullptr, 0);
    const TlbMatches m = t.lookup(0x08048123);
    CHECK(m.count == TlbMatches::kMax);
    CHECK(m.total == n);
    EventList ev;
    CHECK(t.invalidatePage(0x08048000, FlushKind::Invlpg, &ev, 0) == static_cast<unsigned>(n));
    CHECK(t.lookup(0x08048000).total == 0);
    CHECK(t.size() == 0);
    REQUIRE_FALSE(ev.empty());
    CHECK(ev.back().kind == EventKind::TlbFlush);
    CHECK(ev.back().count == static_cast<u32>(n));
}

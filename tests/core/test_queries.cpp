// SPDX-License-Identifier: GPL-3.0-or-later
// The counter table, the PAE index helpers and the inspector's queries (queries.hpp).
#include "helpers.hpp"

#include "tlblab/json.hpp"
#include "tlblab/queries.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace tlblab;
using namespace tlblab::test;

TEST_CASE("every counter has one name, its JSON key, and indexes its own field", "[counters]") {
    CpuStats s;
    std::set<std::string> names;
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const Counter c = static_cast<Counter>(i);
        s[c] = 100 + i;
        names.insert(counterName(c));
        CHECK(counterNamed(counterName(c)) == c);
    }
    CHECK(names.size() == kCounterCount);
    CHECK_FALSE(counterNamed("hit").has_value());
    // Named fields and the index reach the same storage.
    CHECK(s.lookups == 100);
    CHECK(s.fillsDemand == 104);
    CHECK(s.contextSwitches == 114);
    const nlohmann::json j = statsJson(s);
    CHECK(j.size() == kCounterCount);
    for (std::size_t i = 0; i < kCounterCount; ++i) CHECK(j.at(counterName(static_cast<Counter>(i))) == 100 + i);
    CHECK(j.at("fills_walk") == 104);
    // Sums and differences go over every counter.
    CpuStats d;
    d[Counter::Multimatches] = 7;
    CpuStats sum = s;
    sum += d;
    CHECK(sum.multimatches == 113 + 7);
    CHECK((sum - s) == d);
}

TEST_CASE("the PAE index helpers give the addresses the walk reads", "[pae]") {
    const u32 va = 0xc0a03abc;
    CHECK(pae::pdptIndex(va) == 3);
    CHECK(pae::pdIndex(va) == 5);
    CHECK(pae::ptIndex(va) == 3);
    CHECK(pae::pageOffset(va, PageSize::K4) == 0xabc);
    CHECK(pae::pageOffset(va, PageSize::M2) == 0x3abc);
    CHECK(pae::entryAddress(0x5000, 7) == 0x5038);
    CHECK(pae::tableOfEntry(0x5038) == 0x5000);
    CHECK(pae::indexOfEntry(0x5038) == 7);
    CHECK(pae::pdptBase(0x1234567f) == 0x12345660);
    CHECK(pae::pdeAddress(0x7001 | (u64{1} << 63), va) == 0x7000 + 5 * 8);
    CHECK(pae::pteAddress(0x9067, va) == 0x9000 + 3 * 8);
    CHECK(pae::childEntryAddress(0x9067, 2, va) == pae::pteAddress(0x9067, va));

    Machine m = machineFrom("table t\nmap t 0x08048000 0x02000000 4K 4K rw user\ncpu0 load_cr3 t\n");
    const WalkResult w = walk(m.memory(), m.cpu(0).regs, 0x08048123);
    REQUIRE(w.ok());
    CHECK(w.trace[0].entryPa == pae::pdpteAddress(pdptOf(m, "t"), 0x08048123));
    CHECK(w.trace[1].entryPa == pdeAddr(m, "t", 0x08048123));
    CHECK(w.trace[2].entryPa == pteAddr(m, "t", 0x08048123));
    CHECK(w.pa == 0x02000123);
    CHECK(pdptesFrom(m.memory(), m.cpu(0).regs.cr3) == m.cpu(0).regs.pdpte);
}

namespace {
const char* kMapped = R"(
table t
map t 0x08048000 0x02000000 4K 4K rw user
map t 0x08049000 0x02001000 4K 4K rw user
cpu0 load_cr3 t
cpu1 load_cr3 t
cpu0 access 0x08048000 read user
cpu1 access 0x08048000 read user
cpu1 access 0x08049000 read user
)";

const TlbEntry& only(const Machine& m, int cpu, u32 va) {
    static std::vector<TlbEntry> keep;
    keep = covering(m, cpu, va);
    REQUIRE(keep.size() == 1);
    return keep.front();
}
}  // namespace

TEST_CASE("a TLB entry is found by id with its array", "[queries]") {
    const Machine m = machineFrom(kMapped);
    const TlbEntry e = only(m, 0, 0x08048000);
    const TlbEntryRef r = findTlbEntry(m.cpu(0), e.id);
    REQUIRE(r.entry);
    CHECK(r.entry->va == 0x08048000);
    CHECK_FALSE(r.array.empty());
    CHECK(findTlbEntry(m.cpu(0), e.id + 1000).entry == nullptr);
    const std::array<u64, 3> read = walkEntryAddresses(e);
    CHECK(read[0] == pae::pdpteAddress(pdptOf(m, "t"), 0x08048000));
    CHECK(read[1] == pdeAddr(m, "t", 0x08048000));
    CHECK(read[2] == pteAddr(m, "t", 0x08048000));
}

TEST_CASE("an entry is stale once the tables no longer give its translation", "[queries]") {
    Machine m = machineFrom(kMapped);
    const TlbEntry e = only(m, 0, 0x08048000);
    CHECK(checkStale(m.memory(), m.cpu(0), e).state == Staleness::Current);
    CHECK_FALSE(checkStale(m.memory(), m.cpu(0), e).stale());

    Machine moved = m;
    run(moved, "write_entry t 0x08048000 pte 0x2005067\n");
    const StaleCheck differs = checkStale(moved.memory(), moved.cpu(0), e);
    CHECK(differs.state == Staleness::Differs);
    CHECK(differs.now.frame == 0x2005000);

    Machine gone = m;
    run(gone, "unmap t 0x08048000 4K\n");
    const StaleCheck fails = checkStale(gone.memory(), gone.cpu(0), e);
    CHECK(fails.state == Staleness::WalkFails);
    CHECK(fails.now.fail == WalkFail::NotPresent);
    CHECK(fails.stale());
}

TEST_CASE("the TLB entries derived from a table entry, on every CPU", "[queries]") {
    const Machine m = machineFrom(kMapped);
    const u64 pte = pteAddr(m, "t", 0x08048000);
    std::vector<DerivedTlbEntry> d = tlbEntriesDerivedFrom(m, pte);
    REQUIRE(d.size() == 2);
    CHECK(((d[0].cpu == 0 && d[1].cpu == 1) || (d[0].cpu == 1 && d[1].cpu == 0)));
    for (const auto& x : d) CHECK(x.entry.va == 0x08048000);
    // The PDE (and the PDPTE) are read by all three fills.
    CHECK(tlbEntriesDerivedFrom(m, pdeAddr(m, "t", 0x08048000)).size() == 3);
    CHECK(tlbEntriesDerivedFrom(m, pae::pdpteAddress(pdptOf(m, "t"), 0x08048000)).size() == 3);
    CHECK(tlbEntriesDerivedFrom(m, pteAddr(m, "t", 0x08049000)).size() == 1);
    CHECK(tlbEntriesDerivedFrom(m, pte + 0x100).empty());
}

TEST_CASE("fixCostOf sums the counters over CPUs", "[queries]") {
    Machine m = machineFrom(kMapped);
    const FixCost f = fixCostOf(m, "v");
    CHECK(f.variant == "v");
    CHECK(f.misses == m.cpu(0).stats.misses + m.cpu(1).stats.misses);
    CHECK(f.misses == 3);
    CHECK(f.walks == 3);
    CHECK(f.contextSwitches == 0);
    CHECK(f.missesPerSwitch() == 0.0);
}

TEST_CASE("a failed walk carries its error-code bits; hasMachineCheck reads MC0_STATUS and MCIP", "[walker][mce]") {
    Machine m = machineFrom("table t\nmap t 0x08048000 0x02000000 4K 4K rw user\ncpu0 load_cr3 t\n");
    const PagingRegs& regs = m.cpu(0).regs;
    const WalkResult missing = walk(m.memory(), regs, 0x10000000);
    CHECK(missing.fail == WalkFail::NotPresent);
    CHECK(missing.errorCode == 0);  // P = 0: not present
    run(m, fmt::format("write_entry t 0x08048000 pte {:#x}\n", pte(m, "t", 0x08048000) | (u64{1} << 50)));
    const WalkResult reserved = walk(m.memory(), regs, 0x08048000);
    CHECK(reserved.fail == WalkFail::Reserved);
    CHECK(reserved.errorCode == (pae::PF_P | pae::PF_RSVD));
    const OpResult r = run(m, "cpu0 access 0x08048000 write user");
    CHECK(r.errorCode == (pae::PF_P | pae::PF_RSVD | pae::PF_WR | pae::PF_US));

    Cpu c;
    CHECK_FALSE(hasMachineCheck(c));
    c.mcgStatus = pae::MCG_STATUS_MCIP;
    CHECK(hasMachineCheck(c));
    c.mcgStatus = 0;
    c.mc0Status = pae::kMc0StatusErratum383;
    CHECK(hasMachineCheck(c));
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Every path of Machine::access, event by event: the TLB-hit fast path (an L1 hit, an L2 hit that
// moves the entry up) and the slow path (a miss and its walk, a write through an entry cached
// clean, a permission mismatch that re-walks into a page fault, a correct CPU replacing the stale
// entry, the erratum-383 fill that machine-checks, a lookup that already multimatches, a walk that
// faults). Each case checks the result, the counters and the text of every event in order.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;
using Outcome = OpResult::Outcome;

namespace {
// "u": 0x08048000 user read-write, 0x08049000 user read-only, both 4K and with A and D clear.
const char* kUser = R"(
table u
map u 0x08048000 0x02000000 8K 4K user rw
map u 0x0804a000 0x02002000 4K 4K user
cpu0 load_cr3 u
)";

std::vector<std::string> describeAll(const EventList& ev) {
    std::vector<std::string> out;
    out.reserve(ev.size());
    for (const Event& e : ev) out.push_back(describe(e));
    return out;
}

struct Step {
    OpResult result;
    std::vector<std::string> events;
    CpuStats stats;  // the step's counters on cpu0
};

Step access(Machine& m, const char* line) {
    EventList ev;
    const CpuStats before = m.cpu(0).stats;
    Step s;
    s.result = run(m, line, &ev);
    s.events = describeAll(ev);
    s.stats = m.cpu(0).stats - before;
    return s;
}

using Lines = std::vector<std::string>;
}  // namespace

TEST_CASE("access: a miss walks and fills; the same access then hits without a walk", "[access]") {
    Machine m = machineFrom(kUser);
    const u64 pde = pdeAddr(m, "u", 0x08048000), pte = pteAddr(m, "u", 0x08048000);
    Step miss = access(m, "cpu0 access 0x08048123 read user");
    CHECK(miss.result.outcome == Outcome::Ok);
    CHECK(miss.result.pa == 0x02000123);
    CHECK_FALSE(miss.result.tlbHit);
    // The PDE was made with A set (Linux's _PAGE_TABLE); the walk sets A in the PTE only.
    CHECK(miss.events ==
          Lines{"cpu0: TLB miss 0x08048123",
                fmt::format("cpu0: page walk 0x08048123: walk; PDPTE[0]@{:#x}={:#x}; PDE[64]@{:#x}={:#x}; "
                            "PTE[72]@{:#x}={:#x}",
                            pdptOf(m, "u"), m.cpu(0).regs.pdpte[0], pde, m.memory().read64(pde), pte,
                            m.memory().read64(pte) & ~pae::A),
                fmt::format("cpu0: entry at {:#x}: {:#x} -> {:#x} (A/D update)", pte, m.memory().read64(pte) & ~pae::A,
                            m.memory().read64(pte)),
                "cpu0: TLB fill #1 0x08048000 4K -> 0x2000000 (walk) into L1 DTLB",
                "cpu0: read user 0x08048123 -> 0x2000123 (4K)"});
    CHECK((m.memory().read64(pte) & pae::A) != 0);
    CHECK(miss.stats.lookups == 1);
    CHECK(miss.stats.misses == 1);
    CHECK(miss.stats.walks == 1);
    CHECK(miss.stats.fillsDemand == 1);
    CHECK(miss.stats.hits == 0);

    Step hit = access(m, "cpu0 access 0x08048456 read user");
    CHECK(hit.result.outcome == Outcome::Ok);
    CHECK(hit.result.pa == 0x02000456);
    CHECK(hit.result.tlbHit);
    CHECK(hit.events == Lines{"cpu0: TLB hit 0x08048456 -> entry #1", "cpu0: read user 0x08048456 -> 0x2000456 (4K)"});
    CHECK(hit.stats.lookups == 1);
    CHECK(hit.stats.hits == 1);
    CHECK(hit.stats.walks == 0);
    CHECK(hit.stats.misses == 0);
}

TEST_CASE("access: a hit in the L2 moves the entry up to the L1 before the hit event", "[access]") {
    Machine m = machineFrom(std::string("tlb_preset tiny\n") + R"(
table t
map t 0x10000000 0x03000000 20K 4K rw
cpu0 load_cr3 t
cpu0 access 0x10000000 read kernel
cpu0 access 0x10001000 read kernel
cpu0 access 0x10002000 read kernel
cpu0 access 0x10003000 read kernel
cpu0 access 0x10004000 read kernel
)");
    Step hit = access(m, "cpu0 access 0x10000010 read kernel");
    CHECK(hit.result.outcome == Outcome::Ok);
    CHECK(hit.result.tlbHit);
    CHECK(hit.result.pa == 0x03000010);
    // #1 leaves the L2 for the L1, whose least recently used entry (#2) goes down in its place.
    CHECK(hit.events == Lines{"cpu0: TLB move #1 0x10000000 4K -> 0x3000000 (walk) L2 DTLB 4K -> L1 DTLB",
                              "cpu0: TLB move #2 0x10001000 4K -> 0x3001000 (walk) L1 DTLB -> L2 DTLB 4K",
                              "cpu0: TLB hit 0x10000010 -> entry #1",
                              "cpu0: read kernel 0x10000010 -> 0x3000010 (4K)"});
    CHECK(hit.stats.hits == 1);
    CHECK(hit.stats.walks == 0);
}

TEST_CASE("access: a write through an entry cached clean re-walks, sets D and replaces the entry", "[access]") {
    Machine m = machineFrom(kUser);
    run(m, "cpu0 access 0x08048000 read user");
    const u64 pte = pteAddr(m, "u", 0x08048000);
    const u64 clean = m.memory().read64(pte);
    Step w = access(m, "cpu0 access 0x08048008 write user");
    CHECK(w.result.outcome == Outcome::Ok);
    CHECK_FALSE(w.result.tlbHit);  // completed by the walk
    CHECK(w.result.pa == 0x02000008);
    REQUIRE(w.events.size() == 6);
    CHECK(w.events[0].rfind("cpu0: page walk 0x08048008: re-walk; PDPTE[0]@", 0) == 0);
    CHECK(w.events[1] == fmt::format("cpu0: entry at {:#x}: {:#x} -> {:#x} (A/D update)", pte, clean, clean | pae::D));
    CHECK(w.events[2] == "cpu0: TLB invalidate #1 0x08048000 4K -> 0x2000000 (walk) (replace)");
    CHECK(w.events[3] == "cpu0: TLB flush replace 0x08048008: 1 entries removed");
    CHECK(w.events[4] == "cpu0: TLB fill #2 0x08048000 4K -> 0x2000000 (walk) into L1 DTLB");
    CHECK(w.events[5] == "cpu0: write user 0x08048008 -> 0x2000008 (4K)");
    CHECK(w.stats.hits == 1);  // a hit that had to walk: no permission mismatch
    CHECK(w.stats.permissionMismatches == 0);
    CHECK(w.stats.walks == 1);
    CHECK(w.stats.fillsDemand == 1);
    CHECK(w.stats.entriesFlushed == 1);
}

TEST_CASE("access: a denied hit re-walks; a re-walk that also denies is a page fault that drops the entry",
          "[access]") {
    Machine m = machineFrom(kUser);
    run(m, "cpu0 access 0x0804a000 read user");
    Step f = access(m, "cpu0 access 0x0804a000 write user");
    CHECK(f.result.outcome == Outcome::PageFault);
    CHECK(f.result.errorCode == (pae::PF_P | pae::PF_WR | pae::PF_US));
    CHECK(f.result.tlbHit);  // the lookup found the entry
    REQUIRE(f.events.size() == 5);
    CHECK(f.events[0] ==
          "cpu0: permission mismatch at 0x0804a000 on entry #1 (write user through user read-only entry)");
    CHECK(f.events[1].rfind("cpu0: page walk 0x0804a000: re-walk; ", 0) == 0);
    CHECK(f.events[2] == "cpu0: #PF at 0x0804a000: write user: error code 0x7 (protection, write, user)");
    CHECK(f.events[3] == "cpu0: TLB invalidate #1 0x0804a000 4K -> 0x2002000 (walk) (page_fault)");
    CHECK(f.events[4] == "cpu0: TLB flush page_fault 0x0804a000: 1 entries removed");
    CHECK(f.stats.permissionMismatches == 1);
    CHECK(f.stats.hits == 0);
    CHECK(f.stats.pageFaults == 1);
    CHECK(f.stats.flushPageFault == 1);
    CHECK(covering(m, 0, 0x0804a000).empty());
}

TEST_CASE("access: a walk to a page that is not mapped is a not-present page fault", "[access]") {
    Machine m = machineFrom(kUser);
    Step f = access(m, "cpu0 access 0x0804b000 read user");
    CHECK(f.result.outcome == Outcome::PageFault);
    CHECK(f.result.errorCode == pae::PF_US);
    CHECK_FALSE(f.result.tlbHit);
    REQUIRE(f.events.size() == 4);
    CHECK(f.events[0] == "cpu0: TLB miss 0x0804b000");
    CHECK(f.events[1].rfind("cpu0: page walk 0x0804b000: walk; PDPTE[0]@", 0) == 0);
    CHECK(f.events[2] == "cpu0: #PF at 0x0804b000: read user: error code 0x4 (not present, read, user)");
    CHECK(f.events[3] == "cpu0: TLB flush page_fault 0x0804b000: 0 entries removed");
    CHECK(f.stats.misses == 1);
    CHECK(f.stats.pageFaults == 1);
    CHECK(f.stats.fillsDemand == 0);
}

namespace {
const char* kStale = R"(
table k
map k 0x08000000 0x08000000 2M 2M rw global
table u
map u 0x08048000 0x02000000 4K 4K user rw
cpu0 load_cr3 k
cpu0 speculate 0x08048000
cpu0 load_cr3 u
)";
}  // namespace

TEST_CASE("access: a correct CPU replaces a stale entry of another page size and completes", "[access]") {
    Machine m = machineFrom(std::string("cpu_model correct\n") + kStale);
    Step s = access(m, "cpu0 access 0x08048000 read user");
    CHECK(s.result.outcome == Outcome::Ok);
    CHECK_FALSE(s.result.tlbHit);
    CHECK(s.result.pa == 0x02000000);
    REQUIRE(s.events.size() == 7);
    CHECK(s.events[0] ==
          "cpu0: permission mismatch at 0x08048000 on entry #1 (read user through supervisor-only global entry)");
    CHECK(s.events[1].rfind("cpu0: page walk 0x08048000: re-walk; ", 0) == 0);
    CHECK(s.events[2].find("(A/D update)") != std::string::npos);
    CHECK(s.events[3] == "cpu0: TLB invalidate #1 0x08000000 2M -> 0x8000000 G (speculation) (replace)");
    CHECK(s.events[4] == "cpu0: TLB flush replace 0x08048000: 1 entries removed");
    CHECK(s.events[5] == "cpu0: TLB fill #2 0x08048000 4K -> 0x2000000 (walk) into L1 DTLB");
    CHECK(s.events[6] == "cpu0: read user 0x08048000 -> 0x2000000 (4K)");
    CHECK(s.stats.permissionMismatches == 1);
    CHECK(s.stats.lookups == 1);
    CHECK(covering(m, 0, 0x08048000).size() == 1);
}

TEST_CASE("access: an erratum-383 CPU fills beside the stale entry and the completing lookup machine-checks; a "
          "later lookup multimatches at once",
          "[access]") {
    Machine m = machineFrom(kStale);
    Step s = access(m, "cpu0 access 0x08048000 read user");
    CHECK(s.result.outcome == Outcome::MachineCheck);
    CHECK(s.result.tlbHit);
    CHECK(s.result.mc0Status == pae::kMc0StatusErratum383);
    REQUIRE(s.events.size() == 6);
    CHECK(s.events[0].rfind("cpu0: permission mismatch at 0x08048000 on entry #1", 0) == 0);
    CHECK(s.events[1].rfind("cpu0: page walk 0x08048000: re-walk; ", 0) == 0);
    CHECK(s.events[3] == "cpu0: TLB fill #2 0x08048000 4K -> 0x2000000 (walk) into L1 DTLB");
    CHECK(s.events[4] == "cpu0: TLB MULTIMATCH at 0x08048000: 2 entries match (#1 2M 0x08000000 G, #2 4K 0x08048000)");
    CHECK(s.events[5] == "cpu0: MACHINE CHECK: MC0_STATUS = 0xb600000000010015, MCG_STATUS = 0x4 (MCIP)");
    CHECK(s.stats.lookups == 2);  // the completing lookup counts
    CHECK(s.stats.fillsDemand == 1);
    CHECK(s.stats.multimatches == 1);

    // The halted CPU runs no op; the hot path itself (as the benchmarks call it) still sees both.
    EventList ev;
    OpResult r = m.access(0, 0x08048010, AccessType::Read, Mode::Kernel, &ev);
    CHECK(r.outcome == Outcome::MachineCheck);
    CHECK(r.tlbHit);
    CHECK(describeAll(ev) ==
          Lines{"cpu0: TLB MULTIMATCH at 0x08048010: 2 entries match (#1 2M 0x08000000 G, #2 4K 0x08048000)",
                "cpu0: MACHINE CHECK: MC0_STATUS = 0xb600000000010015, MCG_STATUS = 0x4 (MCIP)"});
    CHECK(m.cpu(0).stats.multimatches == 2);
}

TEST_CASE("access: with no event list every path gives the same result and state as with one", "[access]") {
    for (const char* line : {"cpu0 access 0x08048000 read user", "cpu0 access 0x08048000 write user",
                             "cpu0 access 0x0804a000 write user", "cpu0 access 0x0804b000 exec user"}) {
        Machine with = machineFrom(kUser), without = machineFrom(kUser);
        for (int i = 0; i < 2; ++i) {
            EventList ev;
            OpResult a = run(with, line, &ev);
            OpResult b = run(without, line, nullptr);
            CHECK(a.outcome == b.outcome);
            CHECK(a.pa == b.pa);
            CHECK(a.tlbHit == b.tlbHit);
            CHECK(a.errorCode == b.errorCode);
            CHECK(with.cpu(0).stats == without.cpu(0).stats);
            CHECK(with.cpu(0).tlb.entries().size() == without.cpu(0).tlb.entries().size());
        }
    }
}

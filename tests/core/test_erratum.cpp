// SPDX-License-Identifier: GPL-3.0-or-later
// The CPU model switch (AMD revision guide 41322, erratum 383; lessons/README.md, "Model
// conventions"): a permission mismatch on a TLB hit re-walks; an erratum-383 CPU keeps both entries
// when the page size differs and the same access machine-checks; a correct CPU replaces the stale
// entry. And speculative fills.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;
using Outcome = OpResult::Outcome;

namespace {
// "k" maps 0x08000000 as a 2M global supervisor page (like the kernel's low mappings);
// "u" maps 0x08048000 as a 4K user page (the process).
const char* kTables = R"(
table k
map k 0x08000000 0x08000000 2M 2M rw global
table u
map u 0x08048000 0x02000000 4K 4K user rw
)";

// A stale 2M global supervisor entry for 0x08048000 on cpu0, which now runs on "u".
Machine staleLargeEntry(const char* model) {
    Machine m = machineFrom(fmt::format("cpu_model {}\n{}cpu0 load_cr3 k\ncpu0 speculate 0x08048000\ncpu0 load_cr3 u\n",
                                        model, kTables));
    auto e = covering(m, 0, 0x08048000);
    REQUIRE(e.size() == 1);
    REQUIRE(e[0].size == PageSize::M2);
    REQUIRE(e[0].global);
    REQUIRE_FALSE(e[0].user);
    return m;
}
}  // namespace

TEST_CASE("erratum383: a re-walk with another page size leaves both entries and the access machine-checks",
          "[erratum]") {
    Machine m = staleLargeEntry("erratum383");
    EventList ev;
    OpResult r = run(m, "cpu0 access 0x08048000 read user", &ev);
    CHECK(r.outcome == Outcome::MachineCheck);
    CHECK(r.mc0Status == 0xb600000000010015ull);
    const Cpu& c = m.cpu(0);
    CHECK(c.mc0Status == 0xb600000000010015ull);
    CHECK((c.mcgStatus & pae::MCG_STATUS_MCIP) != 0);
    CHECK(c.state == CpuState::Halted);
    CHECK(c.stats.multimatches == 1);
    // Both entries are still there: the 2M global one and the new 4K user one.
    auto e = covering(m, 0, 0x08048000);
    REQUIRE(e.size() == 2);
    CHECK(e[0].size != e[1].size);
    CHECK(hasEvent(ev, EventKind::PermissionMismatch, 0));
    CHECK(hasEvent(ev, EventKind::Multimatch, 0));
    CHECK(hasEvent(ev, EventKind::MachineCheck, 0));
    // The other CPU is untouched (no kernel booted: no panic).
    CHECK(m.cpu(1).state == CpuState::Online);
    CHECK(m.cpu(1).mc0Status == 0);
    CHECK(m.cpu(1).mcgStatus == 0);
}

TEST_CASE("a halted CPU runs nothing more: every later op on it is an error", "[erratum]") {
    Machine m = staleLargeEntry("erratum383");
    REQUIRE(run(m, "cpu0 access 0x08048000 read user").outcome == Outcome::MachineCheck);
    const u64 step = m.step();
    for (const char* op : {"cpu0 access 0x08048000 read user", "cpu0 translate 0x08048000 read user",
                           "cpu0 speculate 0x08048000", "cpu0 invlpg 0x08048000", "cpu0 flush", "cpu0 flush_all",
                           "cpu0 load_cr3 k", "cpu0 set cr4.pge 0"}) {
        CAPTURE(op);
        CHECK(errorOf(m, op) == "test:1:1: error: cpu0 is halted by a machine check; it runs nothing more");
    }
    CHECK(m.step() == step);
    CHECK(m.cpu(0).tlb.lookup(0x08048000).count == 2);
    // Inspection and the other CPU still work.
    CHECK(run(m, "show cpu0").output.find("halted") != std::string::npos);
    CHECK(run(m, "cpu1 load_cr3 u\ncpu1 access 0x08048000 read user").outcome == Outcome::Ok);
}

TEST_CASE("a 2M fill replaces the 4K entries inside its range: only the erratum leaves two", "[erratum]") {
    // cpu0 holds b's global 4K entry for 0x00654000, then walks a's 2M page at 0x00600000 (a
    // miss: no entry covers 0x00600000). A CPU must not end up with two entries for
    // 0x00654000 this way; model convention: only the erratum's re-walk window keeps both.
    for (const char* model : {"erratum383", "correct"}) {
        for (const char* how : {"cpu0 access 0x00600000 read kernel", "cpu0 speculate 0x00600000"}) {
            CAPTURE(model, how);
            Machine m = machineFrom(fmt::format(R"(
cpu_model {}
table a
map a 0x00600000 0x00a00000 2M 2M rw global
table b
map b 0x00654000 0x03054000 4K 4K rw global
cpu0 load_cr3 b
cpu0 access 0x00654000 read kernel
cpu0 load_cr3 a
{}
)",
                                                model, how));
            auto e = covering(m, 0, 0x00654000);
            REQUIRE(e.size() == 1);
            CHECK(e[0].size == PageSize::M2);
            OpResult r = run(m, "cpu0 access 0x00654000 read kernel");
            CHECK(r.outcome == Outcome::Ok);
            CHECK(r.pa == 0x00a54000);
            CHECK(m.cpu(0).state == CpuState::Online);
        }
    }
}

TEST_CASE("correct CPU: the stale entry is replaced and the access succeeds", "[erratum]") {
    Machine m = staleLargeEntry("correct");
    EventList ev;
    OpResult r = run(m, "cpu0 access 0x08048abc read user", &ev);
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x02000abc);
    CHECK(r.size == PageSize::K4);
    CHECK(hasEvent(ev, EventKind::PermissionMismatch, 0));
    CHECK_FALSE(hasEvent(ev, EventKind::MachineCheck));
    auto e = covering(m, 0, 0x08048000);
    REQUIRE(e.size() == 1);
    CHECK(e[0].size == PageSize::K4);
    CHECK(e[0].user);
    CHECK_FALSE(e[0].global);
    CHECK(m.cpu(0).mc0Status == 0);
    CHECK(m.cpu(0).mcgStatus == 0);
    CHECK(m.cpu(0).state == CpuState::Online);
    // The next access is a plain hit on the new entry.
    r = run(m, "cpu0 access 0x08048000 read user");
    CHECK(r.tlbHit);
    CHECK(r.pa == 0x02000000);
}

TEST_CASE("erratum383 with the same page size: the stale entry is replaced, no machine check", "[erratum]") {
    Machine m = machineFrom(R"(
cpu_model erratum383
table k
map k 0x08048000 0x05000000 4K 4K rw global
table u
map u 0x08048000 0x02000000 4K 4K user rw
cpu0 load_cr3 k
cpu0 access 0x08048000 read kernel
cpu0 load_cr3 u
)");
    REQUIRE(covering(m, 0, 0x08048000).size() == 1);
    OpResult r = run(m, "cpu0 access 0x08048000 read user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x02000000);
    REQUIRE(covering(m, 0, 0x08048000).size() == 1);
    CHECK(covering(m, 0, 0x08048000)[0].user);
}

TEST_CASE("a mismatch whose re-walk also denies is a page fault that invalidates the page", "[erratum]") {
    for (const char* model : {"erratum383", "correct"}) {
        CAPTURE(model);
        Machine m = machineFrom(fmt::format(R"(
cpu_model {}
table k
map k 0x08000000 0x08000000 2M 2M rw global
table u
map u 0x08048000 0x02000000 4K 4K rw
cpu0 load_cr3 k
cpu0 speculate 0x08048000
cpu0 load_cr3 u
)",
                                            model));
        OpResult r = run(m, "cpu0 access 0x08048000 read user");
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0x5);
        CHECK(covering(m, 0, 0x08048000).empty());
        CHECK(m.cpu(0).state == CpuState::Online);
        CHECK(m.cpu(0).mc0Status == 0);
        // Not present in u at all: a not-present fault, also invalidating.
        run(m, "cpu0 load_cr3 k\ncpu0 speculate 0x08100000\ncpu0 load_cr3 u\n");
        REQUIRE(covering(m, 0, 0x08100000).size() == 1);
        r = run(m, "cpu0 access 0x08100000 read user");
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0x4);
        CHECK(covering(m, 0, 0x08100000).empty());
    }
}

TEST_CASE("speculate: fills from a full walk under CR3, origin speculation, no A/D, no fault", "[speculation]") {
    Machine m = machineFrom(std::string(kTables) + "cpu0 load_cr3 u\n");
    const u64 pdeBefore = pde(m, "u", 0x08048000) & ~(pae::A | pae::D);
    run(m, fmt::format("write_entry u 0x08048000 pde {:#x}\n", pdeBefore));
    const u64 pteBefore = pte(m, "u", 0x08048000);
    REQUIRE((pteBefore & pae::A) == 0);
    EventList ev;
    OpResult r = run(m, "cpu0 speculate 0x08048123", &ev);
    CHECK(r.outcome == Outcome::None);
    auto e = covering(m, 0, 0x08048000);
    REQUIRE(e.size() == 1);
    CHECK(e[0].origin == Origin::Speculative);
    CHECK(e[0].user);
    CHECK(e[0].writable);
    CHECK(e[0].pa == 0x02000000);
    CHECK(pde(m, "u", 0x08048000) == pdeBefore);  // no A/D anywhere
    CHECK(pte(m, "u", 0x08048000) == pteBefore);
    CHECK(m.cpu(0).stats.fillsSpeculative == 1);
    CHECK(m.cpu(0).stats.pageFaults == 0);
    CHECK_FALSE(hasEvent(ev, EventKind::TableWrite));
    // The speculative entry serves a later access as a hit.
    CHECK(run(m, "cpu0 access 0x08048000 write user").tlbHit == false);  // clean entry: write re-walks
    CHECK(run(m, "cpu0 access 0x08048000 read user").tlbHit);
}

TEST_CASE("speculate fills nothing unless every level is present, and never faults", "[speculation]") {
    Machine m = machineFrom(std::string(kTables) + "cpu0 load_cr3 u\n");
    for (const char* va : {"0x08049000", "0x08400000", "0x40000000", "0xc0000000"}) {
        CAPTURE(va);
        EventList ev;
        OpResult r = run(m, fmt::format("cpu0 speculate {}", va), &ev);
        CHECK(r.outcome == Outcome::None);
        CHECK(hasEvent(ev, EventKind::SpeculationNone, 0));
        CHECK_FALSE(hasEvent(ev, EventKind::PageFault));
    }
    CHECK(m.cpu(0).tlb.size() == 0);
    CHECK(m.cpu(0).stats.pageFaults == 0);
    // Reserved bits: no fill either.
    run(m, fmt::format("write_entry u 0x08048000 pte {:#x}\n", pte(m, "u", 0x08048000) | (u64{1} << 50)));
    run(m, "cpu0 speculate 0x08048000");
    CHECK(m.cpu(0).tlb.size() == 0);
    // A supervisor-only page is cached with its rights (supervisor walk): no check on speculation.
    run(m, "cpu0 load_cr3 k\ncpu0 speculate 0x08000000\n");
    auto e = covering(m, 0, 0x08000000);
    REQUIRE(e.size() == 1);
    CHECK_FALSE(e[0].user);
}

TEST_CASE("random speculation is seeded: same script and seed, same events", "[speculation][determinism]") {
    const std::string script = std::string(kTables) + R"(
seed 42
speculation random 0.5
cpu0 load_cr3 u
cpu1 load_cr3 k
cpu0 access 0x08048000 read user
cpu1 access 0x08000000 read kernel
cpu0 access 0x08049000 read user
cpu1 access 0x08100000 write kernel
cpu0 flush
cpu1 flush
cpu0 access 0x08048000 read kernel
cpu1 access 0x08048000 read kernel
cpu0 invlpg 0x08048000
cpu1 invlpg 0x08048000
)";
    auto trace = [&](std::string_view s) {
        Machine m;
        EventList ev;
        run(m, s, &ev);
        std::string out;
        for (const auto& e : ev) out += describe(e) + "\n";
        return out;
    };
    const std::string a = trace(script);
    CHECK(a == trace(script));
    CHECK(a.find("speculative walk") != std::string::npos);
    std::string other = script;
    other.replace(other.find("seed 42"), 7, "seed 7");
    CHECK(trace(other) != a);
    std::string none = script;
    none.replace(none.find("random 0.5"), 10, "off");
    CHECK(trace(none).find("speculative walk") == std::string::npos);
}

TEST_CASE("a write through a clean entry re-walks without the erratum's window", "[erratum]") {
    // The stale 2M entry allows the kernel write but was cached with D clear: the CPU re-walks
    // to set D. That is no permission mismatch, so even an erratum-383 CPU replaces the entry.
    Machine m = machineFrom(R"(
cpu_model erratum383
table k
map k 0x08000000 0x08000000 2M 2M rw global
table u
map u 0x08048000 0x02000000 4K 4K rw
cpu0 load_cr3 k
cpu0 access 0x08048000 read kernel
cpu0 load_cr3 u
)");
    REQUIRE(covering(m, 0, 0x08048000).size() == 1);
    REQUIRE_FALSE(covering(m, 0, 0x08048000)[0].dirty);
    OpResult r = run(m, "cpu0 access 0x08048000 write kernel");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x02000000);
    auto e = covering(m, 0, 0x08048000);
    REQUIRE(e.size() == 1);
    CHECK(e[0].size == PageSize::K4);
    CHECK(e[0].dirty);
    CHECK(m.cpu(0).state == CpuState::Online);
}

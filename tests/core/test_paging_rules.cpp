// SPDX-License-Identifier: GPL-3.0-or-later
// TLB maintenance rules of the Intel SDM vol. 3A (4.4.1, 4.10.4):
// global entries and CR4.PGE, MOV CR3, INVLPG, the PDPTE registers, #GP on reserved PDPTE
// bits, and the invalidation a page fault does.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;
using Outcome = OpResult::Outcome;

namespace {
// Two address spaces sharing nothing: "a" maps a global 4K page, a global 2M page and a
// non-global page; "b" maps the same linear pages elsewhere.
const char* kTwoTables = R"(
table a
map a 0x00400000 0x00800000 4K 4K rw global
map a 0x00401000 0x00801000 4K 4K rw
map a 0x00600000 0x00a00000 2M 2M rw global
table b
map b 0x00400000 0x03000000 4K 4K rw
map b 0x00401000 0x03001000 4K 4K rw
cpu0 load_cr3 a
)";

void warm(Machine& m) {
    run(m, "cpu0 access 0x00400000 read kernel\ncpu0 access 0x00401000 read kernel\ncpu0 access 0x00600000 read kernel\n");
    REQUIRE(m.cpu(0).tlb.size() == 3);
}
}  // namespace

TEST_CASE("MOV CR3 with CR4.PGE = 1 keeps global entries and drops the others", "[paging][global]") {
    Machine m = machineFrom(kTwoTables);
    warm(m);
    EventList ev;
    run(m, "cpu0 load_cr3 b", &ev);
    CHECK(m.cpu(0).tlb.size() == 2);
    CHECK(covering(m, 0, 0x00400000).size() == 1);
    CHECK(covering(m, 0, 0x00600000).size() == 1);
    CHECK(covering(m, 0, 0x00401000).empty());
    CHECK(hasEvent(ev, EventKind::Cr3Write, 0));
    // The surviving global entry still translates with its old frame, not b's.
    OpResult r = run(m, "cpu0 access 0x00400010 read kernel");
    CHECK(r.tlbHit);
    CHECK(r.pa == 0x00800010);
    r = run(m, "cpu0 access 0x00401010 read kernel");
    CHECK_FALSE(r.tlbHit);
    CHECK(r.pa == 0x03001010);
    // flush (MOV CR3 with the same value) behaves the same way.
    run(m, "cpu0 flush");
    CHECK(m.cpu(0).tlb.size() == 2);
}

TEST_CASE("MOV CR3 with CR4.PGE = 0 drops global entries too", "[paging][global]") {
    Machine m = machineFrom(std::string(kTwoTables) + "cpu0 set cr4.pge 0\n");
    warm(m);  // filled while PGE = 0: the G bit has no effect
    CHECK(covering(m, 0, 0x00400000)[0].global);
    run(m, "cpu0 load_cr3 b");
    CHECK(m.cpu(0).tlb.size() == 0);
    OpResult r = run(m, "cpu0 access 0x00400010 read kernel");
    CHECK_FALSE(r.tlbHit);
    CHECK(r.pa == 0x03000010);
}

TEST_CASE("a MOV to CR4 that changes PGE flushes every entry, global ones included", "[paging][global]") {
    SECTION("clearing PGE") {
        Machine m = machineFrom(kTwoTables);
        warm(m);
        run(m, "cpu0 set cr4.pge 0");
        CHECK(m.cpu(0).tlb.size() == 0);
        CHECK((m.cpu(0).regs.cr4 & pae::CR4_PGE) == 0);
    }
    SECTION("setting PGE") {
        Machine m = machineFrom(std::string(kTwoTables) + "cpu0 set cr4.pge 0\n");
        warm(m);
        run(m, "cpu0 set cr4.pge 1");
        CHECK(m.cpu(0).tlb.size() == 0);
    }
    SECTION("writing the same PGE value flushes nothing") {
        Machine m = machineFrom(kTwoTables);
        warm(m);
        run(m, "cpu0 set cr4.pge 1");
        CHECK(m.cpu(0).tlb.size() == 3);
    }
    SECTION("flush_all toggles PGE twice and leaves it as it was") {
        Machine m = machineFrom(kTwoTables);
        warm(m);
        EventList ev;
        run(m, "cpu0 flush_all", &ev);
        CHECK(m.cpu(0).tlb.size() == 0);
        CHECK(countEvents(ev, EventKind::Cr4Write, 0) == 2);
        CHECK(m.cpu(0).regs.pge());
        CHECK(m.cpu(0).stats.flushAll == 1);
    }
}

TEST_CASE("INVLPG drops the entries of one page, global ones included, any page size", "[paging][invlpg]") {
    Machine m = machineFrom(kTwoTables);
    warm(m);
    SECTION("a global 4K page") {
        run(m, "cpu0 invlpg 0x00400ff0");
        CHECK(covering(m, 0, 0x00400000).empty());
        CHECK(m.cpu(0).tlb.size() == 2);
    }
    SECTION("a global 2M page, by any address inside it") {
        run(m, "cpu0 invlpg 0x007ff000");
        CHECK(covering(m, 0, 0x00600000).empty());
        CHECK(m.cpu(0).tlb.size() == 2);
    }
    SECTION("a non-global page; other pages stay") {
        run(m, "cpu0 invlpg 0x00401000");
        CHECK(covering(m, 0, 0x00401000).empty());
        CHECK(covering(m, 0, 0x00400000).size() == 1);
    }
    SECTION("on another CPU, only that CPU's entries go") {
        run(m, "cpu1 load_cr3 a\ncpu1 access 0x00600000 read kernel\ncpu1 invlpg 0x00600000\n");
        CHECK(covering(m, 1, 0x00600000).empty());
        CHECK(covering(m, 0, 0x00600000).size() == 1);
        run(m, "cpu0 invlpg 0x00401000");
    }
    CHECK(m.cpu(0).stats.invlpg == 1);
}

TEST_CASE("the PDPTE registers, not the PDPT in memory, are used until they are reloaded", "[paging][pdpte]") {
    const char* setup = R"(
table a
map a 0x00400000 0x00800000 4K 4K rw
map a 0x40400000 0x00900000 4K 4K rw
cpu0 load_cr3 a
)";
    Machine m = machineFrom(setup);
    const u64 pdpteMem = m.memory().read64(pdptOf(m, "a"));
    REQUIRE(m.cpu(0).regs.pdpte[0] == pdpteMem);
    REQUIRE((m.cpu(0).regs.pdpte[2] & pae::P) == 0);
    // Clear PDPT entry 0 and point entry 2 at the PD of entry 1, in memory only.
    const u64 pdpte1 = m.memory().read64(pdptOf(m, "a") + 8);
    run(m, fmt::format("write_entry a 0x0 pdpte 0x0\nwrite_entry a 0x80000000 pdpte {:#x}\n", pdpte1));
    CHECK(m.cpu(0).regs.pdpte[0] == pdpteMem);

    SECTION("no effect while the registers hold the old values") {
        OpResult r = run(m, "cpu0 access 0x00400000 read kernel");
        CHECK(r.outcome == Outcome::Ok);
        CHECK(r.pa == 0x00800000);
        CHECK(run(m, "cpu0 access 0x80400000 read kernel").outcome == Outcome::PageFault);
        // Invalidations that do not reload PDPTEs change nothing: INVLPG, CR0.WP, EFER.NXE.
        run(m, "cpu0 invlpg 0x00400000\ncpu0 set cr0.wp 0\ncpu0 set efer.nxe 0\n");
        CHECK(run(m, "cpu0 access 0x00400000 read kernel").outcome == Outcome::Ok);
        // Speculation walks through the registers as well.
        run(m, "cpu0 invlpg 0x00400000\ncpu0 speculate 0x00400000");
        CHECK(covering(m, 0, 0x00400000).size() == 1);
    }
    SECTION("MOV CR3 reloads them") {
        EventList ev;
        run(m, "cpu0 flush", &ev);
        CHECK(hasEvent(ev, EventKind::PdpteLoad, 0));
        CHECK(m.cpu(0).regs.pdpte[0] == 0);
        CHECK(m.cpu(0).regs.pdpte[2] == pdpte1);
        OpResult r = run(m, "cpu0 access 0x00400000 read kernel");
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0);
        r = run(m, "cpu0 access 0x80400000 read kernel");
        CHECK(r.outcome == Outcome::Ok);
        CHECK(r.pa == 0x00900000);
    }
    SECTION("a MOV to CR4 that changes PGE reloads them") {
        run(m, "cpu0 set cr4.pge 0");
        CHECK(m.cpu(0).regs.pdpte[0] == 0);
        CHECK(m.cpu(0).regs.pdpte[2] == pdpte1);
        CHECK(run(m, "cpu0 access 0x00400000 read kernel").outcome == Outcome::PageFault);
    }
    SECTION("flush_all (PGE toggle) reloads them") {
        run(m, "cpu0 flush_all");
        CHECK(m.cpu(0).regs.pdpte[2] == pdpte1);
        CHECK(run(m, "cpu0 access 0x80400000 read kernel").outcome == Outcome::Ok);
    }
    SECTION("another CPU loading the table later sees the new PDPT") {
        run(m, "cpu1 load_cr3 a");
        CHECK(m.cpu(1).regs.pdpte[0] == 0);
        CHECK(m.cpu(0).regs.pdpte[0] == pdpteMem);
    }
}

TEST_CASE("a present PDPTE with reserved bits makes the PDPTE load #GP", "[paging][pdpte]") {
    const char* setup = R"(
table a
map a 0x00400000 0x00800000 4K 4K rw
table bad
map bad 0x00400000 0x00800000 4K 4K rw
)";
    const u64 reserved[] = {pae::RW, pae::US, pae::A, pae::D, pae::PS, pae::G, u64{1} << 52, pae::XD};
    for (u64 bit : reserved) {
        CAPTURE(bit);
        Machine m = machineFrom(setup);
        const u64 good = m.memory().read64(pdptOf(m, "bad"));
        run(m, fmt::format("write_entry bad 0x0 pdpte {:#x}\ncpu0 load_cr3 a\ncpu0 access 0x00400000 read kernel\n",
                           good | bit));
        const u32 cr3 = m.cpu(0).regs.cr3;
        const auto regs = m.cpu(0).regs.pdpte;
        EventList ev;
        std::string err;
        try {
            run(m, "cpu0 load_cr3 bad", &ev);
        } catch (const OpError& e) {
            err = e.what();
        }
        CHECK(err.find("#GP") != std::string::npos);
        CHECK(hasEvent(ev, EventKind::GeneralProtection, 0));
        CHECK(m.cpu(0).regs.cr3 == cr3);  // nothing is loaded
        CHECK(m.cpu(0).regs.pdpte == regs);
        CHECK(m.cpu(0).tlb.size() == 1);  // and nothing is flushed
    }
    SECTION("PWT, PCD and the ignored bits 11:9 are allowed") {
        Machine m = machineFrom(setup);
        const u64 good = m.memory().read64(pdptOf(m, "bad"));
        run(m, fmt::format("write_entry bad 0x0 pdpte {:#x}\ncpu0 load_cr3 bad\n", good | pae::PWT | pae::PCD | 0xe00));
        CHECK(m.cpu(0).regs.cr3 == pdptOf(m, "bad"));
        CHECK(run(m, "cpu0 access 0x00400000 read kernel").outcome == Outcome::Ok);
    }
    SECTION("a not-present PDPTE's other bits are not checked") {
        Machine m = machineFrom(setup);
        run(m, "write_entry bad 0x40000000 pdpte 0xffe\ncpu0 load_cr3 bad\n");
        CHECK(m.cpu(0).regs.cr3 == pdptOf(m, "bad"));
    }
    SECTION("a PDPTE reload through CR4 checks the reserved bits too") {
        Machine m = machineFrom(setup);
        run(m, "cpu0 load_cr3 bad\ncpu0 access 0x00400000 read kernel\n");
        const u64 good = m.memory().read64(pdptOf(m, "bad"));
        run(m, fmt::format("write_entry bad 0x0 pdpte {:#x}\n", good | pae::RW));
        EventList ev;
        CHECK_THROWS_AS(run(m, "cpu0 set cr4.pge 0", &ev), OpError);
        CHECK(m.cpu(0).regs.pge());
        CHECK(m.cpu(0).regs.pdpte[0] == good);
        CHECK_THROWS_AS(run(m, "cpu0 flush_all"), OpError);
        CHECK(m.cpu(0).regs.pge());
        CHECK(m.cpu(0).regs.pdpte[0] == good);
        CHECK(m.cpu(0).tlb.size() == 1);
        CHECK_THROWS_AS(run(m, "cpu0 flush"), OpError);
    }
}

TEST_CASE("a page fault invalidates the entries for the faulting page", "[paging][pagefault]") {
    SECTION("protection fault on a TLB hit: the re-walk denies too") {
        Machine m = machineFrom(R"(
table a
map a 0x00400000 0x00800000 4K 4K user
map a 0x00401000 0x00801000 4K 4K user
cpu0 load_cr3 a
cpu0 access 0x00400000 read user
cpu0 access 0x00401000 read user
)");
        REQUIRE(m.cpu(0).tlb.size() == 2);
        EventList ev;
        OpResult r = run(m, "cpu0 access 0x00400000 write user", &ev);
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0x7);
        CHECK(hasEvent(ev, EventKind::PermissionMismatch, 0));
        CHECK(covering(m, 0, 0x00400000).empty());
        CHECK(covering(m, 0, 0x00401000).size() == 1);  // only the faulting page
        CHECK(m.cpu(0).stats.pageFaults == 1);
    }
    SECTION("the re-walk finds the page gone: a not-present fault") {
        Machine m = machineFrom(R"(
table a
map a 0x00400000 0x00800000 4K 4K user
cpu0 load_cr3 a
cpu0 access 0x00400000 read user
unmap a 0x00400000 4K
)");
        // The stale entry still serves reads.
        CHECK(run(m, "cpu0 access 0x00400000 read user").tlbHit);
        OpResult r = run(m, "cpu0 access 0x00400000 write user");
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0x6);
        CHECK(covering(m, 0, 0x00400000).empty());
    }
    SECTION("a global entry of another page size covering the page goes too") {
        Machine m = machineFrom(R"(
cpu_model correct
table k
map k 0x00400000 0x00400000 2M 2M rw global
table u
map u 0x00400000 0x00800000 4K 4K
cpu0 load_cr3 k
cpu0 access 0x00400000 read kernel
cpu0 load_cr3 u
)");
        REQUIRE(covering(m, 0, 0x00400000).size() == 1);
        OpResult r = run(m, "cpu0 access 0x00400000 read user");
        CHECK(r.outcome == Outcome::PageFault);
        CHECK(r.errorCode == 0x5);
        CHECK(covering(m, 0, 0x00400000).empty());
    }
}

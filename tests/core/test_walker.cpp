// SPDX-License-Identifier: GPL-3.0-or-later
// The PAE page walk (Intel SDM vol. 3A 4.4, 4.6, 4.7, 4.8):
// 4 KiB and 2 MiB translations, A/D updates, rights combined across levels, WP, NX/NXE,
// reserved bits and the page-fault error code.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;
using Outcome = OpResult::Outcome;

namespace {
// One page table with one page of each kind the rules need.
const char* kPages = R"(
table t
map t 0x00400000 0x00800000 4K 4K user rw
map t 0x00401000 0x00801000 4K 4K user
map t 0x00402000 0x00802000 4K 4K
map t 0x00403000 0x00803000 4K 4K rw
map t 0x00404000 0x00804000 4K 4K user rw nx
map t 0x00600000 0x00a00000 2M 2M user rw
cpu0 load_cr3 t
)";

Machine pages(std::string_view extra = {}) {
    Machine m = machineFrom(kPages);
    run(m, extra);
    return m;
}

OpResult access(Machine& m, std::string_view line) { return run(m, line); }

u32 faultCode(Machine& m, std::string_view line) {
    OpResult r = run(m, line);
    REQUIRE(r.outcome == Outcome::PageFault);
    return r.errorCode;
}

std::string writeEntry(const char* level, u32 va, u64 value) {
    return fmt::format("write_entry t {:#x} {} {:#x}\n", va, level, value);
}
}  // namespace

TEST_CASE("a 4 KiB walk reads PDPTE register, PDE and PTE and adds the page offset", "[walker]") {
    Machine m = pages();
    const Cpu& c = m.cpu(0);
    WalkResult w = walk(m.memory(), c.regs, 0x00400abc);
    REQUIRE(w.ok());
    CHECK(w.levels == 3);
    CHECK(w.size == PageSize::K4);
    CHECK(w.pa == 0x00800abc);
    CHECK(w.pageBase == 0x00400000);
    CHECK(w.trace[0].raw == c.regs.pdpte[0]);
    CHECK(w.trace[1].entryPa == pdeAddr(m, "t", 0x00400000));
    CHECK(w.trace[2].entryPa == pteAddr(m, "t", 0x00400000));
    CHECK(w.trace[2].raw == pte(m, "t", 0x00400000));

    OpResult r = access(m, "cpu0 access 0x00400abc read user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x00800abc);
    CHECK(r.size == PageSize::K4);
    CHECK_FALSE(r.tlbHit);
    r = access(m, "cpu0 access 0x00400ffc read user");
    CHECK(r.tlbHit);
    CHECK(r.pa == 0x00800ffc);
}

TEST_CASE("a PDE with PS maps a 2 MiB page whose offset is linear bits 20:0", "[walker]") {
    Machine m = pages();
    WalkResult w = walk(m.memory(), m.cpu(0).regs, 0x007fedcb);
    REQUIRE(w.ok());
    CHECK(w.levels == 2);
    CHECK(w.size == PageSize::M2);
    CHECK(w.pa == 0x00bfedcb);
    OpResult r = access(m, "cpu0 access 0x00612345 write user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x00a12345);
    CHECK(r.size == PageSize::M2);
    auto e = covering(m, 0, 0x006fffff);
    REQUIRE(e.size() == 1);
    CHECK(e[0].size == PageSize::M2);
    CHECK(e[0].va == 0x00600000);
    CHECK(e[0].pa == 0x00a00000);
    // PAE honours PS whatever CR4.PSE says; a PDE's PAT bit 12 is not part of the frame.
    run(m, writeEntry("pde", 0x00600000, 0x00a00000 | pae::P | pae::PS | pae::PAT_LARGE) + "cpu0 flush\n");
    r = access(m, "cpu0 access 0x00600010 read kernel");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x00a00010);
}

TEST_CASE("the walk sets A in each PDE/PTE used and D only in the leaf on a write", "[walker][ad]") {
    Machine m = pages();
    const u64 pdeA = pdeAddr(m, "t", 0x00400000);
    // Start from a PDE with A and D clear (map builds _PAGE_TABLE, which has them set).
    const u64 cleanPde = pde(m, "t", 0x00400000) & ~(pae::A | pae::D);
    run(m, writeEntry("pde", 0x00400000, cleanPde));
    REQUIRE((pte(m, "t", 0x00400000) & (pae::A | pae::D)) == 0);

    SECTION("read: A in PDE and PTE, no D anywhere") {
        REQUIRE(access(m, "cpu0 access 0x00400000 read user").outcome == Outcome::Ok);
        CHECK(m.memory().read64(pdeA) == (cleanPde | pae::A));
        CHECK((pte(m, "t", 0x00400000) & pae::A) != 0);
        CHECK((pte(m, "t", 0x00400000) & pae::D) == 0);
    }
    SECTION("write: A in both, D in the PTE only") {
        REQUIRE(access(m, "cpu0 access 0x00400000 write user").outcome == Outcome::Ok);
        CHECK(m.memory().read64(pdeA) == (cleanPde | pae::A));
        CHECK((pte(m, "t", 0x00400000) & (pae::A | pae::D)) == (pae::A | pae::D));
        // Other pages of the same table are untouched.
        CHECK((pte(m, "t", 0x00401000) & (pae::A | pae::D)) == 0);
    }
    SECTION("a write through an entry cached clean re-walks and sets D") {
        REQUIRE(access(m, "cpu0 access 0x00400000 read user").outcome == Outcome::Ok);
        REQUIRE((pte(m, "t", 0x00400000) & pae::D) == 0);
        REQUIRE(covering(m, 0, 0x00400000).size() == 1);
        CHECK_FALSE(covering(m, 0, 0x00400000)[0].dirty);
        EventList ev;
        OpResult r = run(m, "cpu0 access 0x00400008 write user", &ev);
        CHECK(r.outcome == Outcome::Ok);
        CHECK(r.pa == 0x00800008);
        CHECK((pte(m, "t", 0x00400000) & pae::D) != 0);
        CHECK(hasEvent(ev, EventKind::Walk));
        REQUIRE(covering(m, 0, 0x00400000).size() == 1);
        CHECK(covering(m, 0, 0x00400000)[0].dirty);
        // Now dirty in the TLB: the next write is a plain hit without a walk.
        ev.clear();
        r = run(m, "cpu0 access 0x00400010 write user", &ev);
        CHECK(r.tlbHit);
        CHECK_FALSE(hasEvent(ev, EventKind::Walk));
    }
    SECTION("2 MiB page: A and D in the PDE") {
        const u64 before = pde(m, "t", 0x00600000);
        REQUIRE((before & (pae::A | pae::D)) == 0);
        REQUIRE(access(m, "cpu0 access 0x00600000 read kernel").outcome == Outcome::Ok);
        CHECK(pde(m, "t", 0x00600000) == (before | pae::A));
        REQUIRE(access(m, "cpu0 access 0x00600000 write kernel").outcome == Outcome::Ok);
        CHECK(pde(m, "t", 0x00600000) == (before | pae::A | pae::D));
    }
}

TEST_CASE("translate predicts an access without side effects", "[walker]") {
    Machine m = pages();
    const u64 pteBefore = pte(m, "t", 0x00400000);
    OpResult r = run(m, "cpu0 translate 0x00400123 write user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x00800123);
    CHECK(pte(m, "t", 0x00400000) == pteBefore);
    CHECK(m.cpu(0).tlb.size() == 0);
    CHECK(m.cpu(0).stats.lookups == 0);
    r = run(m, "cpu0 translate 0x00402000 read user");
    CHECK(r.outcome == Outcome::PageFault);
    CHECK(r.errorCode == 0x5);
}

TEST_CASE("page-fault error code: not-present faults have P = 0", "[walker][errorcode]") {
    Machine m = pages();
    CHECK(faultCode(m, "cpu0 access 0x00500000 read kernel") == 0x0);   // PTE not present
    CHECK(faultCode(m, "cpu0 access 0x00500000 write kernel") == 0x2);  // W/R
    CHECK(faultCode(m, "cpu0 access 0x00500000 read user") == 0x4);     // U/S
    CHECK(faultCode(m, "cpu0 access 0x00500000 write user") == 0x6);
    CHECK(faultCode(m, "cpu0 access 0x00500000 exec user") == 0x14);    // I/D with NXE = 1
    CHECK(faultCode(m, "cpu0 access 0x00500000 exec kernel") == 0x10);
    CHECK(faultCode(m, "cpu0 access 0x00800000 read kernel") == 0x0);   // PDE not present
    CHECK(faultCode(m, "cpu0 access 0x40000000 write user") == 0x6);    // PDPTE not present
    run(m, "cpu0 set efer.nxe 0");
    CHECK(faultCode(m, "cpu0 access 0x00500000 exec user") == 0x4);     // no I/D without NXE
}

TEST_CASE("page-fault error code: protection faults have P = 1", "[walker][errorcode]") {
    Machine m = pages();
    CHECK(faultCode(m, "cpu0 access 0x00402000 read user") == 0x5);    // supervisor page
    CHECK(faultCode(m, "cpu0 access 0x00403000 write user") == 0x7);   // supervisor page
    CHECK(faultCode(m, "cpu0 access 0x00401000 write user") == 0x7);   // read-only user page
    CHECK(faultCode(m, "cpu0 access 0x00402000 write kernel") == 0x3); // read-only, CR0.WP = 1
    CHECK(faultCode(m, "cpu0 access 0x00404000 exec user") == 0x15);   // NX
    CHECK(faultCode(m, "cpu0 access 0x00404000 exec kernel") == 0x11);
    CHECK(access(m, "cpu0 access 0x00404000 write user").outcome == Outcome::Ok);
    CHECK(access(m, "cpu0 access 0x00401000 exec user").outcome == Outcome::Ok);
    CHECK(access(m, "cpu0 access 0x00402000 exec kernel").outcome == Outcome::Ok);
}

TEST_CASE("CR0.WP decides whether a supervisor write to a read-only page faults", "[walker][wp]") {
    SECTION("WP = 1: faults, on a miss and on a hit") {
        Machine m = pages();
        CHECK(faultCode(m, "cpu0 access 0x00402000 write kernel") == 0x3);
        REQUIRE(access(m, "cpu0 access 0x00401000 read kernel").outcome == Outcome::Ok);
        CHECK(faultCode(m, "cpu0 access 0x00401000 write kernel") == 0x3);
        CHECK((pte(m, "t", 0x00401000) & pae::D) == 0);
    }
    SECTION("WP = 0: the supervisor write succeeds and sets D; user writes still fault") {
        Machine m = pages("cpu0 set cr0.wp 0\n");
        OpResult r = access(m, "cpu0 access 0x00402000 write kernel");
        CHECK(r.outcome == Outcome::Ok);
        CHECK(r.pa == 0x00802000);
        CHECK((pte(m, "t", 0x00402000) & pae::D) != 0);
        CHECK(access(m, "cpu0 access 0x00401000 write kernel").outcome == Outcome::Ok);
        CHECK(faultCode(m, "cpu0 access 0x00401000 write user") == 0x7);
    }
    SECTION("toggling WP applies to entries already cached") {
        Machine m = pages("cpu0 set cr0.wp 0\n");
        REQUIRE(access(m, "cpu0 access 0x00402000 write kernel").outcome == Outcome::Ok);
        run(m, "cpu0 set cr0.wp 1");
        CHECK(faultCode(m, "cpu0 access 0x00402000 write kernel") == 0x3);
    }
}

TEST_CASE("U/S and R/W are ANDed across the PDE and the PTE", "[walker][rights]") {
    Machine m = pages();
    const u64 p = pde(m, "t", 0x00400000);
    SECTION("a supervisor PDE makes its user PTEs supervisor-only") {
        run(m, writeEntry("pde", 0x00400000, p & ~pae::US));
        CHECK(faultCode(m, "cpu0 access 0x00400000 read user") == 0x5);
        CHECK(access(m, "cpu0 access 0x00400000 write kernel").outcome == Outcome::Ok);
    }
    SECTION("a read-only PDE makes its writable PTEs read-only") {
        run(m, writeEntry("pde", 0x00400000, p & ~pae::RW));
        CHECK(faultCode(m, "cpu0 access 0x00400000 write user") == 0x7);
        CHECK(faultCode(m, "cpu0 access 0x00403000 write kernel") == 0x3);
        CHECK(access(m, "cpu0 access 0x00400000 read user").outcome == Outcome::Ok);
        auto e = covering(m, 0, 0x00400000);
        REQUIRE(e.size() == 1);
        CHECK(e[0].user);
        CHECK_FALSE(e[0].writable);
    }
    SECTION("the PTE's own rights still count under a permissive PDE") {
        CHECK(faultCode(m, "cpu0 access 0x00401000 write user") == 0x7);
        CHECK(faultCode(m, "cpu0 access 0x00402000 read user") == 0x5);
    }
    SECTION("XD in the PDE covers every page of its table") {
        run(m, writeEntry("pde", 0x00400000, p | pae::XD));
        CHECK(faultCode(m, "cpu0 access 0x00400000 exec user") == 0x15);
        CHECK(access(m, "cpu0 access 0x00400000 read user").outcome == Outcome::Ok);
    }
}

TEST_CASE("NX: with EFER.NXE = 1 XD forbids fetches, with NXE = 0 it is a reserved bit", "[walker][nx]") {
    SECTION("NXE = 1") {
        Machine m = pages();
        CHECK(faultCode(m, "cpu0 access 0x00404000 exec kernel") == 0x11);
        CHECK(access(m, "cpu0 access 0x00404000 read kernel").outcome == Outcome::Ok);
        // The cached entry carries NX: the hit is denied too, and the fault drops the entry.
        CHECK(faultCode(m, "cpu0 access 0x00404000 exec user") == 0x15);
        CHECK(covering(m, 0, 0x00404000).empty());
    }
    SECTION("NXE = 0: XD set is RSVD, with no I/D bit") {
        Machine m = pages("cpu0 set efer.nxe 0\n");
        CHECK(faultCode(m, "cpu0 access 0x00404000 read kernel") == 0x9);
        CHECK(faultCode(m, "cpu0 access 0x00404000 write user") == 0xf);
        CHECK(faultCode(m, "cpu0 access 0x00404000 exec user") == 0xd);
        // Pages without XD are executable.
        CHECK(access(m, "cpu0 access 0x00400000 exec user").outcome == Outcome::Ok);
        CHECK(access(m, "cpu0 access 0x00402000 exec kernel").outcome == Outcome::Ok);
    }
    SECTION("NXE = 0: XD in a PDE is reserved as well") {
        Machine m = pages();
        run(m, writeEntry("pde", 0x00600000, pde(m, "t", 0x00600000) | pae::XD) + "cpu0 set efer.nxe 0\n");
        CHECK(faultCode(m, "cpu0 access 0x00600000 read user") == 0xd);
    }
}

TEST_CASE("reserved bits in a PDE or PTE give a page fault with RSVD and P set", "[walker][errorcode]") {
    Machine m = pages();
    const u64 bit51 = u64{1} << 51;  // above MAXPHYADDR (48)
    SECTION("PTE") {
        run(m, writeEntry("pte", 0x00400000, pte(m, "t", 0x00400000) | bit51));
        CHECK(faultCode(m, "cpu0 access 0x00400000 read kernel") == 0x9);
        CHECK(faultCode(m, "cpu0 access 0x00400000 write user") == 0xf);
        CHECK(faultCode(m, "cpu0 access 0x00400000 exec user") == 0x1d);
    }
    SECTION("PDE pointing to a page table") {
        run(m, writeEntry("pde", 0x00400000, pde(m, "t", 0x00400000) | bit51));
        CHECK(faultCode(m, "cpu0 access 0x00401000 read user") == 0xd);
    }
    SECTION("2 MiB PDE: bits 20:13 are reserved") {
        run(m, writeEntry("pde", 0x00600000, pde(m, "t", 0x00600000) | (u64{1} << 13)));
        CHECK(faultCode(m, "cpu0 access 0x00600000 read kernel") == 0x9);
    }
    SECTION("a not-present entry's other bits do not matter") {
        run(m, writeEntry("pte", 0x00400000, bit51 | pae::US));
        CHECK(faultCode(m, "cpu0 access 0x00400000 read kernel") == 0x0);
    }
}

TEST_CASE("permissionFault applies the rights rules to combined rights", "[walker][rights]") {
    PagingRegs regs;
    regs.cr0 = pae::CR0_PG | pae::CR0_WP;
    regs.cr4 = pae::CR4_PAE;
    regs.efer = pae::EFER_NXE;
    CHECK(permissionFault(true, true, false, regs, AccessType::Write, Mode::User) == 0);
    CHECK(permissionFault(false, true, false, regs, AccessType::Read, Mode::User) == 0x5);
    CHECK(permissionFault(false, false, false, regs, AccessType::Read, Mode::Kernel) == 0);
    CHECK(permissionFault(false, false, false, regs, AccessType::Write, Mode::Kernel) == 0x3);
    CHECK(permissionFault(true, true, true, regs, AccessType::Exec, Mode::User) == 0x15);
    regs.cr0 &= ~pae::CR0_WP;
    CHECK(permissionFault(false, false, false, regs, AccessType::Write, Mode::Kernel) == 0);
    CHECK(permissionFault(true, false, false, regs, AccessType::Write, Mode::User) == 0x7);
}

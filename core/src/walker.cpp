// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/walker.hpp"

namespace tlblab {

u32 accessErrorBits(const PagingRegs& regs, AccessType acc, Mode mode) {
    u32 ec = 0;
    if (acc == AccessType::Write) ec |= pae::PF_WR;
    if (mode == Mode::User) ec |= pae::PF_US;
    // I/D is reported for instruction fetches when EFER.NXE = 1 (SDM 4.7).
    if (acc == AccessType::Exec && regs.nxe()) ec |= pae::PF_ID;
    return ec;
}

u32 permissionFault(bool user, bool writable, bool nx, const PagingRegs& regs, AccessType acc, Mode mode) {
    bool denied = false;
    if (mode == Mode::User) {
        denied = !user || (acc == AccessType::Write && !writable);
    } else if (acc == AccessType::Write && !writable && regs.wp()) {
        denied = true;  // supervisor write to a read-only page only faults with CR0.WP = 1
    }
    if (acc == AccessType::Exec && nx && regs.nxe()) denied = true;
    return denied ? (pae::PF_P | accessErrorBits(regs, acc, mode)) : 0;
}

std::array<u64, 4> pdptesFrom(const PhysMemory& mem, u32 cr3) {
    std::array<u64, 4> v{};
    for (unsigned i = 0; i < 4; ++i) v[i] = mem.read64(pae::entryAddress(pae::pdptBase(cr3), i));
    return v;
}

namespace {

// The walk stops at `level`: not present (error code P = 0) or a reserved bit set (P | RSVD).
WalkResult& stopAt(WalkResult& r, WalkFail why, int level) {
    r.fail = why;
    r.failLevel = level;
    r.errorCode = why == WalkFail::Reserved ? (pae::PF_P | pae::PF_RSVD) : 0;
    return r;
}

// Records the entry read at `level` in the trace.
u64 recordLevel(WalkResult& r, int level, unsigned index, u64 entryPa, u64 raw) {
    r.trace[static_cast<std::size_t>(level)] = {level, index, entryPa, raw};
    r.levels = level + 1;
    return raw;
}

}  // namespace

WalkResult walk(const PhysMemory& mem, const PagingRegs& regs, u32 va) {
    WalkResult r;
    if (!regs.pagingOn()) {
        r.fail = WalkFail::PagingOff;
        return r;
    }
    const u64 highReserved = pae::kHighReserved | (regs.nxe() ? 0 : pae::XD);

    // Level 0: the PDPTE register selected by bits 31:30.
    const unsigned i0 = pae::pdptIndex(va);
    const u64 pdpte = recordLevel(r, 0, i0, pae::entryAddress(pae::pdptBase(regs.cr3), i0), regs.pdpte[i0]);
    if (!(pdpte & pae::P)) return stopAt(r, WalkFail::NotPresent, 0);
    // (Reserved bits in a PDPTE are caught at load time, MOV CR3: #GP.)

    // Level 1: the PDE.
    const u64 pdeAddr = pae::pdeAddress(pdpte, va);
    const u64 pde = recordLevel(r, 1, pae::pdIndex(va), pdeAddr, mem.read64(pdeAddr));
    if (!(pde & pae::P)) return stopAt(r, WalkFail::NotPresent, 1);
    const bool large = pde & pae::PS;  // PAE ignores CR4.PSE: PS in a PDE always means 2 MiB
    if ((pde & highReserved) || (large && (pde & pae::kLargePdeReserved))) return stopAt(r, WalkFail::Reserved, 1);
    bool user = pde & pae::US, writable = pde & pae::RW, nx = (pde & pae::XD) && regs.nxe();
    u64 leaf = pde;
    if (large) {
        r.size = PageSize::M2;
        r.frame = pde & pae::kFrame2M;
    } else {
        // Level 2: the PTE.
        const u64 pteAddr = pae::pteAddress(pde, va);
        const u64 pte = recordLevel(r, 2, pae::ptIndex(va), pteAddr, mem.read64(pteAddr));
        if (!(pte & pae::P)) return stopAt(r, WalkFail::NotPresent, 2);
        if (pte & highReserved) return stopAt(r, WalkFail::Reserved, 2);
        user = user && (pte & pae::US);
        writable = writable && (pte & pae::RW);
        nx = nx || ((pte & pae::XD) && regs.nxe());
        leaf = pte;
        r.size = PageSize::K4;
        r.frame = pte & pae::kFrame4K;
    }
    r.user = user;
    r.writable = writable;
    r.nx = nx;
    r.global = leaf & pae::G;
    r.dirty = leaf & pae::D;
    r.pageBase = va & pageMask(r.size);
    r.pa = r.frame | pae::pageOffset(va, r.size);
    return r;
}

int setAccessedDirty(PhysMemory& mem, WalkResult& w, bool write, std::array<EntryChange, 2>& changes) {
    int n = 0;
    // The PDPTE has no A bit under PAE; A is set in the PDE and the PTE, D in the leaf.
    for (int l = 1; l < w.levels; ++l) {
        WalkLevel& lv = w.trace[static_cast<std::size_t>(l)];
        u64 v = lv.raw | pae::A;
        if (write && l == w.levels - 1) v |= pae::D;
        if (v != lv.raw) {
            mem.write64(lv.entryPa, v);
            changes[static_cast<std::size_t>(n++)] = {lv.entryPa, lv.raw, v};
            lv.raw = v;
        }
    }
    if (write) w.dirty = true;
    return n;
}

}  // namespace tlblab

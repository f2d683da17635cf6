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

WalkResult walk(const PhysMemory& mem, const PagingRegs& regs, u32 va) {
    WalkResult r;
    if (!regs.pagingOn()) {
        r.fail = WalkFail::PagingOff;
        return r;
    }
    const u64 highReserved = pae::kHighReserved | (regs.nxe() ? 0 : pae::XD);

    // Level 0: the PDPTE register selected by bits 31:30.
    const unsigned i0 = pae::pdptIndex(va);
    const u64 pdpte = regs.pdpte[i0];
    r.trace[0] = {0, i0, pae::entryAddress(pae::pdptBase(regs.cr3), i0), pdpte};
    r.levels = 1;
    if (!(pdpte & pae::P)) {
        r.fail = WalkFail::NotPresent;
        r.failLevel = 0;
        return r;
    }
    // (Reserved bits in a PDPTE are caught at load time, MOV CR3: #GP.)

    // Level 1: the PDE.
    const unsigned i1 = pae::pdIndex(va);
    const u64 pdeAddr = pae::pdeAddress(pdpte, va);
    const u64 pde = mem.read64(pdeAddr);
    r.trace[1] = {1, i1, pdeAddr, pde};
    r.levels = 2;
    if (!(pde & pae::P)) {
        r.fail = WalkFail::NotPresent;
        r.failLevel = 1;
        return r;
    }
    const bool large = pde & pae::PS;  // PAE ignores CR4.PSE: PS in a PDE always means 2 MiB
    if ((pde & highReserved) || (large && (pde & pae::kLargePdeReserved))) {
        r.fail = WalkFail::Reserved;
        r.errorCode = pae::PF_P | pae::PF_RSVD;
        r.failLevel = 1;
        r.errorCode = pae::PF_P | pae::PF_RSVD;
        return r;
    }
    bool user = pde & pae::US, writable = pde & pae::RW, nx = (pde & pae::XD) && regs.nxe();
    u64 leaf = pde;
    if (large) {
        r.size = PageSize::M2;
        r.frame = pde & pae::kFrame2M;
    } else {
        const unsigned i2 = pae::ptIndex(va);
        const u64 pteAddr = pae::pteAddress(pde, va);
        const u64 pte = mem.read64(pteAddr);
        r.trace[2] = {2, i2, pteAddr, pte};
        r.levels = 3;
        if (!(pte & pae::P)) {
            r.fail = WalkFail::NotPresent;
            r.failLevel = 2;
            return r;
        }
        if (pte & highReserved) {
            r.fail = WalkFail::Reserved;
            r.errorCode = pae::PF_P | pae::PF_RSVD;
            r.failLevel = 2;
            r.errorCode = pae::PF_P | pae::PF_RSVD;
            return r;
        }
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

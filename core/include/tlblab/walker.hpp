// SPDX-License-Identifier: GPL-3.0-or-later
// The PAE page walk. Pure functions over physical memory and CPU registers: no exceptions,
// no side effects except the explicit A/D update.
#pragma once

#include "tlblab/memory.hpp"
#include "tlblab/pae.hpp"

#include <array>
#include <optional>

namespace tlblab {

// The registers a walk depends on.
struct PagingRegs {
    u32 cr0 = 0;
    u32 cr3 = 0;
    u32 cr4 = 0;
    u64 efer = 0;
    std::array<u64, 4> pdpte{};  // the PDPTE registers (loaded at MOV CR3), not memory

    bool wp() const { return cr0 & pae::CR0_WP; }
    bool pge() const { return cr4 & pae::CR4_PGE; }
    bool nxe() const { return efer & pae::EFER_NXE; }
    bool pagingOn() const { return (cr0 & pae::CR0_PG) && (cr4 & pae::CR4_PAE); }
};

struct WalkLevel {
    int level = 0;       // 0 PDPTE (register), 1 PDE, 2 PTE
    unsigned index = 0;  // index in its table
    u64 entryPa = 0;     // physical address the entry was read from (PDPTE: where it was loaded from)
    u64 raw = 0;         // entry value as read
};

enum class WalkFail : std::uint8_t { None, NotPresent, Reserved, Protection, PagingOff };

struct WalkResult {
    WalkFail fail = WalkFail::None;
    int failLevel = -1;  // level of the entry that was not present / had reserved bits
    u32 errorCode = 0;   // page-fault error code when fail != None
    u64 pa = 0;          // physical address of the linear address
    u64 frame = 0;       // page frame base
    u32 pageBase = 0;    // linear page base
    PageSize size = PageSize::K4;
    // Rights combined across levels (U/S and R/W ANDed, XD ORed), G and D from the leaf.
    bool user = false, writable = false, nx = false, global = false, dirty = false;
    int levels = 0;
    std::array<WalkLevel, 3> trace{};

    bool ok() const { return fail == WalkFail::None; }
    u64 leafAddr() const { return levels ? trace[static_cast<std::size_t>(levels - 1)].entryPa : 0; }
};

// Walks va under regs. Checks presence and reserved bits only; no permission check, no A/D.
WalkResult walk(const PhysMemory& mem, const PagingRegs& regs, u32 va);

// Rights check of an access against combined rights. Returns the page-fault error code (with
// P = 1) if denied, 0 if allowed.
u32 permissionFault(bool user, bool writable, bool nx, const PagingRegs& regs, AccessType acc, Mode mode);

// Error-code bits that describe the access itself (W/R, U/S, I/D).
u32 accessErrorBits(const PagingRegs& regs, AccessType acc, Mode mode);

// Sets A in every PDE/PTE the walk used, and D in the leaf on a write. Returns whether memory
// changed; fills `changes` with (entry address, before, after).
struct EntryChange {
    u64 pa, before, after;
};
int setAccessedDirty(PhysMemory& mem, WalkResult& w, bool write, std::array<EntryChange, 2>& changes);

}  // namespace tlblab

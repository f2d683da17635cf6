// SPDX-License-Identifier: GPL-3.0-or-later
// x86 PAE paging: entry formats, reserved-bit masks and register bits.
//
// Sources: Intel SDM vol. 3A ch. 4 (4.4 PAE paging and 4.4.1 its PDPTE registers, 4.6 access
// rights, 4.7 the page-fault error code, 4.8 the A and D flags), AMD APM vol. 2 ch. 5. Every
// constant here is a bit the hardware defines.
#pragma once

#include <cstdint>
#include <string>

namespace tlblab {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

enum class PageSize : std::uint8_t { K4, M2 };
enum class AccessType : std::uint8_t { Read, Write, Exec };
enum class Mode : std::uint8_t { Kernel, User };

constexpr u32 pageBytes(PageSize s) { return s == PageSize::K4 ? 0x1000u : 0x200000u; }
constexpr u32 pageMask(PageSize s) { return ~(pageBytes(s) - 1u); }
const char* pageSizeName(PageSize s);   // "4K" / "2M"
const char* accessName(AccessType a);   // "read" / "write" / "exec"
const char* modeName(Mode m);           // "kernel" / "user"

namespace pae {

// Physical-address width of the modelled CPU. AMD Family 10h implements 48 bits
// (CPUID 8000_0008h EAX[7:0] = 0x30); bits at or above it are reserved in entries.
constexpr unsigned kMaxPhysAddr = 48;
constexpr u64 kPhysAddrMask = (u64{1} << kMaxPhysAddr) - 1;

// ---- Paging-structure entry bits (PDPTE, PDE, PTE) --------------------------------------
//  63   62..48      47..12        11..9  8  7   6  5  4   3   2   1  0
//  XD   reserved    frame         avail  G  PS  D  A  PCD PWT U/S R/W P      (PDE/PTE)
// In a 4 KiB PTE bit 7 is PAT; in a 2 MiB PDE bit 12 is PAT and bits 20:13 are reserved.
constexpr u64 P = u64{1} << 0;
constexpr u64 RW = u64{1} << 1;
constexpr u64 US = u64{1} << 2;
constexpr u64 PWT = u64{1} << 3;
constexpr u64 PCD = u64{1} << 4;
constexpr u64 A = u64{1} << 5;
constexpr u64 D = u64{1} << 6;
constexpr u64 PS = u64{1} << 7;
constexpr u64 G = u64{1} << 8;
constexpr u64 PAT_LARGE = u64{1} << 12;
constexpr u64 XD = u64{1} << 63;

// Frame address fields.
constexpr u64 kFrame4K = kPhysAddrMask & ~u64{0xfff};      // bits 47:12
constexpr u64 kFrame2M = kPhysAddrMask & ~u64{0x1fffff};   // bits 47:21

// Reserved bits (must be 0 when P = 1; else a page fault with RSVD set).
// PDPTE under PAE: bits 63:MAXPHYADDR, 8:5 and 2:1 (only P, PWT, PCD and the address remain).
constexpr u64 kPdpteReserved = ~kPhysAddrMask | 0x1e0 | 0x6;
// PDE/PTE: bits 62:MAXPHYADDR; bit 63 (XD) too when EFER.NXE = 0.
constexpr u64 kHighReserved = (~kPhysAddrMask) & ~XD;
// 2 MiB PDE: additionally bits 20:13.
constexpr u64 kLargePdeReserved = 0x1fe000;

// Linux x86-32 PAE flag combinations (arch/x86/include/asm/pgtable_types.h).
constexpr u64 LINUX_PAGE_TABLE = P | RW | US | A | D;  // _PAGE_TABLE: a PDE pointing to a page table
constexpr u64 LINUX_PDPTE = P;                         // set_pgd(__pa(pmd) | _PAGE_PRESENT)

// ---- Page-fault error code --------------------------------------------------------------
constexpr u32 PF_P = 1u << 0;     // 1 = protection violation, 0 = not present
constexpr u32 PF_WR = 1u << 1;    // write access
constexpr u32 PF_US = 1u << 2;    // CPL = 3
constexpr u32 PF_RSVD = 1u << 3;  // reserved bit set in a paging-structure entry
constexpr u32 PF_ID = 1u << 4;    // instruction fetch (EFER.NXE = 1)

// ---- Control registers ------------------------------------------------------------------
constexpr u32 CR0_PE = 1u << 0;
constexpr u32 CR0_WP = 1u << 16;
constexpr u32 CR0_PG = 1u << 31;
constexpr u32 CR4_PSE = 1u << 4;
constexpr u32 CR4_PAE = 1u << 5;
constexpr u32 CR4_PGE = 1u << 7;
constexpr u64 EFER_NXE = u64{1} << 11;
constexpr u32 kCr3PdptMask = 0xffffffe0u;  // CR3 bits 31:5 under PAE

// ---- Machine-check registers (AMD Family 10h, erratum 383) ---------------------------------
constexpr u64 kMc0StatusErratum383 = 0xb600000000010015ull;  // MSR 0x401, L1 TLB multimatch
constexpr u64 MCI_STATUS_OVER = u64{1} << 62;
constexpr u64 MCG_STATUS_RIPV = 1u << 0;
constexpr u64 MCG_STATUS_EIPV = 1u << 1;
constexpr u64 MCG_STATUS_MCIP = 1u << 2;

// ---- Linear-address fields and entry addresses (the one place for this arithmetic) -----------
//  31..30 PDPT index   29..21 PD index   20..12 PT index   11..0 offset (20..0 in a 2 MiB page)
constexpr unsigned kEntryBytes = 8;
constexpr unsigned kEntriesPerTable = 512;  // PD and PT; the PDPT has 4
constexpr unsigned pdptIndex(u32 va) { return va >> 30; }
constexpr unsigned pdIndex(u32 va) { return (va >> 21) & 0x1ff; }
constexpr unsigned ptIndex(u32 va) { return (va >> 12) & 0x1ff; }
constexpr u32 pageOffset(u32 va, PageSize s) { return va & ~pageMask(s); }
// Index of va's entry at `level` (0 PDPTE, 1 PDE, 2 PTE).
constexpr unsigned indexAt(u32 va, int level) {
    return level == 0 ? pdptIndex(va) : level == 1 ? pdIndex(va) : ptIndex(va);
}
// Physical address of entry `index` of the table at `table`, and back.
constexpr u64 entryAddress(u64 table, unsigned index) { return table + u64{index} * kEntryBytes; }
constexpr u64 tableOfEntry(u64 entryPa) { return entryPa & ~u64{0xfff}; }
constexpr unsigned indexOfEntry(u64 entryPa) { return static_cast<unsigned>((entryPa & 0xfff) / kEntryBytes); }
// The PDPT a CR3 value selects (32-byte aligned under PAE).
constexpr u64 pdptBase(u32 cr3) { return cr3 & kCr3PdptMask; }
// Where va's entry is at each level: in the PDPT at `pdpt`, in the table a PDPTE / PDE points at.
constexpr u64 pdpteAddress(u64 pdpt, u32 va) { return entryAddress(pdpt, pdptIndex(va)); }
constexpr u64 pdeAddress(u64 pdpte, u32 va) { return entryAddress(pdpte & kFrame4K, pdIndex(va)); }
constexpr u64 pteAddress(u64 pde, u32 va) { return entryAddress(pde & kFrame4K, ptIndex(va)); }
// va's entry at `level` (1 PDE, 2 PTE) in the table its parent entry `parent` points at.
constexpr u64 childEntryAddress(u64 parent, int level, u32 va) {
    return entryAddress(parent & kFrame4K, indexAt(va, level));
}

// "P RW US A D PS G NX" style decode of the flags that are set.
std::string describeEntry(u64 raw, int level /*0=PDPTE,1=PDE,2=PTE*/);
std::string describeErrorCode(u32 ec);
std::string describeMc0Status(u64 status);

}  // namespace pae
}  // namespace tlblab

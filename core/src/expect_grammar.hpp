// SPDX-License-Identifier: GPL-3.0-or-later
// The words of the expectation grammar, one table each for the loader (lesson_load.cpp), which reads
// them, and the player (lesson_run.cpp), which checks and prints them.
#pragma once

#include "tlblab/lesson.hpp"

namespace tlblab {

// Whether an expectation is about one CPU: `cpuN tlb_has ...` (Required), `[cpuN] stat ...` (Optional:
// without it, every CPU), `panic` (None).
enum class CpuUse : std::uint8_t { Required, Optional, None };

struct ExpectKindInfo {
    const char* word;
    ExpectKind kind;
    CpuUse cpu;
};

inline constexpr ExpectKindInfo kExpectKinds[] = {
    {"tlb_has", ExpectKind::TlbHas, CpuUse::Required},
    {"tlb_lacks", ExpectKind::TlbLacks, CpuUse::Required},
    {"tlb_count", ExpectKind::TlbCount, CpuUse::Required},
    {"cr3", ExpectKind::Cr3, CpuUse::Required},
    {"entry", ExpectKind::Entry, CpuUse::None},
    {"machine_check", ExpectKind::MachineCheck, CpuUse::Required},
    {"no_machine_check", ExpectKind::NoMachineCheck, CpuUse::Optional},
    {"page_fault", ExpectKind::PageFault, CpuUse::Required},
    {"no_page_fault", ExpectKind::NoPageFault, CpuUse::Optional},
    {"access_ok", ExpectKind::Access, CpuUse::Required},
    {"state", ExpectKind::CpuState, CpuUse::Required},
    {"task", ExpectKind::Task, CpuUse::Required},
    {"tlb_state", ExpectKind::TlbState, CpuUse::Required},
    {"pge", ExpectKind::Pge, CpuUse::Required},
    {"panic", ExpectKind::Panic, CpuUse::None},
    {"no_panic", ExpectKind::NoPanic, CpuUse::None},
    {"stat", ExpectKind::Stat, CpuUse::Optional},
    {"total", ExpectKind::TotalStat, CpuUse::Optional},
};

// nullptr for a kind missing from the table (none is).
inline const ExpectKindInfo* expectKindInfo(ExpectKind k) {
    for (const auto& s : kExpectKinds)
        if (s.kind == k) return &s;
    return nullptr;
}

// The comparisons of `stat` and `total`, in the order the loader lists them.
struct CompareInfo {
    const char* word;
    Compare cmp;
};

inline constexpr CompareInfo kCompares[] = {
    {"==", Compare::Eq}, {"!=", Compare::Ne}, {"<", Compare::Lt}, {"<=", Compare::Le}, {">", Compare::Gt}, {">=", Compare::Ge},
};

}  // namespace tlblab

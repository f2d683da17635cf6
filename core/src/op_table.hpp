// SPDX-License-Identifier: GPL-3.0-or-later
// The op table: one row per operation, the one description the parser, the printer, the machine's
// dispatch and the explorer read. CONTRIBUTING.md ("Adding an operation") walks through a new row.
#pragma once

#include "kernel_ops.hpp"
#include "tlblab/machine.hpp"

#include <array>
#include <span>

namespace tlblab {

// The kind of one argument: how it is parsed and printed and which slot of Op it fills.
enum class Arg : std::uint8_t {
    None,
    CpuCount,     // 1..kMaxCpus                          -> d
    Number,       // a number (seed)                      -> d
    Model,        // erratum383|correct                   -> name
    Variant,      // buggy|fix-flush|fix-trampoline       -> name
    Name,         // a table, task or preset name         -> name
    Linear,       // a 32-bit linear address              -> a
    Phys,         // a physical address                   -> b
    Length,       // 4K, 2M, 512M, 0x1000                 -> c
    PageSize,     // 4K|2M                                -> size
    MapFlags,     // user rw global nx accessed dirty: any of them, to the end of the line -> flags
    Level,        // pdpte|pde|pte                        -> c
    EntryValue,   // a raw entry value                    -> d
    PdptDst,      // a PDPT index                         -> a
    PdptSrc,      // a PDPT index                         -> b
    PdptCount,    // a number of PDPT entries             -> d
    Cpu,          // cpuN                                 -> target
    Bit,          // 0|1                                  -> d
    AccessType,   // read|write|exec                      -> access
    Mode,         // user|kernel                          -> mode
    Reg,          // cr4.pge|cr0.wp|efer.nxe              -> reg
    Speculation,  // off | random RATE                    -> flags, d
    Lowmem,       // optional: lowmem SIZE                -> c
    Literal,      // a fixed word after the keyword ("show tlb"): `what` is the word
    StepMode,     // atomic|fine (kernel_steps)           -> name
};

struct ArgSpec {
    Arg kind = Arg::None;
    const char* what = nullptr;  // for errors: "a table", "a physical address"
};

// A checked choice: the word and the value stored for it (printing maps back).
struct Choice {
    const char* word;
    u64 value;
};
std::span<const Choice> choicesOf(Arg kind);  // empty for kinds that are not a choice

struct OpSpec {
    OpCode code;
    const char* keyword;
    OpClass cls;
    bool onCpu;  // written 'cpuN KEYWORD'
    OpReach reach;
    std::array<ArgSpec, 6> args;
    // Checks between arguments after the fixed ones parsed (alignment, ranges), throwing OpError at
    // op.argLoc(i); `text` holds each argument's words as written. Null when there are none.
    void (*check)(const Op& op, std::span<const Token> text);
    // Exactly one of these runs the op.
    OpResult (Machine::*run)(const Op& op, EventList* ev);
    void (KernelOps::*kernel)(const Op& op);
};

struct OpTable {
    static const std::array<OpSpec, static_cast<std::size_t>(OpCode::KernelStep) + 1> kSpecs;
};

inline const OpSpec& opSpec(OpCode c) { return OpTable::kSpecs[static_cast<std::size_t>(c)]; }
inline std::span<const OpSpec> opSpecs() { return OpTable::kSpecs; }

}  // namespace tlblab

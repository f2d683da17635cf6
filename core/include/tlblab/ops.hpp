// SPDX-License-Identifier: GPL-3.0-or-later
// The operation language: one line, one operation. Lessons, the app's console and
// `tlblab-cli exec` all parse with this. The grammar is documented in lessons/README.md.
#pragma once

#include "tlblab/pae.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tlblab {

struct SourceLoc {
    std::string file;  // "" for the console / stdin
    int line = 0;      // 1-based; 0 = unknown
    int col = 0;       // 1-based
};

// An error with a position: printed as FILE:LINE:COL: error: MESSAGE.
class OpError : public std::runtime_error {
public:
    OpError(SourceLoc loc, const std::string& msg) : std::runtime_error(msg), m_loc(std::move(loc)) {}
    const SourceLoc& loc() const { return m_loc; }
    std::string format() const;  // "file:line:col: error: message"
private:
    SourceLoc m_loc;
};

enum class OpCode : std::uint8_t {
    // machine set-up
    Cpus, CpuModel, TlbPreset, KernelVariant, Seed, Speculation,
    // page tables
    Table, Map, Unmap, ClonePgdRange, WriteEntry,
    // CPU instructions
    LoadCr3, Access, Translate, Speculate, Invlpg, Flush, FlushAll, Set,
    // inspection
    ShowCpu, ShowTlb, ShowTable,
    // the Linux kernel layer
    KernelBoot, Task, Schedule, SwitchMm, EnterLazyTlb, LeaveMm, KFlushTlb, KFlushTlbAll, FlushTlbAllIpi,
    NativeCpuUp, DoBootCpu, StartSecondary, ZapLowMappings, SetCpuOnline, CpuDown,
    KernelSteps, KernelStep,  // the fine-grained kernel paths (issue 13): the mode, and one step of a CPU
};

enum class CpuModel : std::uint8_t { Erratum383, Correct };
enum class KernelVariant : std::uint8_t { Buggy, FixFlush, FixTrampoline };
const char* cpuModelName(CpuModel m);          // "erratum383" / "correct"
const char* kernelVariantName(KernelVariant v);  // "buggy" / "fix-flush" / "fix-trampoline"
bool parseCpuModel(std::string_view s, CpuModel& out);
bool parseKernelVariant(std::string_view s, KernelVariant& out);

enum class Reg : std::uint8_t { Cr4Pge, Cr0Wp, EferNxe };

// Map flags.
constexpr u32 MAP_USER = 1, MAP_RW = 2, MAP_GLOBAL = 4, MAP_NX = 8, MAP_ACCESSED = 16, MAP_DIRTY = 32;

struct Op {
    OpCode code{};
    int cpu = -1;     // acting CPU (cpuN prefix), -1 when machine-wide
    int target = -1;  // a second CPU (native_cpu_up cpuM, cpu_down cpuM, show cpuM)
    u64 a = 0, b = 0, c = 0, d = 0;  // addresses, lengths, indices, values, rates
    PageSize size = PageSize::K4;
    AccessType access = AccessType::Read;
    Mode mode = Mode::Kernel;
    Reg reg = Reg::Cr4Pge;
    u32 flags = 0;
    std::string name;       // table / task / preset / model name
    SourceLoc loc;          // position of the operation's first token
    std::array<std::uint16_t, 8> argCol{};  // 1-based columns of the arguments, for errors

    // Column of argument i (falls back to the op's column).
    SourceLoc argLoc(std::size_t i) const;
};

// Parses one line. `loc` gives file, line and the column where `text` starts (so a line taken
// from inside a YAML scalar reports its real column). Returns false for a blank/comment line.
// Throws OpError on anything malformed.
bool parseOp(std::string_view text, const SourceLoc& loc, Op& out);

// Parses a whole script; throws OpError at the first bad line.
std::vector<Op> parseScript(std::string_view text, const std::string& file);

// The op's canonical text ("cpu1 access 0x08048000 read user"), for traces and the console.
std::string formatOp(const Op& op);

// Names an op by its keyword ("access", "native_cpu_up").
const char* opKeyword(OpCode c);

// Closest of `candidates` to `word` within a small edit distance, or "".
std::string suggest(std::string_view word, const std::vector<std::string>& candidates);

// Offset of the first byte that keeps `s` from being text: invalid UTF-8 (overlong forms,
// surrogates and code points past U+10FFFF included) or a control character other than tab, CR
// and LF. npos when `s` is text. Ops, lessons and traces must be text: their words reach JSON,
// SVG and HTML.
std::size_t findNonText(std::string_view s);
// `s` with every byte that is not printable text shown as \xNN: control characters (tab, CR and
// LF included), DEL, C1 controls and bytes that are not UTF-8. For names that come from outside
// any file's checked text (file and folder names) before they reach a terminal.
std::string visibleText(std::string_view s);
// The line and column (1-based, columns in bytes) of byte `offset` of `text`, in `file`: where a
// limit on a file's size is passed.
SourceLoc offsetLoc(std::string_view text, std::size_t offset, const std::string& file);

// Number helpers shared by the parser, the lesson loader and the CLI.
bool parseNumber(std::string_view s, u64& out);  // 123, 0x1f
bool parseLength(std::string_view s, u64& out);  // 4K, 2M, 512M, 1G, 0x1000, 4096
std::string hex(u64 v);                          // "0x1f" (lowercase)
std::string hex32(u64 v);                        // "0x0000001f"

}  // namespace tlblab

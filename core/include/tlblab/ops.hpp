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

// What kind of operation an op is: one column of the op table (core/src/op_table.cpp), which every
// rule about where an op may stand and what it does to the machine reads.
enum class OpClass : std::uint8_t {
    Setup,    // configures the machine: cpus, cpu_model, tlb_preset, kernel_variant, seed, speculation
    Boot,     // kernel_boot: changes the machine, and ends a script's set-up
    State,    // changes the machine: page tables, tasks, CPU instructions, kernel paths
    Inspect,  // show: reads only
    Predict,  // translate: what an access would do; reads only and is not a step (no step count)
};
OpClass opClass(OpCode c);
// Written 'cpuN KEYWORD' (another column of the table); after a State op on a CPU comes the random
// speculation policy's turn.
bool isCpuOp(OpCode c);
// A set-up op: a script's leading run of these is its set-up, which has no steps of its own
// (SessionLoader) -- Setup and Boot.
inline bool isSetupOp(OpCode c) { return opClass(c) == OpClass::Setup || opClass(c) == OpClass::Boot; }
// Whether running the op marks the machine as used, after which Setup ops that size it (cpus,
// tlb_preset) are refused: Boot and State ops.
inline bool touchesMachine(OpCode c) { return opClass(c) == OpClass::Boot || opClass(c) == OpClass::State; }

// What an op may read and write, in the explorer's terms (explore.cpp's opFootprint turns this into
// state bits). One column of the op table.
enum class OpReach : std::uint8_t {
    Everything,    // conflicts with every op (set-up, page tables, show: never interleaved)
    Speculate,     // its CPU, reads the lower page tables
    Access,        // its CPU, reads the lower page tables, a write sets D bits
    OwnCpu,        // its CPU only (invlpg, enter_lazy_tlb)
    OwnCpuPdpt,    // its CPU, reads PDPTs (CR3 loads, flushes, set)
    Schedule,      // its CPU, the tasks it switches between, PDPTs
    AllCpus,       // every CPU and the PDPTs (IPIs)
    BootPair,      // its CPU and the target, the kernel's boot state
    BootingPair,   // the booting CPU and the one booting it, the kernel's boot state
    AllKernel,     // every CPU, the kernel state and the PDPTs, written
    CpuDown,       // every CPU, the kernel state, the tasks
};
OpReach opReach(OpCode c);

enum class CpuModel : std::uint8_t { Erratum383, Correct };
enum class KernelVariant : std::uint8_t { Buggy, FixFlush, FixTrampoline };
const char* cpuModelName(CpuModel m);          // "erratum383" / "correct"
const char* kernelVariantName(KernelVariant v);  // "buggy" / "fix-flush" / "fix-trampoline"
bool parseCpuModel(std::string_view s, CpuModel& out);
bool parseKernelVariant(std::string_view s, KernelVariant& out);

enum class Reg : std::uint8_t { Cr4Pge, Cr0Wp, EferNxe };

// Map flags.
constexpr u32 MAP_USER = 1, MAP_RW = 2, MAP_GLOBAL = 4, MAP_NX = 8, MAP_ACCESSED = 16, MAP_DIRTY = 32;

// One parsed operation. Its arguments sit in fixed slots by kind (the op table's argument list says
// which an op has); read them through the accessors, which say what they mean.
struct Op {
    OpCode code{};
    int cpu = -1;     // acting CPU (cpuN prefix), -1 when machine-wide
    int target = -1;  // a second CPU (native_cpu_up cpuM, cpu_down cpuM, show cpuM)
    u64 a = 0;  // a linear address; clone_pgd_range: the destination index
    u64 b = 0;  // a physical address; clone_pgd_range: the source index
    u64 c = 0;  // a length (map, unmap, kernel_boot lowmem: 0 = the default); write_entry: the level
    u64 d = 0;  // a number: a count, a seed, an entry or register-bit value, a rate in millionths
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

    u32 va() const { return static_cast<u32>(a); }  // the linear address
    u64 pa() const { return b; }                      // map's physical address
    u64 length() const { return c; }                  // map, unmap; kernel_boot's lowmem (0: default)
    unsigned level() const { return static_cast<unsigned>(c); }  // write_entry: 0 PDPTE, 1 PDE, 2 PTE
    u64 value() const { return d; }                   // cpus, seed, set, write_entry, clone's count
    unsigned pdptDst() const { return static_cast<unsigned>(a); }  // clone_pgd_range
    unsigned pdptSrc() const { return static_cast<unsigned>(b); }  // clone_pgd_range
    bool randomSpeculation() const { return flags != 0; }          // speculation random|off
    double rate() const { return static_cast<double>(d) / 1e6; }  // speculation random RATE
};

// ---- the one tokenizer of the operation language and the lesson loader's one-line grammars ----

struct Token {
    std::string text;
    int col = 0;          // 1-based column in the file
    bool quoted = false;  // written in double quotes (a name, never a keyword or a number)
};
// Splits a line into words: blanks (space, tab, CR, LF) separate them, `#` outside quotes starts a
// comment to the end of the line, "double quotes" hold a name with blanks or `#` (not empty).
// `loc` gives the file, line and the column where `text` starts. Throws OpError on an unterminated
// quote or an empty name.
std::vector<Token> tokenizeLine(std::string_view text, const SourceLoc& loc);
// "cpu0" .. "cpu9999" -> 0 .. 9999 (whether that CPU exists is checked where the machine is known).
bool parseCpuWord(std::string_view s, int& cpu);

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

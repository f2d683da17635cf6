// SPDX-License-Identifier: GPL-3.0-or-later
// Lessons: a YAML file that sets a machine up, then plays steps of operations with narration,
// highlights, expectations and classroom questions, under one of several named variants
// (kernel variant + CPU model). The format is documented in lessons/README.md.
//
// Loading checks everything (unknown keys, bad ops, unknown variants, expectations and highlights
// that name nothing) and throws OpError with the FILE:LINE:COL of the offending text. Playing a
// lesson (LessonRun) builds a Timeline, so a view can seek to any step.
#pragma once

#include "tlblab/challenge.hpp"
#include "tlblab/machine.hpp"
#include "tlblab/ops.hpp"
#include "tlblab/timeline.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlblab {

struct Reference {
    std::string title;
    std::string source;  // a URL, or a commit / document id ("commit fd89a137924e", "AMD 41322")
};

// A named way to play the lesson. The run starts with `cpu_model` and `kernel_variant` ops made
// from it, before the lesson's setup.
struct LessonVariant {
    std::string name;         // "buggy", "fix-flush", ...
    std::string description;  // one line
    CpuModel model = CpuModel::Erratum383;
    KernelVariant kernel = KernelVariant::Buggy;
    bool fromFile = true;  // false: the implicit "default" variant of a file without `variants:`
    SourceLoc loc;
};

// ---- expectations: assertions on the machine after a step ------------------------------------
//
// Written as one line each, e.g. "cpu1 tlb_has 0x00000000 2M global", "cpu1 cr3 swapper_pg_dir",
// "cpu1 machine_check 0xb600000000010015", "entry swapper_pg_dir 0x00000000 pde present 2M global",
// "cpu0 stat flush_all >= 1". The grammar is in lessons/README.md.
enum class ExpectKind : std::uint8_t {
    TlbHas,          // cpuN tlb_has VA [4K|2M] [global|nonglobal] [user|supervisor] [walk|speculation]
    TlbLacks,        // cpuN tlb_lacks VA [4K|2M] [global|nonglobal] [user|supervisor] [walk|speculation]
    TlbCount,        // cpuN tlb_count VA N            (number of entries covering VA)
    Cr3,             // cpuN cr3 TABLE|PA
    Entry,           // entry TABLE VA pdpte|pde|pte present|absent|VALUE [2M|4K] [global|nonglobal] [user|supervisor]
    MachineCheck,    // cpuN machine_check [MC0_STATUS]  (the CPU has taken a machine check)
    NoMachineCheck,  // [cpuN] no_machine_check           (no CPU / this CPU has taken one)
    PageFault,       // cpuN page_fault [ERROR_CODE]     (an op of this step faulted on cpuN)
    NoPageFault,     // [cpuN] no_page_fault
    Access,          // cpuN access_ok [PA]              (the step's last access on cpuN succeeded)
    CpuState,        // cpuN state online|booting|offline|halted
    Task,            // cpuN task NAME|none
    TlbState,        // cpuN tlb_state ok|lazy
    Pge,             // cpuN pge on|off
    Panic,           // panic
    NoPanic,         // no_panic
    Stat,            // [cpuN] stat NAME OP VALUE   (counter change over this step; no cpuN: sum over CPUs)
    TotalStat,       // [cpuN] total NAME OP VALUE  (cumulative counter since the start)
};
const char* expectKindName(ExpectKind k);  // the keyword: "tlb_has", "machine_check", ...

enum class Compare : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

struct Expectation {
    ExpectKind kind{};
    int cpu = -1;           // -1: machine-wide / every CPU
    u32 va = 0;             // tlb_*, entry, page_fault (unused)
    u64 value = 0;          // CR3 pa, entry raw value, MC0_STATUS, error code, count, stat value
    bool hasValue = false;  // machine_check / page_fault / access_ok / entry VALUE given
    std::string name;       // table (cr3 TABLE, entry), task, state, stat name
    int level = -1;         // entry: 0 pdpte, 1 pde, 2 pte
    // Optional filters for tlb_has / tlb_lacks / entry ("any" when unset).
    std::optional<PageSize> size;
    std::optional<bool> global, user, present;
    std::optional<Origin> origin;
    Compare cmp = Compare::Eq;
    std::string text;  // the line as written, for messages
    SourceLoc loc;
    SourceLoc nameLoc;  // where `name` (a table, task, ...) was written
    std::vector<std::string> variants;  // checked only under these variants (empty: every variant)

    bool appliesTo(const std::string& variant) const;
};

struct ExpectResult {
    bool passed = false;
    std::string message;  // what was found ("cpu1 has 2 entries for 0x00000000: ...")
    std::string text;     // the expectation as written
    SourceLoc loc;        // where it was written
};

// ---- highlights: what the picture should point at ----------------------------------------------
// "cpu1", "cpu1 cr3", "cpu1 tlb 0x00000000", "table swapper_pg_dir 0x00000000 pde".
enum class HighlightKind : std::uint8_t { Cpu, Register, TableEntry, TlbEntry };
const char* highlightKindName(HighlightKind k);  // "cpu" / "register" / "table_entry" / "tlb_entry"

struct Highlight {
    HighlightKind kind{};
    int cpu = -1;
    std::string name;  // register ("cr3", "cr4", "pdpte0".."pdpte3", "mc0_status", ...) or table name
    u32 va = 0;        // table entry / TLB entry linear address
    int level = -1;    // table entry: 0 pdpte, 1 pde, 2 pte
    SourceLoc loc;
    SourceLoc nameLoc;
};

struct Question {
    std::string prompt;
    std::vector<std::string> choices;
    int answer = 0;  // 0-based index into choices (the file writes it 1-based)
    std::string explanation;
    SourceLoc loc;
};

struct LessonStep {
    std::string title;
    std::vector<int> cpus;  // the acting CPU(s), for the picture
    std::vector<Op> ops;
    std::string narration;  // light markup: *emphasis*, `code`, "- " list lines, blank line = paragraph
    std::vector<Highlight> highlights;
    std::vector<Expectation> expectations;
    std::optional<Question> question;      // the question under every variant not in questionFor
    std::vector<std::string> breakpoints;  // tags
    std::vector<std::string> variants;     // empty: every variant
    // Narration replacing `narration` under a given variant (variant name -> text).
    std::map<std::string, std::string> narrationFor;
    // Question replacing `question` under a given variant; nullopt: no question under it.
    std::map<std::string, std::optional<Question>> questionFor;
    SourceLoc loc;

    bool appliesTo(const std::string& variant) const;
    const std::string& narrationIn(const std::string& variant) const;
    const Question* questionIn(const std::string& variant) const;  // nullptr: no question under it
};

// The concurrent section the explorer (issue 6) interleaves: each listed CPU's ops run as one
// thread, after the lesson's setup and its first `afterStep` steps.
enum class ExploreGoal : std::uint8_t { MachineCheck };
struct ExploreSpec {
    int afterStep = 0;                             // number of leading lesson steps played first
    std::map<int, std::vector<Op>> threads;        // cpu -> its ops, in program order
    std::map<int, std::vector<u32>> speculation;   // cpu -> addresses it may speculatively cache
    ExploreGoal goal = ExploreGoal::MachineCheck;
    SourceLoc loc;
};

struct Lesson {
    std::string id;  // the file stem unless the file says otherwise
    int order = 1000;  // position in `tlblab-cli list`
    std::string title, summary, audience;
    int minutes = 0;
    std::vector<Reference> references;
    std::vector<Op> setup;
    std::vector<LessonVariant> variants;  // never empty after loading ("default" if the file has none)
    std::vector<LessonStep> steps;
    std::optional<ExploreSpec> explore;
    std::vector<Challenge> challenges;  // challenge.hpp
    std::string path;

    const LessonVariant* variant(const std::string& name) const;  // nullptr if unknown
    // The variant called `name` ("" = the first); throws OpError (at the file) naming the known ones.
    const LessonVariant& pickVariant(const std::string& name) const;
    std::vector<std::string> variantNames() const;
};

// A lesson (or trace) file is data only: it cannot include other files, run commands or reach the
// network, and it is small. Past these limits loading fails with a clear error (issue 7).
constexpr std::size_t kMaxLessonBytes = std::size_t{1} << 20;  // 1 MiB of UTF-8 text
constexpr std::size_t kMaxLessonSteps = 1000;
constexpr std::size_t kMaxLessonOps = 20000;  // setup + steps + explore threads
constexpr std::size_t kMaxLessonVariants = 16;

// The ops a run under `v` starts with, before the setup: `cpu_model` and `kernel_variant` (none for
// the implicit "default" variant).
std::vector<Op> variantOps(const LessonVariant& v);

// Loads and checks a lesson. Throws OpError (FILE:LINE:COL) for anything wrong, including a file
// that cannot be read (position 0:0).
Lesson loadLesson(const std::string& path);
Lesson parseLesson(const std::string& text, const std::string& path);

// Parses one expectation / highlight line (used by the loader; exposed for the app's console).
Expectation parseExpectation(std::string_view text, const SourceLoc& loc);
Highlight parseHighlight(std::string_view text, const SourceLoc& loc);

// ---- playing ---------------------------------------------------------------------------------

struct PlayedStep {
    int lessonStep = 0;           // index into Lesson::steps
    int number = 0;               // 1-based among the steps played under this variant
    std::size_t firstOp = 0;      // timeline position before the step (seek(firstOp) = machine before)
    std::size_t lastOp = 0;       // timeline position after the step (seek(lastOp) = machine after)
    std::vector<Op> ops;                  // the step's ops, as played
    std::vector<OpResult> results;        // one per op
    std::vector<EventList> events;       // one list per op
    std::vector<CpuStats> stats;          // per CPU: counters changed over this step
    std::vector<ExpectResult> expectations;

    bool passed() const;
};

// Evaluates one expectation on the machine after a step.
ExpectResult evaluate(const Expectation& e, const Machine& after, const PlayedStep& step);

class LessonRun {
public:
    // Plays the lesson under `variant` ("" = the first variant): the variant's cpu_model and
    // kernel_variant, the setup, then each step that applies to the variant, evaluating its
    // expectations. `toStep` > 0 stops after that many played steps. Throws OpError for an unknown
    // variant (at the lesson's file) or an op that cannot run (at the op). The run keeps its own
    // copy of the lesson.
    LessonRun(const Lesson& lesson, const std::string& variant = {}, int toStep = 0);

    const Lesson& lesson() const { return m_lesson; }
    const LessonVariant& variant() const { return m_lesson.variants[m_variant]; }
    Timeline& timeline() { return m_timeline; }
    const Timeline& timeline() const { return m_timeline; }
    std::size_t setupEnd() const { return m_setupEnd; }  // timeline position after variant + setup ops
    const std::vector<PlayedStep>& steps() const { return m_steps; }
    const LessonStep& lessonStep(const PlayedStep& s) const;
    bool allPassed() const;
    std::vector<ExpectResult> failures() const;

private:
    Lesson m_lesson;
    std::size_t m_variant = 0;  // index into m_lesson.variants
    Timeline m_timeline;
    std::size_t m_setupEnd = 0;
    std::vector<PlayedStep> m_steps;
};

// JSON of a played step (the `tlblab-cli run --format json` object): step, lesson_step, title,
// ops, events, cpus (cpuJson), expectations. runJson: the array of every played step.
nlohmann::json stepJson(LessonRun& run, const PlayedStep& step);
nlohmann::json runJson(LessonRun& run);

// ---- bundled lessons ---------------------------------------------------------------------------

// Directories searched, in order, that exist: $TLBLAB_LESSON_DIR, ../share/tlblab/lessons by the executable (an install
// tree; in a build tree, a link to lessons/), $XDG_DATA_HOME/tlblab/lessons (default ~/.local/share), tlblab/lessons
// in each of $XDG_DATA_DIRS (default /usr/local/share:/usr/share), then the configured install directory.
std::vector<std::string> lessonDirs();
// A bundled lesson id ("erratum-383") or a path to a .yaml file; nullopt if neither.
std::optional<std::string> findLesson(const std::string& idOrPath);

// What a path given to tlblab, tlblab-cli or File > Export holds, decided once for all of them:
// a lesson (a .yaml or .yml file -- a lesson, or the explorer's counterexample trace, which is a
// lesson -- or a bare name: a bundled lesson id) or an operation-language script (any other file or
// name with an extension: .tlb, .ops, ...; read with readScriptFile).
enum class SourceKind : std::uint8_t { Lesson, Script };
SourceKind sourceKind(const std::string& path);
// Paths of the bundled lessons (first directory that has any), sorted by their `order`.
std::vector<std::string> bundledLessons();

}  // namespace tlblab

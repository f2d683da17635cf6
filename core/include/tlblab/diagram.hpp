// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram: a machine snapshot -> one scene description (boxes, table rows, texts, arrows, each
// with a stable id and a style role). The screen and every export (SVG, PDF, PNG, TikZ, HTML)
// draw this same description, so they cannot disagree; animations diff two descriptions by id.
//
// Geometry is in abstract units (1 unit = 1 pixel at 100 % zoom). The layout is computed here,
// deterministically, for a monospace font whose advance is kCharWidth x the font size.
#pragma once

#include "tlblab/events.hpp"
#include "tlblab/machine.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tlblab {

// Advance of one character of the diagram's monospace font (DejaVu Sans Mono), in font sizes.
constexpr double kCharWidth = 0.602;

enum class ItemKind : std::uint8_t {
    Box,    // a rectangle; `cells` are lines of text drawn inside, top-left
    Row,    // one row of a table; `cells` are columns starting at x + cellX[i]
    Text,   // free text; `cells` are lines
    Arrow,  // polyline `points`, arrow head at the last point
};

struct ScenePoint {
    double x = 0, y = 0;
    bool operator==(const ScenePoint&) const = default;
};

// The style role of a scene item: how it is drawn (roleStyle), its class in SVG and its "role" in the
// canvas's scene report (roleName: "cpu-card", "tlb-entry-global", ...).
enum class Role : std::uint8_t {
    None, AddrField, AddrFigure, AddrFrame, Arrow, ArrowContext, ArrowCr3, ArrowLowMapping, ArrowWalk, CardText,
    CardTitle, CpuBooting, CpuCard, CpuCardHighlight, CpuOffline, EcBit, EcBitSet, Entry, EntryGap, EntryGlobal,
    EntryHighlight, EntryLowMapping, EntryUser, Fault, FigureNote, FigureTitle, Halted, Ipi, Legend, LegendChanged,
    LegendConflict, LegendGlobal, LegendHighlight, LegendLowMapping, LegendSpeculative, LegendUser, LegendWalk,
    MceBitClear, MceBitSet, MceOverlay, MceRegister, MceText, MceWash, MmDiff, MmFigure, MmRangeGlobal,
    MmRangePlain, MmRangeSpeculative, MmRangeUser, MmSame, Multimatch, Register, RegisterHighlight, Table,
    TableColumns, TableHeader, Title, TlbEntry, TlbEntryGlobal, TlbEntrySpeculative, TlbEntryUser, TlbTable,
};
const char* roleName(Role r);

// What a scene item shows, as data (the UI inspects it without parsing the item's id).
struct SceneRef {
    enum class Kind : std::uint8_t { None, Cpu, Register, Table, TableEntry, TlbEntry };
    enum class Reg : std::uint8_t { None, Cr3, Cr4, Mc0Status, McgStatus };
    Kind kind = Kind::None;
    int cpu = -1;     // Cpu, Register, TlbEntry
    Reg reg = Reg::None;
    int level = -1;   // Table, TableEntry: 0 PDPT, 1 PD, 2 PT
    u64 pa = 0;       // Table: its physical address; TableEntry: the entry's
    u32 tlbId = 0;    // TlbEntry
    bool operator==(const SceneRef&) const = default;
};

struct SceneItem {
    std::string id;    // stable: "cpu1", "cpu1.cr3", "table:swapper_pg_dir", "pde:0x1801200", "tlb:cpu1:#3"
    ItemKind kind = ItemKind::Box;
    Role role = Role::None;  // style role (roleName: "cpu-card", "entry", "entry-low-mapping", ...)
    double x = 0, y = 0, w = 0, h = 0;
    std::vector<std::string> cells;  // lines (Box, Text) or columns (Row)
    std::vector<double> cellX;       // Row: column offsets from x
    double fontSize = 18;
    bool bold = false;
    std::vector<ScenePoint> points;  // Arrow
    std::string from, to;            // Arrow: ids of the items it joins
    int walkLevel = -1;              // on this step's walk path: 0 PDPTE, 1 PDE, 2 PTE, 3 the TLB fill
    bool changed = false;            // this step changed it (new TLB entry, written table entry, CR3 load)
    std::string tooltip;             // hover text: the entry's raw value and bits
    std::string parent;              // id of the table or card holding it, "" at top level
    bool subject = false;            // part of the step's subject: drawn large, framed by the camera
    bool highlight = false;          // the lesson highlights it: drawn as an outline over its own style
    int cpu = -1;                    // the CPU it belongs to (card, TLB, CR3 arrow, IPI source): cpuColor()
    SceneRef ref;                    // what it shows (a CPU card, a register, a table, a table or TLB entry)

    bool operator==(const SceneItem&) const = default;
};

struct SceneRect {
    double x = 0, y = 0, w = 0, h = 0;
    bool empty() const { return w <= 0 || h <= 0; }
    bool intersects(const SceneRect& o) const {
        return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
    }
    bool operator==(const SceneRect&) const = default;
};

// A flush of this step, for the UI's sweep animation: `removed` are the ids the entries had in the
// previous step's scene ("tlb:cpu1:#3"; gone from this one), `spared` the ids of this scene's entries
// the flush kept (global entries under MOV CR3 with CR4.PGE = 1).
struct SceneFlush {
    int cpu = -1;
    FlushKind kind = FlushKind::NonGlobal;  // NonGlobal: MOV CR3; All: CR4.PGE toggle; Invlpg: one page
    u32 va = 0;                             // Invlpg / PageFault: the page
    std::vector<std::string> removed, spared;
    bool operator==(const SceneFlush&) const = default;
};

// What the step is about (computed from its events and the lesson's highlights).
struct StepSubject {
    std::set<int> cpus;                     // acting and highlighted CPUs
    std::set<u64> tables;                   // physical addresses of tables: CR3 chains, walks, written entries
    std::set<u64> entries;                  // table entries (physical addresses) walked, written, highlighted
    std::set<std::pair<int, u32>> tlb;      // (cpu, TLB entry id) filled, hit, highlighted or in conflict
    std::set<std::pair<int, u32>> removed;  // (cpu, TLB entry id) removed this step
    bool machineCheck = false;              // a multimatch / machine check happened this step
    bool empty() const { return cpus.empty() && tables.empty() && entries.empty() && tlb.empty() && !machineCheck; }
};

struct Scene {
    double width = 0, height = 0;  // == bounds.x + bounds.w, bounds.y + bounds.h (the drawing's size)
    std::string title;
    std::vector<SceneItem> items;  // drawing order: later items on top

    SceneRect bounds;         // the whole machine (fit-all: F / Ctrl+0)
    SceneRect subjectBounds;  // what the camera frames for this step (inside bounds; == bounds if no subject)
    double targetWidth = 0, targetHeight = 0;  // the size it was laid out for (SceneOptions)
    double subjectFont = 0, contextFont = 0;   // the font sizes (scene units) of subject and context text
    std::vector<SceneFlush> flushes;           // this step's flushes, in order
    StepSubject subject;

    const SceneItem* find(std::string_view id) const;
};

enum class Theme : std::uint8_t { Light, Dark, HighContrast, Print };
const char* themeName(Theme t);                     // "light" / "dark" / "high-contrast" / "print"
bool parseTheme(std::string_view s, Theme& out);

// One colour, one meaning (screen and exports).
enum class Meaning : std::uint8_t {
    Global,       // global TLB entry / G page
    User,         // user page (U/S = 1)
    Speculative,  // speculative TLB fill
    LowMapping,   // the low (identity) kernel mapping
    Conflict,     // stale entry, multimatch, machine check, fault
    WalkPath,     // the step's page walk
    Changed,      // changed by this step
    Highlight,    // the lesson's highlight (outline)
};
const char* meaningName(Meaning m);      // "global", "user", ..., used in legend ids
std::string meaningLabel(Meaning m);     // legend text: "global entry", ...
std::string meaningColor(Theme theme, Meaning m);
// Each CPU its own colour: card, CR3 arrow, IPIs, swimlane lane.
std::string cpuColor(Theme theme, int cpu);

// How a role looks in a theme. Colours are "#rrggbb" or "none".
struct RoleStyle {
    std::string fill = "none";
    std::string stroke = "none";
    std::string text = "#000000";
    double strokeWidth = 1.0;
    bool dashed = false;
    double fillOpacity = 1.0;
};
RoleStyle roleStyle(Theme theme, Role role);
std::string themeBackground(Theme theme);
// Colour of the "changed in this step" marker and of the walk path.
std::string themeChangedColor(Theme theme);
std::string themeWalkColor(Theme theme);

struct SceneOptions {
    std::set<int> highlightCpus;
    std::set<std::string> highlightRegisters;  // "cpu1.cr3", "cpu1.cr4"
    std::set<u64> highlightEntries;            // table entries by physical address
    std::set<u32> highlightTlbEntries;         // TLB entry ids
    EventList events;                          // the step's events: what changed, the walk path
    std::set<std::string> collapsedTables;     // table names shown as a header only
    std::size_t maxRowsPerTable = 10;          // longer tables compress runs into "... N more ..."
    std::size_t maxTlbRows = 10;
    std::string title;                         // shown above the diagram when not empty
    // The canvas (pixels) the scene is laid out for: its aspect ratio, and its height sets the font sizes
    // (subject text ~ targetHeight / 32, context ~ / 60), so a scene fitted to a canvas of this size has
    // legible text. Exports use 1920x1080; the canvas passes its own size.
    double targetWidth = 1920, targetHeight = 1080;
    bool legend = false;       // draw the colour legend (items "legend", "legend:*")
    bool figures = true;       // the address and multimatch figures
};

// The step's subject from its events and the options' highlights (highlightCpus, highlightEntries,
// highlightTlbEntries, highlightRegisters).
StepSubject computeSubject(const Machine& m, const EventList& events, const SceneOptions& highlights);

Scene buildScene(const Machine& m, const SceneOptions& opt);

struct SceneDiff {
    std::vector<std::string> added, removed, changed;  // ids; `changed`: same id, other content
};
SceneDiff diffScenes(const Scene& a, const Scene& b);

// Geometry every back end shares, so they draw the same picture.
// Baseline of a line of text vertically centred in [top, top + height).
inline double textBaseline(double top, double height, double font) { return top + height / 2 + font * 0.36; }
// Line i of a Box's or Text's text: baseline.
inline double lineBaseline(const SceneItem& it, std::size_t i) {
    return it.y + (it.kind == ItemKind::Box ? 10 : 0) + (static_cast<double>(i) + 1) * it.fontSize * 1.35 - it.fontSize * 0.3;
}
// The three corners of an arrow's head (tip first), at the arrow's last point.
std::vector<ScenePoint> arrowHead(const SceneItem& arrow);
// Width of the "changed in this step" bar drawn at a changed item's left edge.
constexpr double kChangedBar = 7;

// ---- Qt-free back ends (the Qt one is ui/SceneRenderer) ---------------------------------------

// A standalone SVG document of the scene (text stays text). `idPrefix` makes ids unique when
// several scenes share one HTML page.
std::string sceneToSvg(const Scene& s, Theme theme, const std::string& idPrefix = "");
// One tikzpicture of the scene (needs \usepackage{tikz} and xcolor); deterministic.
std::string sceneToTikz(const Scene& s, Theme theme);

// Escaping helpers shared by the text back ends.
std::string xmlEscape(std::string_view s);
std::string texEscape(std::string_view s);

}  // namespace tlblab

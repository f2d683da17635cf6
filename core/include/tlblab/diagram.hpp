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

struct SceneItem {
    std::string id;    // stable: "cpu1", "cpu1.cr3", "table:swapper_pg_dir", "pde:0x1801200", "tlb:cpu1:#3"
    ItemKind kind = ItemKind::Box;
    std::string role;  // style role: "cpu-card", "entry", "entry-low-mapping", "tlb-entry-global", ...
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

    bool operator==(const SceneItem&) const = default;
};

struct Scene {
    double width = 0, height = 0;
    std::string title;
    std::vector<SceneItem> items;  // drawing order: later items on top

    const SceneItem* find(std::string_view id) const;
};

enum class Theme : std::uint8_t { Light, Dark, HighContrast, Print };
const char* themeName(Theme t);                     // "light" / "dark" / "high-contrast" / "print"
bool parseTheme(std::string_view s, Theme& out);

// How a role looks in a theme. Colours are "#rrggbb" or "none".
struct RoleStyle {
    std::string fill = "none";
    std::string stroke = "none";
    std::string text = "#000000";
    double strokeWidth = 1.0;
    bool dashed = false;
    double fillOpacity = 1.0;
};
RoleStyle roleStyle(Theme theme, std::string_view role);
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
};

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

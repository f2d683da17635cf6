// SPDX-License-Identifier: GPL-3.0-or-later
// The one painting walk: scene items -> drawing primitives with every colour, stroke and font resolved.
//
// CONTRACT (core <-> ui/SceneRenderer, SVG, TikZ):
//  - paintItem(item, theme, ctx) returns the primitives of ONE item, in drawing order, in scene units
//    (the same coordinates as the item). A back end draws them one after the other and nothing else:
//    Rect = filled and/or stroked rectangle; Text = one line at (x, baseline y), left aligned, monospace
//    (DejaVu Sans Mono), `fontPx` in scene units; Path = open polyline; Polygon = closed, filled shape.
//    Colours are "#rrggbb" or "none"; `opacity` multiplies fill and stroke (1 = opaque).
//  - The rules for each kind and role of item live here only: the walk mark, the "changed" bar, the
//    highlight outline, arrow heads, the address and multimatch figures, the legend. A back end must not
//    add its own decorations (animations may fade whole items, move them, and use ctx.walkReveal).
//  - ctx.walkReveal: walk marks and walk-coloured arrows of levels > walkReveal are painted as plain
//    (the UI lights levels one after the other: 0 PDPTE, 1 PDE, 2 PTE, 3 frame/TLB fill).
//  - ctx.scale (device pixels per scene unit) and ctx.minTextPx: a Text whose fontPx * scale is below
//    minTextPx comes out as a `greeked` Rect (a thin bar where the text would be) instead of a Text.
//    Exports pass scale 1, minTextPx 0 (all text is text).
//  - paintScene: the background Rect, then paintItem of every item in order (what SVG/TikZ draw).
//  - Each prim carries `item` (index into Scene::items, -1 for the background) so a back end can group
//    per item (SVG <g id=...>) or apply per-item animation state.
#pragma once

#include "tlblab/diagram.hpp"

#include <string>
#include <vector>

namespace tlblab {

struct PaintPrim {
    enum class Kind : std::uint8_t { Rect, Text, Path, Polygon };
    Kind kind = Kind::Rect;
    int item = -1;                    // index of the SceneItem it paints (-1: background)
    double x = 0, y = 0, w = 0, h = 0;  // Rect: box; Text: x, baseline y (w = advance width estimate)
    std::vector<ScenePoint> points;   // Path, Polygon
    std::string fill = "none";        // Rect, Polygon
    std::string stroke = "none";      // Rect, Path, Polygon outline
    double strokeWidth = 0;
    bool dashed = false;              // dash 8 on, 5 off (scene units)
    double opacity = 1.0;             // multiplies fill (and stroke) alpha
    std::string text;                 // Text: one line, UTF-8, unescaped
    std::string color = "#000000";    // Text colour
    double fontPx = 0;                // Text: font size in scene units
    bool bold = false;
    bool greeked = false;             // a Rect standing for text too small to read (ctx.minTextPx)

    bool operator==(const PaintPrim&) const = default;
};

struct PaintContext {
    int walkReveal = 99;    // walk levels shown lit (see above)
    double scale = 1.0;     // device pixels per scene unit
    double minTextPx = 0;   // below this device size, text is greeked
};

// A rectangle filled and outlined in a style (no outline where its stroke is "none"), painting item
// `index` (-1: an overlay of no item).
PaintPrim rectPrim(SceneRect r, const RoleStyle& st, int index = -1);
// The primitives of one item (appended to `out`), and the convenience form.
void paintItem(const SceneItem& it, Theme theme, const PaintContext& ctx, std::vector<PaintPrim>& out, int index = -1);
std::vector<PaintPrim> paintItem(const SceneItem& it, Theme theme, const PaintContext& ctx = {});
// Background then every item.
std::vector<PaintPrim> paintScene(const Scene& s, Theme theme, const PaintContext& ctx = {});

}  // namespace tlblab

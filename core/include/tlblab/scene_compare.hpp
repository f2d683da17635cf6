// SPDX-License-Identifier: GPL-3.0-or-later
// What the canvas draws over a scene that is not part of the machine picture itself, with its
// drawing rules in core like every other item's (paint.hpp):
//  - compare mode: what differs between two variants' scenes at the same step (a CR3, a TLB
//    entry, a table entry, a CPU's state), and the mark drawn around each difference;
//  - event animations: the sweep of a TLB flush (the line passing over the entries, the spared
//    ones ringed) and the token of an IPI travelling from its sender's card to its target.
#pragma once

#include "tlblab/diagram.hpp"
#include "tlblab/paint.hpp"

#include <string>
#include <vector>

namespace tlblab {

struct CompareMark {
    std::string id;    // the item of this scene that differs
    std::string what;  // "cr3", "tlb", "entry", "cpu", "mce"
    SceneRect rect;    // where to draw the mark (the item's box)
    bool onlyHere = false;  // the other scene has no such item (entry missing there)
};

struct CompareDiff {
    std::vector<CompareMark> a, b;  // marks on scene a, on scene b
    bool empty() const { return a.empty() && b.empty(); }
};

// Items are matched by id (CR3 registers, CPU cards' state lines, table entries, machine-check
// overlays) and, for TLB entries (whose ids are per run), by content: CPU, linear address, size,
// frame, bits and origin. A matched item differs when its text differs; an unmatched one is marked
// as present on one side only.
CompareDiff diffForCompare(const Scene& a, const Scene& b);

// The marks of one side, as primitives in scene units (drawn over the scene).
void paintCompareMarks(const std::vector<CompareMark>& marks, Theme theme, std::vector<PaintPrim>& out);

// A flush sweeping the TLB box `table` (scene units): the sweep line at `progress` (0 = top,
// 1 = bottom) and a ring around each spared entry the line has passed.
void paintFlushSweep(const SceneRect& table, double progress, const std::vector<SceneRect>& spared, Theme theme,
                     int cpu, std::vector<PaintPrim>& out);

// An IPI on its way: a token `progress` of the way from `from` to `to`, trailing a line.
void paintIpiToken(ScenePoint from, ScenePoint to, double progress, Theme theme, int cpu, double size,
                   std::vector<PaintPrim>& out);

}  // namespace tlblab

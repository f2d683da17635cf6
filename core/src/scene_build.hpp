// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to the scene builder (diagram.cpp, scene_figures.cpp): blocks of items laid out locally and
// then placed, and the text metrics every part of the layout shares.
#pragma once

#include "tlblab/diagram.hpp"

#include <string>
#include <vector>

namespace tlblab::scene {

// Design height of a scene: the layout is made for kDesignHeight units high and targetWidth/targetHeight
// times as wide, so fitting it to the target canvas maps kDesignHeight units onto the canvas height.
constexpr double kDesignHeight = 780;
// Fonts (scene units): fitted to a 1900x780 presentation canvas (1920x1080 screen) they are 26 and 18 px;
// on a 1280x720 screen (canvas about 520 high) 17 and 12 px.
constexpr double kSubjectFont = 26;
constexpr double kContextFont = 18;
constexpr double kTitleFont = 26;
constexpr double kContextTitleFont = 22;  // a context CPU card's name and state
// Labels that say how to read the subject (a table's column names, a figure's bit ranges and ruler ends):
// readable (>= 12 px) whenever the subject's own text is at its 16 px minimum on a 720-pixel canvas.
constexpr double kNoteFont = 22;
constexpr double kMargin = 16;
constexpr double kGap = 18;      // between blocks
constexpr double kColGap = 56;   // between columns: room for the arrows
constexpr double kGutter = 30;   // left of the CPU column: room for IPI arrows

inline double fontFor(bool subject) { return subject ? kSubjectFont : kContextFont; }
inline double rowHeight(double font) { return font * 1.35; }
inline double padFor(double font) { return font * 0.5; }
double textWidth(std::string_view s, double font);

// Items in local coordinates (origin at the block's top left); place() moves them.
struct Block {
    std::string id;
    double w = 0, h = 0;
    std::vector<SceneItem> items;
    bool subject = false;

    void place(double x, double y);
    SceneItem& add(SceneItem it) {
        items.push_back(std::move(it));
        return items.back();
    }
};

SceneItem textItem(std::string id, Role role, double x, double y, const std::string& text, double font,
                   bool bold, std::string parent, bool subject);
SceneItem boxItem(std::string id, Role role, double x, double y, double w, double h, std::string parent,
                  bool subject);
// A table row: its cells at offsets `cellX` from its left edge, in `font`.
SceneItem rowItem(std::string id, Role role, SceneRect r, std::vector<std::string> cells, std::vector<double> cellX,
                  double font, std::string parent, bool subject);

// The figures (scene_figures.cpp). `events` are the step's; the figures' arrows are added later by the
// builder, from the `from`/`to` ids the figure items leave in `links` (field id -> target item id).
struct FigureLink {
    std::string id, from, to;
    Role role = Role::ArrowWalk;
    std::string fallback;  // target when `to` is not drawn
    int walkLevel = -1;
    bool subject = true;
};
std::vector<Block> addressFigures(const Machine& m, const EventList& events, std::vector<FigureLink>& links);
std::vector<Block> multimatchFigures(const Machine& m, const EventList& events);
Block legendBlock();

}  // namespace tlblab::scene

// SPDX-License-Identifier: GPL-3.0-or-later
// Draws a diagram scene (tlblab::Scene) with QPainter, through the core's painting walk
// (tlblab/paint.hpp): the core says which rectangles, texts, paths and polygons an item is made
// of, with every colour and font resolved; this class only turns those primitives into QPainter
// calls. The machine canvas, the PDF and PNG exports and the handout all draw through it, and the
// SVG and TikZ back ends walk the same primitives, so there is one set of drawing rules.
#pragma once

#include "tlblab/diagram.hpp"
#include "tlblab/paint.hpp"

#include <QColor>
#include <QFont>

#include <map>
#include <vector>

class QPainter;

namespace tlblab::ui {

class SceneRenderer {
public:
    explicit SceneRenderer(Theme theme = Theme::Light) : m_theme(theme) {}

    void setTheme(Theme t) { m_theme = t; }
    Theme theme() const { return m_theme; }
    // Text smaller than this many device pixels is drawn greeked (a bar), as the core decides.
    void setMinTextPx(double px) { m_minTextPx = px; }
    double minTextPx() const { return m_minTextPx; }

    // Background, then every item in order.
    void drawScene(QPainter& p, const Scene& s) const;
    void drawBackground(QPainter& p, const Scene& s) const;
    // One item. `opacity` fades it (animations); walk marks of levels above `walkReveal` are not
    // lit yet (the walk path lights up level by level).
    void drawItem(QPainter& p, const SceneItem& it, double opacity = 1.0, int walkReveal = 99) const;
    // Primitives made by the core (paintItem, overlays), in scene units, faded by `opacity`.
    void drawPrims(QPainter& p, const std::vector<PaintPrim>& prims, double opacity = 1.0) const;
    // The paint context for the painter's current transform.
    PaintContext context(const QPainter& p, int walkReveal = 99) const;

    static QColor color(const std::string& hex);
    static QFont font(double pixelSize, bool bold);

private:
    const QFont& cachedFont(double pixelSize, bool bold) const;

    Theme m_theme;
    double m_minTextPx = 0;
    mutable std::map<int, QFont> m_fonts;  // by pixel size * 2 + bold
    mutable std::vector<PaintPrim> m_buf;  // reused per item
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// The painting walk: the drawing rules of every kind and role of scene item, once (paint.hpp).
#include "tlblab/paint.hpp"

#include <cmath>

namespace tlblab {

namespace {

PaintPrim placedPrim(PaintPrim::Kind k, SceneRect r, int index) {
    PaintPrim p;
    p.kind = k;
    p.item = index;
    p.x = r.x;
    p.y = r.y;
    p.w = r.w;
    p.h = r.h;
    return p;
}

}  // namespace

PaintPrim rectPrim(SceneRect r, const RoleStyle& st, int index) {
    PaintPrim p = placedPrim(PaintPrim::Kind::Rect, r, index);
    p.fill = st.fill;
    p.stroke = st.stroke;
    p.strokeWidth = st.stroke == "none" ? 0 : st.strokeWidth;
    p.dashed = st.dashed;
    p.opacity = st.fillOpacity;
    return p;
}

namespace {

class Painter {
public:
    Painter(Theme theme, const PaintContext& ctx, std::vector<PaintPrim>& out, int index)
        : m_theme(theme), m_ctx(ctx), m_out(out), m_index(index) {}

    PaintPrim prim(PaintPrim::Kind k, double x = 0, double y = 0, double w = 0, double h = 0) const {
        return placedPrim(k, {x, y, w, h}, m_index);
    }
    void rect(double x, double y, double w, double h, const RoleStyle& st) {
        if (st.fill == "none" && st.stroke == "none") return;
        m_out.push_back(rectPrim({x, y, w, h}, st, m_index));
    }
    void fill(double x, double y, double w, double h, const std::string& color, double opacity = 1.0) {
        RoleStyle st;
        st.fill = color;
        st.fillOpacity = opacity;
        rect(x, y, w, h, st);
    }
    void outline(double x, double y, double w, double h, const std::string& color, double width, bool dashed = false) {
        RoleStyle st;
        st.stroke = color;
        st.strokeWidth = width;
        st.dashed = dashed;
        rect(x, y, w, h, st);
    }
    void text(double x, double baseline, const std::string& s, double font, bool bold, const std::string& color) {
        if (s.empty()) return;
        const double advance = textAdvance(s, font);
        if (font * m_ctx.scale < m_ctx.minTextPx) {
            // Greeked: a bar where the text would be, a third of the font high, at x-height.
            PaintPrim p = prim(PaintPrim::Kind::Rect, x, baseline - font * 0.45, advance, font * 0.3);
            p.fill = color;
            p.opacity = 0.35;
            p.greeked = true;
            m_out.push_back(std::move(p));
            return;
        }
        PaintPrim p = prim(PaintPrim::Kind::Text, x, baseline, advance, font);
        p.text = s;
        p.color = color;
        p.fontPx = font;
        p.bold = bold;
        m_out.push_back(std::move(p));
    }
    void path(const std::vector<ScenePoint>& pts, const std::string& color, double width, bool dashed) {
        PaintPrim p = prim(PaintPrim::Kind::Path);
        p.points = pts;
        p.stroke = color;
        p.strokeWidth = width;
        p.dashed = dashed;
        m_out.push_back(std::move(p));
    }
    void polygon(const std::vector<ScenePoint>& pts, const std::string& color) {
        PaintPrim p = prim(PaintPrim::Kind::Polygon);
        p.points = pts;
        p.fill = color;
        m_out.push_back(std::move(p));
    }

    static double textAdvance(std::string_view s, double font) {
        std::size_t n = 0;
        for (unsigned char ch : s)
            if ((ch & 0xc0) != 0x80) ++n;
        return static_cast<double>(n) * font * kCharWidth;
    }

    void item(const SceneItem& it);

private:
    Theme m_theme;
    const PaintContext& m_ctx;
    std::vector<PaintPrim>& m_out;
    int m_index;
};

void Painter::item(const SceneItem& it) {
    RoleStyle st = roleStyle(m_theme, it.role);
    const bool walkShown = it.walkLevel >= 0 && it.walkLevel <= m_ctx.walkReveal;
    // Each CPU its own colour: its card's border and title, its CR3 arrow, its IPIs.
    const bool cpuOwned =
        it.role == Role::CpuCard || it.role == Role::CpuBooting || it.role == Role::ArrowCr3 || it.role == Role::Ipi;
    if (it.cpu >= 0 && cpuOwned) st.stroke = cpuColor(m_theme, it.cpu);
    std::string textColor = st.text;
    if (it.cpu >= 0 && it.role == Role::CardTitle) textColor = cpuColor(m_theme, it.cpu);
    const std::string walk = themeWalkColor(m_theme);
    switch (it.kind) {
    case ItemKind::Box:
        rect(it.x, it.y, it.w, it.h, st);
        if (walkShown) outline(it.x + 2, it.y + 2, it.w - 4, it.h - 4, walk, 4);
        for (std::size_t i = 0; i < it.cells.size(); ++i)
            text(it.x + 12, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold || i == 0, textColor);
        break;
    case ItemKind::Text:
        for (std::size_t i = 0; i < it.cells.size(); ++i)
            text(it.x, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold, textColor);
        break;
    case ItemKind::Row:
        rect(it.x, it.y, it.w, it.h, st);
        if (walkShown) outline(it.x + 2, it.y + 2, it.w - 4, it.h - 4, walk, 4);
        for (std::size_t i = 0; i < it.cells.size() && i < it.cellX.size(); ++i)
            text(it.x + it.cellX[i], textBaseline(it.y, it.h, it.fontSize), it.cells[i], it.fontSize, it.bold,
                 textColor);
        break;
    case ItemKind::Arrow: {
        if (it.points.size() < 2) break;
        // Before its level is reached, a walk arrow is drawn as a plain arrow.
        RoleStyle as = st;
        if (it.role == Role::ArrowWalk && !walkShown) {
            as = roleStyle(m_theme, it.cpu >= 0 ? Role::ArrowCr3 : Role::Arrow);
            if (it.cpu >= 0) as.stroke = cpuColor(m_theme, it.cpu);
        }
        path(it.points, as.stroke, as.strokeWidth, as.dashed);
        const auto h = arrowHead(it);
        if (h.size() == 3) polygon(h, as.stroke);
        break;
    }
    }
    // The lesson's highlight: an outline just outside the item, so its own fill (kind) stays visible.
    if (it.highlight && it.kind != ItemKind::Arrow && it.h > 0)
        outline(it.x - 2, it.y - 2, it.w + 4, it.h + 4, meaningColor(m_theme, Meaning::Highlight), 4);
    if (it.changed && it.kind != ItemKind::Arrow && it.h > 0) fill(it.x, it.y, kChangedBar, it.h, themeChangedColor(m_theme));
}

}  // namespace

void paintItem(const SceneItem& it, Theme theme, const PaintContext& ctx, std::vector<PaintPrim>& out, int index) {
    Painter p(theme, ctx, out, index);
    p.item(it);
}

std::vector<PaintPrim> paintItem(const SceneItem& it, Theme theme, const PaintContext& ctx) {
    std::vector<PaintPrim> out;
    paintItem(it, theme, ctx, out, -1);
    return out;
}

std::vector<PaintPrim> paintScene(const Scene& s, Theme theme, const PaintContext& ctx) {
    std::vector<PaintPrim> out;
    PaintPrim bg;
    bg.kind = PaintPrim::Kind::Rect;
    bg.w = s.width;
    bg.h = s.height;
    bg.fill = themeBackground(theme);
    out.push_back(bg);
    for (std::size_t i = 0; i < s.items.size(); ++i) paintItem(s.items[i], theme, ctx, out, static_cast<int>(i));
    return out;
}

}  // namespace tlblab

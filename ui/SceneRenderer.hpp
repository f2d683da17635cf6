// SPDX-License-Identifier: GPL-3.0-or-later
// Draws a diagram scene (tlblab::Scene) with QPainter. The machine canvas, the SVG, PDF and PNG
// exports and the handout all call this, so the screen and the exported files are one drawing.
#pragma once

#include "tlblab/diagram.hpp"

#include <QColor>
#include <QFont>

#include <map>

class QPainter;

namespace tlblab::ui {

class SceneRenderer {
public:
    explicit SceneRenderer(Theme theme = Theme::Light) : m_theme(theme) {}

    void setTheme(Theme t) { m_theme = t; }
    Theme theme() const { return m_theme; }

    // Background, then every item in order.
    void drawScene(QPainter& p, const Scene& s) const;
    void drawBackground(QPainter& p, const Scene& s) const;
    // One item. `opacity` fades it (animations); walk marks of levels above `walkReveal` are not
    // drawn yet (the walk path lights up level by level).
    void drawItem(QPainter& p, const SceneItem& it, double opacity = 1.0, int walkReveal = 99) const;

    static QColor color(const std::string& hex);
    static QFont font(double pixelSize, bool bold);

private:
    const QFont& cachedFont(double pixelSize, bool bold) const;
    void text(QPainter& p, double x, double baseline, const std::string& s, double size, bool bold,
              const QColor& c) const;

    Theme m_theme;
    mutable std::map<int, QFont> m_fonts;  // by pixel size * 2 + bold
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
#include "SceneRenderer.hpp"

#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>

#include <cmath>

namespace tlblab::ui {

QColor SceneRenderer::color(const std::string& hex) {
    if (hex.empty() || hex == "none") return Qt::transparent;
    return QColor(QString::fromStdString(hex));
}

QFont SceneRenderer::font(double pixelSize, bool bold) {
    QFont f(QStringLiteral("DejaVu Sans Mono"));
    f.setStyleHint(QFont::Monospace);
    f.setPixelSize(static_cast<int>(pixelSize + 0.5));
    f.setBold(bold);
    // Kerning off, so advances match the layout's fixed character width.
    f.setKerning(false);
    return f;
}

void SceneRenderer::drawBackground(QPainter& p, const Scene& s) const {
    p.fillRect(QRectF(0, 0, s.width, s.height), color(themeBackground(m_theme)));
}

void SceneRenderer::drawScene(QPainter& p, const Scene& s) const {
    drawBackground(p, s);
    for (const auto& it : s.items) drawItem(p, it);
}

namespace {

QPen penFor(const RoleStyle& st) {
    if (st.stroke == "none") return Qt::NoPen;
    QPen pen(SceneRenderer::color(st.stroke));
    pen.setWidthF(st.strokeWidth);
    pen.setJoinStyle(Qt::MiterJoin);
    if (st.dashed) pen.setDashPattern({8.0 / st.strokeWidth, 5.0 / st.strokeWidth});
    return pen;
}

void fillRect(QPainter& p, const QRectF& r, const RoleStyle& st) {
    if (st.fill != "none") {
        QColor c = SceneRenderer::color(st.fill);
        c.setAlphaF(static_cast<float>(st.fillOpacity) * c.alphaF());
        p.fillRect(r, c);
    }
    if (st.stroke != "none") {
        p.setPen(penFor(st));
        p.setBrush(Qt::NoBrush);
        p.drawRect(r);
    }
}

}  // namespace

const QFont& SceneRenderer::cachedFont(double pixelSize, bool bold) const {
    const int key = static_cast<int>(pixelSize + 0.5) * 2 + (bold ? 1 : 0);
    auto it = m_fonts.find(key);
    if (it == m_fonts.end()) it = m_fonts.emplace(key, font(pixelSize, bold)).first;
    return it->second;
}

void SceneRenderer::text(QPainter& p, double x, double baseline, const std::string& s, double size, bool bold,
                         const QColor& c) const {
    // Text smaller than about 3 device pixels cannot be read: skip it (large machines zoomed out).
    const double scale = std::abs(p.worldTransform().m22());
    if (size * scale < 3.0) return;
    p.setFont(cachedFont(size, bold));
    p.setPen(c);
    p.drawText(QPointF(x, baseline), QString::fromStdString(s));
}

void SceneRenderer::drawItem(QPainter& p, const SceneItem& it, double opacity, int walkReveal) const {
    if (opacity <= 0.0) return;
    p.save();
    p.setOpacity(p.opacity() * opacity);
    const RoleStyle st = roleStyle(m_theme, it.role);
    const QColor textColor = color(st.text);
    const QRectF r(it.x, it.y, it.w, it.h);
    const bool walkShown = it.walkLevel >= 0 && it.walkLevel <= walkReveal;
    switch (it.kind) {
    case ItemKind::Box:
        fillRect(p, r, st);
        for (std::size_t i = 0; i < it.cells.size(); ++i)
            text(p, it.x + 12, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold || i == 0, textColor);
        break;
    case ItemKind::Text:
        for (std::size_t i = 0; i < it.cells.size(); ++i)
            text(p, it.x, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold, textColor);
        break;
    case ItemKind::Row:
        fillRect(p, r, st);
        if (walkShown) {
            RoleStyle w;
            w.stroke = themeWalkColor(m_theme);
            w.strokeWidth = 4;
            fillRect(p, r.adjusted(2, 2, -2, -2), w);
        }
        for (std::size_t i = 0; i < it.cells.size() && i < it.cellX.size(); ++i)
            text(p, it.x + it.cellX[i], textBaseline(it.y, it.h, it.fontSize), it.cells[i], it.fontSize, it.bold,
                 textColor);
        break;
    case ItemKind::Arrow: {
        // Before its level is reached, a walk arrow is drawn as a plain arrow.
        const RoleStyle as = (it.role == "arrow-walk" && !walkShown) ? roleStyle(m_theme, "arrow") : st;
        QPainterPath path;
        for (std::size_t i = 0; i < it.points.size(); ++i) {
            const QPointF pt(it.points[i].x, it.points[i].y);
            if (i == 0) path.moveTo(pt);
            else path.lineTo(pt);
        }
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setPen(penFor(as));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        const auto h = arrowHead(it);
        if (h.size() == 3) {
            QPolygonF poly;
            for (const auto& pt : h) poly << QPointF(pt.x, pt.y);
            p.setPen(Qt::NoPen);
            p.setBrush(color(as.stroke));
            p.drawPolygon(poly);
        }
        break;
    }
    }
    if (it.changed && it.kind != ItemKind::Arrow && it.h > 0)
        p.fillRect(QRectF(it.x, it.y, kChangedBar, it.h), color(themeChangedColor(m_theme)));
    p.restore();
}

}  // namespace tlblab::ui

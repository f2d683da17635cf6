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
    f.setPixelSize(std::max(1, static_cast<int>(pixelSize + 0.5)));
    f.setBold(bold);
    // Kerning off, so advances match the layout's fixed character width.
    f.setKerning(false);
    return f;
}

const QFont& SceneRenderer::cachedFont(double pixelSize, bool bold) const {
    const int key = static_cast<int>(pixelSize + 0.5) * 2 + (bold ? 1 : 0);
    auto it = m_fonts.find(key);
    if (it == m_fonts.end()) it = m_fonts.emplace(key, font(pixelSize, bold)).first;
    return it->second;
}

PaintContext SceneRenderer::context(const QPainter& p, int walkReveal) const {
    PaintContext ctx;
    ctx.walkReveal = walkReveal;
    ctx.scale = std::abs(p.worldTransform().m22());
    ctx.minTextPx = m_minTextPx;
    return ctx;
}

void SceneRenderer::drawBackground(QPainter& p, const Scene& s) const {
    p.fillRect(QRectF(0, 0, s.width, s.height), color(themeBackground(m_theme)));
}

void SceneRenderer::drawScene(QPainter& p, const Scene& s) const {
    drawPrims(p, paintScene(s, m_theme, context(p)));
}

void SceneRenderer::drawItem(QPainter& p, const SceneItem& it, double opacity, int walkReveal) const {
    if (opacity <= 0.0) return;
    m_buf.clear();
    paintItem(it, m_theme, context(p, walkReveal), m_buf);
    drawPrims(p, m_buf, opacity);
}

void SceneRenderer::drawPrims(QPainter& p, const std::vector<PaintPrim>& prims, double opacity) const {
    if (opacity <= 0.0) return;
    const double base = p.opacity();
    for (const PaintPrim& pr : prims) {
        p.setOpacity(base * opacity * pr.opacity);
        switch (pr.kind) {
        case PaintPrim::Kind::Rect: {
            const QRectF r(pr.x, pr.y, pr.w, pr.h);
            if (pr.fill != "none") p.fillRect(r, color(pr.fill));
            if (pr.stroke != "none" && pr.strokeWidth > 0) {
                QPen pen(color(pr.stroke));
                pen.setWidthF(pr.strokeWidth);
                pen.setJoinStyle(Qt::MiterJoin);
                if (pr.dashed) pen.setDashPattern({8.0 / pr.strokeWidth, 5.0 / pr.strokeWidth});
                p.setPen(pen);
                p.setBrush(Qt::NoBrush);
                p.drawRect(r);
            }
            break;
        }
        case PaintPrim::Kind::Text:
            p.setFont(cachedFont(pr.fontPx, pr.bold));
            p.setPen(color(pr.color));
            p.drawText(QPointF(pr.x, pr.y), QString::fromStdString(pr.text));
            break;
        case PaintPrim::Kind::Path: {
            if (pr.points.size() < 2 || pr.stroke == "none") break;
            QPainterPath path;
            path.moveTo(pr.points[0].x, pr.points[0].y);
            for (std::size_t i = 1; i < pr.points.size(); ++i) path.lineTo(pr.points[i].x, pr.points[i].y);
            QPen pen(color(pr.stroke));
            pen.setWidthF(pr.strokeWidth > 0 ? pr.strokeWidth : 1.0);
            if (pr.dashed) pen.setDashPattern({8.0 / pen.widthF(), 5.0 / pen.widthF()});
            p.setPen(pen);
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
            break;
        }
        case PaintPrim::Kind::Polygon: {
            QPolygonF poly;
            for (const auto& pt : pr.points) poly << QPointF(pt.x, pt.y);
            if (pr.stroke != "none" && pr.strokeWidth > 0) {
                QPen pen(color(pr.stroke));
                pen.setWidthF(pr.strokeWidth);
                p.setPen(pen);
            } else {
                p.setPen(Qt::NoPen);
            }
            p.setBrush(color(pr.fill));
            p.drawPolygon(poly);
            break;
        }
        }
    }
    p.setOpacity(base);
}

}  // namespace tlblab::ui

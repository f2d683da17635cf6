// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/diagram.hpp"

#include "SwimlaneTimeline.hpp"

#include "EventStyle.hpp"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QFontMetricsF>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace tlblab::ui {

namespace {
constexpr double kLabelW = 64;
constexpr double kHeaderH = 18;
}  // namespace

SwimlaneTimeline::SwimlaneTimeline(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("swimlane"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

QSize SwimlaneTimeline::sizeHint() const { return {800, static_cast<int>(kHeaderH) + std::min(240, 24 * std::max(3, laneCount()))}; }
QSize SwimlaneTimeline::minimumSizeHint() const { return {200, 80}; }

int SwimlaneTimeline::laneCount() const { return m_cpus + 1; }  // + machine-wide lane

void SwimlaneTimeline::showSnapshot(const SnapshotPtr& snap) {
    const bool newData = !snap || snap->session != m_data;
    m_snap = snap;
    m_data = snap ? snap->session : nullptr;
    if (newData) {
        m_cache = QPixmap();
        const int cpus = snap ? static_cast<int>(snap->machine.cpus().size()) : 0;
        if (cpus != m_cpus) {
            m_cpus = cpus;
            updateGeometry();
        }
    }
    update();
}

double SwimlaneTimeline::laneHeight() const {
    const int n = std::max(1, laneCount());
    return std::max(6.0, (height() - kHeaderH - 2) / n);
}

double SwimlaneTimeline::laneTop(int lane) const { return kHeaderH + lane * laneHeight(); }

double SwimlaneTimeline::xOfPosition(std::size_t position) const {
    const std::size_t n = m_data ? std::max<std::size_t>(1, m_data->opCount()) : 1;
    return kLabelW + (width() - kLabelW - 8) * static_cast<double>(position) / static_cast<double>(n);
}

std::size_t SwimlaneTimeline::positionAt(double x) const {
    if (!m_data) return 0;
    const std::size_t n = std::max<std::size_t>(1, m_data->opCount());
    const double f = (x - kLabelW) / std::max(1.0, width() - kLabelW - 8);
    const double p = std::clamp(f, 0.0, 1.0) * static_cast<double>(n);
    return std::min(m_data->opCount(), static_cast<std::size_t>(p + 0.5));
}

QFont SwimlaneTimeline::labelFont() const {
    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
    return small;
}

std::vector<SwimlaneTimeline::HeaderLabel> SwimlaneTimeline::headerLabels() const {
    std::vector<HeaderLabel> out;
    if (!m_data) return out;
    const QFontMetricsF fm(labelFont());
    const double right = width();
    auto free = [&](const QRectF& r) {
        if (r.left() < kLabelW - 0.5 || r.right() > right + 0.5) return false;
        for (const HeaderLabel& l : out)
            if (r.intersects(l.rect.adjusted(-2, 0, 2, 0))) return false;
        return true;
    };
    // Steps without ops first (their place has no width of its own, so they would be lost), a run of
    // them at one place as one label; then each step's number centred over its ops; then "set-up".
    const auto& steps = m_data->steps;
    std::vector<HeaderLabel> normal;
    for (std::size_t k = 0; k < steps.size();) {
        const double x0 = xOfPosition(steps[k].beginOp), x1 = xOfPosition(steps[k].endOp);
        if (x1 - x0 >= 1) {
            const QString t = QString::number(k + 1);
            const double w = fm.horizontalAdvance(t) + 4;
            if (x1 - x0 >= w) normal.push_back({t, QRectF(x0, 0, x1 - x0, kHeaderH)});  // its room, for now
            ++k;
            continue;
        }
        std::size_t e = k;
        while (e + 1 < steps.size() && std::abs(xOfPosition(steps[e + 1].beginOp) - x1) < 1 &&
               xOfPosition(steps[e + 1].endOp) - x1 < 1)
            ++e;
        const QString t = e == k ? QString::number(k + 1) : QStringLiteral("%1-%2").arg(k + 1).arg(e + 1);
        const double w = fm.horizontalAdvance(t) + 4;
        // Just left of its place (the end of the step before), else just right of it.
        for (const QRectF& r : {QRectF(x1 - w, 0, w, kHeaderH), QRectF(x1, 0, w, kHeaderH)})
            if (free(r)) {
                out.push_back({t, r});
                break;
            }
        k = e + 1;
    }
    // A step's number: centred over its ops, else slid aside within them to clear a label already there.
    const std::size_t fixed = out.size();
    for (const HeaderLabel& l : normal) {
        const double x0 = l.rect.left(), x1 = l.rect.right(), w = fm.horizontalAdvance(l.text) + 4;
        std::vector<double> lefts = {(x0 + x1 - w) / 2};
        for (std::size_t i = 0; i < fixed; ++i) {
            lefts.push_back(out[i].rect.right() + 3);
            lefts.push_back(out[i].rect.left() - 3 - w);
        }
        for (double lx : lefts) {
            const QRectF r(lx, 0, w, kHeaderH);
            if (lx >= x0 - 0.01 && lx + w <= x1 + 0.01 && free(r)) {
                out.push_back({l.text, r});
                break;
            }
        }
    }
    const QString setup = tr("set-up");
    const double sx = xOfPosition(m_data->setupEnd), sw = fm.horizontalAdvance(setup) + 4;
    const QRectF sr((kLabelW + sx - sw) / 2, 0, sw, kHeaderH);
    if (sx - kLabelW >= sw && free(sr)) out.push_back({setup, sr});
    return out;
}

void SwimlaneTimeline::paintStatic(QPainter& p) {
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    p.fillRect(rect(), pal.color(QPalette::Base));
    if (!m_data) return;
    const double lh = laneHeight();
    p.setFont(labelFont());
    // Lanes.
    for (int lane = 0; lane < laneCount(); ++lane) {
        const double y = laneTop(lane);
        if (lane % 2) p.fillRect(QRectF(0, y, width(), lh), pal.color(QPalette::AlternateBase));
        p.setPen(pal.color(QPalette::Text));
        if (lane < m_cpus) {
            // Each CPU's own colour, as on its canvas card and arrows (tlblab::cpuColor).
            const QColor c(QString::fromStdString(cpuColor(dark ? Theme::Dark : Theme::Light, lane)));
            p.fillRect(QRectF(0, y + 1, 4, lh - 2), c);
            p.setPen(c);
        }
        const QString name = lane < m_cpus ? QStringLiteral("cpu%1").arg(lane) : tr("machine");
        p.drawText(QRectF(7, y, kLabelW - 9, lh), Qt::AlignVCenter | Qt::AlignLeft, name);
    }
    // Set-up region and step boundaries with their numbers.
    const QColor grid = pal.color(QPalette::Mid);
    p.fillRect(QRectF(kLabelW, kHeaderH, xOfPosition(m_data->setupEnd) - kLabelW, height() - kHeaderH),
               QColor(128, 128, 128, 40));
    for (std::size_t k = 0; k < m_data->steps.size(); ++k) {
        const double x1 = xOfPosition(m_data->steps[k].endOp);
        p.setPen(QPen(grid, 1, Qt::DotLine));
        p.drawLine(QPointF(x1, kHeaderH), QPointF(x1, height()));
    }
    p.setPen(pal.color(QPalette::Text));
    for (const HeaderLabel& l : headerLabels()) p.drawText(l.rect, Qt::AlignCenter, l.text);
    if (m_data->branch) {
        const double xb = xOfPosition(m_data->branchPoint);
        p.fillRect(QRectF(xb, kHeaderH, width() - xb, height() - kHeaderH), QColor(255, 193, 7, 50));
    }
    // Events: each op's events spread across its column, in the lane of their CPU.
    const double colW = xOfPosition(1) - xOfPosition(0);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (std::size_t op = 0; op < m_data->opCount(); ++op) {
        const auto [first, last] = m_data->marksOf(op);
        const std::size_t count = static_cast<std::size_t>(last - first);
        const double x0 = xOfPosition(op);
        for (std::size_t i = 0; i < count; ++i) {
            const Event e = first[i].event();
            const int lane = (e.cpu >= 0 && e.cpu < m_cpus) ? e.cpu : m_cpus;
            const double x = x0 + colW * (static_cast<double>(i) + 0.5) / static_cast<double>(count);
            const double yc = laneTop(lane) + lh / 2;
            const int w = eventWeight(e);
            const double rMax = std::min({lh * 0.32, std::max(1.5, colW * 0.45), 7.0});
            const double r = w == 0 ? rMax * 0.4 : w == 1 ? rMax * 0.65 : rMax;
            p.setPen(Qt::NoPen);
            p.setBrush(eventColor(e, dark));
            if (w >= 3)
                p.drawRect(QRectF(x - r, yc - r, 2 * r, 2 * r));
            else
                p.drawEllipse(QPointF(x, yc), std::max(1.0, r), std::max(1.0, r));
        }
    }
}

void SwimlaneTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette pal = palette();
    if (!m_data) {
        p.fillRect(rect(), pal.color(QPalette::Base));
        return;
    }
    const qreal dpr = devicePixelRatioF();
    if (m_cache.isNull() || m_cache.size() != size() * dpr) {
        m_cache = QPixmap(size() * dpr);
        m_cache.setDevicePixelRatio(dpr);
        QPainter cp(&m_cache);
        cp.setFont(font());
        paintStatic(cp);
    }
    p.drawPixmap(0, 0, m_cache);
    // Current position.
    if (m_snap) {
        const double x = xOfPosition(m_snap->position);
        p.setPen(QPen(pal.color(QPalette::Highlight), 2));
        p.drawLine(QPointF(x, 0), QPointF(x, height()));
        if (m_snap->step >= 0) {
            const StepInfo& s = m_data->steps[static_cast<std::size_t>(m_snap->step)];
            const double xa = xOfPosition(s.beginOp), xb = xOfPosition(s.endOp);
            QColor hl = pal.color(QPalette::Highlight);
            hl.setAlpha(45);
            p.fillRect(QRectF(xa, kHeaderH, std::max(2.0, xb - xa), height() - kHeaderH), hl);
        }
    }
}

void SwimlaneTimeline::resizeEvent(QResizeEvent* e) {
    m_cache = QPixmap();
    QWidget::resizeEvent(e);
}

void SwimlaneTimeline::changeEvent(QEvent* e) {
    if (e->type() == QEvent::PaletteChange || e->type() == QEvent::FontChange) m_cache = QPixmap();
    QWidget::changeEvent(e);
}

void SwimlaneTimeline::mousePressEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton && m_data) emit seekRequested(positionAt(e->position().x()));
}

void SwimlaneTimeline::mouseMoveEvent(QMouseEvent* e) {
    if ((e->buttons() & Qt::LeftButton) && m_data) emit seekRequested(positionAt(e->position().x()));
}

int SwimlaneTimeline::eventAt(QPoint pt, std::size_t* opOut) const {
    if (!m_data || pt.x() < kLabelW || pt.y() < kHeaderH) return -1;
    const double colW = xOfPosition(1) - xOfPosition(0);
    const auto op = static_cast<std::size_t>((pt.x() - kLabelW) / std::max(1e-9, colW));
    if (op >= m_data->opCount()) return -1;
    const int lane = static_cast<int>((pt.y() - kHeaderH) / laneHeight());
    const auto [first, last] = m_data->marksOf(op);
    const std::size_t count = static_cast<std::size_t>(last - first);
    int best = -1;
    double bestD = 1e9;
    for (std::size_t i = 0; i < count; ++i) {
        const Event e = first[i].event();
        const int l = (e.cpu >= 0 && e.cpu < m_cpus) ? e.cpu : m_cpus;
        if (l != lane) continue;
        const double x = xOfPosition(op) + colW * (static_cast<double>(i) + 0.5) / static_cast<double>(count);
        const double d = std::abs(x - pt.x()) - eventWeight(e);  // prefer important events
        if (d < bestD) {
            bestD = d;
            best = static_cast<int>(i);
        }
    }
    if (opOut) *opOut = op;
    return best;
}

bool SwimlaneTimeline::event(QEvent* ev) {
    if (ev->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(ev);
        std::size_t op = 0;
        if (const int i = eventAt(he->pos(), &op); i >= 0) {
            // The op's events in full, replayed on demand (the swimlane keeps only marks).
            const EventList evs = m_eventSource ? m_eventSource(op) : EventList{};
            const auto [first, last] = m_data->marksOf(op);
            const Event e = static_cast<std::size_t>(i) < evs.size() ? evs[static_cast<std::size_t>(i)] : first[i].event();
            const int k = m_data->stepAt(op + 1);
            QToolTip::showText(he->globalPos(),
                               tr("op %1 (step %2): %3\n%4")
                                   .arg(op + 1)
                                   .arg(k + 1)
                                   .arg(QString::fromStdString(m_data->opTexts[op]),
                                        QString::fromStdString(describe(e))),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(ev);
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
#include "SwimlaneTimeline.hpp"

#include "EventStyle.hpp"

#include <QHelpEvent>
#include <QMouseEvent>
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

void SwimlaneTimeline::paintStatic(QPainter& p) {
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    p.fillRect(rect(), pal.color(QPalette::Base));
    if (!m_data) return;
    const double lh = laneHeight();
    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
    p.setFont(small);
    // Lanes.
    for (int lane = 0; lane < laneCount(); ++lane) {
        const double y = laneTop(lane);
        if (lane % 2) p.fillRect(QRectF(0, y, width(), lh), pal.color(QPalette::AlternateBase));
        p.setPen(pal.color(QPalette::Text));
        const QString name = lane < m_cpus ? QStringLiteral("cpu%1").arg(lane) : tr("machine");
        p.drawText(QRectF(4, y, kLabelW - 6, lh), Qt::AlignVCenter | Qt::AlignLeft, name);
    }
    // Set-up region and step boundaries with their numbers.
    const QColor grid = pal.color(QPalette::Mid);
    p.fillRect(QRectF(kLabelW, kHeaderH, xOfPosition(m_data->setupEnd) - kLabelW, height() - kHeaderH),
               QColor(128, 128, 128, 40));
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(kLabelW, 0, xOfPosition(m_data->setupEnd) - kLabelW, kHeaderH), Qt::AlignCenter, tr("set-up"));
    for (std::size_t k = 0; k < m_data->steps.size(); ++k) {
        const double x0 = xOfPosition(m_data->steps[k].beginOp), x1 = xOfPosition(m_data->steps[k].endOp);
        p.setPen(QPen(grid, 1, Qt::DotLine));
        p.drawLine(QPointF(x1, kHeaderH), QPointF(x1, height()));
        p.setPen(pal.color(QPalette::Text));
        if (x1 - x0 >= 10)
            p.drawText(QRectF(x0, 0, x1 - x0, kHeaderH), Qt::AlignCenter, QString::number(k + 1));
        else if (x1 - x0 < 1)  // a step without ops (a summary): its number at its place, in a box
            p.drawText(QRectF(x1 - 14, 0, 14, kHeaderH), Qt::AlignRight | Qt::AlignVCenter, QString::number(k + 1));
    }
    if (m_data->branch) {
        const double xb = xOfPosition(m_data->branchPoint);
        p.fillRect(QRectF(xb, kHeaderH, width() - xb, height() - kHeaderH), QColor(255, 193, 7, 50));
    }
    // Events: each op's events spread across its column, in the lane of their CPU.
    const double colW = xOfPosition(1) - xOfPosition(0);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (std::size_t op = 0; op < m_data->events.size(); ++op) {
        const EventList& evs = m_data->events[op];
        const double x0 = xOfPosition(op);
        for (std::size_t i = 0; i < evs.size(); ++i) {
            const Event& e = evs[i];
            const int lane = (e.cpu >= 0 && e.cpu < m_cpus) ? e.cpu : m_cpus;
            const double x = x0 + colW * (static_cast<double>(i) + 0.5) / static_cast<double>(evs.size());
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

const Event* SwimlaneTimeline::eventAt(QPoint pt, std::size_t* opOut) const {
    if (!m_data || pt.x() < kLabelW || pt.y() < kHeaderH) return nullptr;
    const double colW = xOfPosition(1) - xOfPosition(0);
    const auto op = static_cast<std::size_t>((pt.x() - kLabelW) / std::max(1e-9, colW));
    if (op >= m_data->events.size()) return nullptr;
    const int lane = static_cast<int>((pt.y() - kHeaderH) / laneHeight());
    const EventList& evs = m_data->events[op];
    const Event* best = nullptr;
    double bestD = 1e9;
    for (std::size_t i = 0; i < evs.size(); ++i) {
        const int l = (evs[i].cpu >= 0 && evs[i].cpu < m_cpus) ? evs[i].cpu : m_cpus;
        if (l != lane) continue;
        const double x = xOfPosition(op) + colW * (static_cast<double>(i) + 0.5) / static_cast<double>(evs.size());
        const double d = std::abs(x - pt.x()) - eventWeight(evs[i]);  // prefer important events
        if (d < bestD) {
            bestD = d;
            best = &evs[i];
        }
    }
    if (opOut) *opOut = op;
    return best;
}

bool SwimlaneTimeline::event(QEvent* ev) {
    if (ev->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(ev);
        std::size_t op = 0;
        if (const Event* e = eventAt(he->pos(), &op)) {
            const int k = m_data->stepAt(op + 1);
            QToolTip::showText(he->globalPos(),
                               tr("op %1 (step %2): %3\n%4")
                                   .arg(op + 1)
                                   .arg(k + 1)
                                   .arg(QString::fromStdString(m_data->opTexts[op]),
                                        QString::fromStdString(describe(*e))),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(ev);
}

}  // namespace tlblab::ui

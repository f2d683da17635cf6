// SPDX-License-Identifier: GPL-3.0-or-later
#include "MachineCanvas.hpp"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace tlblab::ui {

namespace {
constexpr double kBaseDurationMs = 900.0;
// Phases of an animation, as fractions of its duration: removed items fade out first, then moved
// items glide and new ones fade in, and the walk path lights up level by level over the whole.
constexpr double kFadeOutEnd = 0.35;
constexpr double kMoveStart = 0.2;

double lerp(double a, double b, double t) { return a + (b - a) * t; }
double smooth(double t) { return t * t * (3 - 2 * t); }

SceneItem interpolate(const SceneItem& a, const SceneItem& b, double t) {
    SceneItem r = b;
    r.x = lerp(a.x, b.x, t);
    r.y = lerp(a.y, b.y, t);
    r.w = lerp(a.w, b.w, t);
    r.h = lerp(a.h, b.h, t);
    if (a.points.size() == b.points.size())
        for (std::size_t i = 0; i < r.points.size(); ++i) {
            r.points[i].x = lerp(a.points[i].x, b.points[i].x, t);
            r.points[i].y = lerp(a.points[i].y, b.points[i].y, t);
        }
    return r;
}
}  // namespace

MachineCanvas::MachineCanvas(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    m_timer.setInterval(16);
    connect(&m_timer, &QTimer::timeout, this, &MachineCanvas::tick);
}

void MachineCanvas::setScene(const Scene& scene, bool animate) {
    m_prev = std::move(m_scene);
    m_scene = scene;
    m_prevById.clear();
    for (const auto& it : m_prev.items) m_prevById[it.id] = &it;
    if (animate && m_speed > 0 && !m_prev.items.empty()) {
        m_clock.start();
        m_timer.start();
    } else {
        m_timer.stop();
    }
    if (m_fit) fitToView();
    update();
}

void MachineCanvas::setTheme(Theme theme) {
    m_renderer.setTheme(theme);
    update();
}

void MachineCanvas::setAnimationSpeed(double speed) {
    m_speed = std::max(0.0, speed);
    if (m_speed == 0) finishAnimation();
}

void MachineCanvas::finishAnimation() {
    m_timer.stop();
    update();
}

double MachineCanvas::progress() const {
    if (!m_timer.isActive() || m_speed <= 0) return 1.0;
    return std::clamp(static_cast<double>(m_clock.elapsed()) / (kBaseDurationMs / m_speed), 0.0, 1.0);
}

void MachineCanvas::tick() {
    if (progress() >= 1.0) m_timer.stop();
    update();
}

void MachineCanvas::setZoom(double zoom) {
    zoom = std::clamp(zoom, 0.1, 8.0);
    // Keep the widget centre fixed.
    const QPointF c(width() / 2.0, height() / 2.0);
    const QPointF s = mapToScene(c);
    m_zoom = zoom;
    m_offset = c - s * m_zoom;
    m_fit = false;
    emit zoomChanged(m_zoom);
    update();
}

void MachineCanvas::zoomIn() { setZoom(m_zoom * 1.25); }
void MachineCanvas::zoomOut() { setZoom(m_zoom / 1.25); }

void MachineCanvas::fitToView() {
    if (m_scene.width <= 0 || m_scene.height <= 0 || width() <= 0 || height() <= 0) return;
    m_zoom = std::min(width() / m_scene.width, height() / m_scene.height);
    // Centred across, top-aligned: the banner and the CPU cards sit where the eye starts, and the
    // spare space of a wide diagram goes below it rather than above.
    m_offset = QPointF((width() - m_scene.width * m_zoom) / 2, 0.0);
    m_fit = true;
    emit zoomChanged(m_zoom);
    update();
}

QPointF MachineCanvas::mapToScene(const QPointF& p) const { return (p - m_offset) / m_zoom; }

const SceneItem* MachineCanvas::hitTest(const QPointF& sp) const {
    const SceneItem* box = nullptr;
    for (auto it = m_scene.items.rbegin(); it != m_scene.items.rend(); ++it) {
        if (it->kind == ItemKind::Arrow || it->role == "mce-wash") continue;
        if (sp.x() < it->x || sp.x() > it->x + it->w || sp.y() < it->y || sp.y() > it->y + it->h) continue;
        if (it->kind == ItemKind::Row) return &*it;
        if (!box) box = &*it;
    }
    return box;
}

QString MachineCanvas::itemAt(const QPointF& widgetPos) const {
    const SceneItem* it = hitTest(mapToScene(widgetPos));
    return it ? QString::fromStdString(it->id) : QString();
}

void MachineCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(rect(), SceneRenderer::color(themeBackground(m_renderer.theme())));
    p.translate(m_offset);
    p.scale(m_zoom, m_zoom);
    m_renderer.drawBackground(p, m_scene);

    const double t = progress();
    if (t >= 1.0) {
        for (const auto& it : m_scene.items) m_renderer.drawItem(p, it);
        return;
    }
    // Removed items fade out.
    const double out = 1.0 - smooth(std::clamp(t / kFadeOutEnd, 0.0, 1.0));
    std::map<std::string_view, bool> inNew;
    for (const auto& it : m_scene.items) inNew[it.id] = true;
    for (const auto& it : m_prev.items)
        if (!inNew.count(it.id)) m_renderer.drawItem(p, it, out);
    // Kept items move; new items fade in; the walk path lights up one level at a time.
    const double move = smooth(std::clamp((t - kMoveStart) / (1.0 - kMoveStart), 0.0, 1.0));
    const int walkReveal = static_cast<int>(std::floor(t * 5.0)) - 1;  // levels 0..3 over the animation
    for (const auto& it : m_scene.items) {
        auto f = m_prevById.find(it.id);
        if (f == m_prevById.end()) m_renderer.drawItem(p, it, move, walkReveal);
        else m_renderer.drawItem(p, interpolate(*f->second, it, move), 1.0, walkReveal);
    }
}

void MachineCanvas::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0) return;
    const QPointF pos = e->position();
    const QPointF s = mapToScene(pos);
    m_zoom = std::clamp(m_zoom * std::pow(1.15, steps), 0.1, 8.0);
    m_offset = pos - s * m_zoom;  // zoom about the cursor
    m_fit = false;
    emit zoomChanged(m_zoom);
    update();
    e->accept();
}

void MachineCanvas::mousePressEvent(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton) {
        m_dragging = true;
        m_dragMoved = false;
        m_dragStart = e->position();
        m_offsetStart = m_offset;
    }
}

void MachineCanvas::mouseMoveEvent(QMouseEvent* e) {
    if (!m_dragging) return;
    const QPointF d = e->position() - m_dragStart;
    if (!m_dragMoved && std::abs(d.x()) + std::abs(d.y()) < 4) return;
    m_dragMoved = true;
    m_offset = m_offsetStart + d;
    m_fit = false;
    setCursor(Qt::ClosedHandCursor);
    update();
}

void MachineCanvas::mouseReleaseEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton || !m_dragging) return;
    m_dragging = false;
    unsetCursor();
    if (m_dragMoved) return;
    const SceneItem* it = hitTest(mapToScene(e->position()));
    if (!it) return;
    const QString id = QString::fromStdString(it->id);
    emit itemClicked(id);
    if (id.startsWith(QLatin1String("tlb:"))) emit tlbEntryClicked(id);
    else if (id.startsWith(QLatin1String("pdpte:")) || id.startsWith(QLatin1String("pde:")) ||
             id.startsWith(QLatin1String("pte:")))
        emit tableEntryClicked(id);
}

void MachineCanvas::keyPressEvent(QKeyEvent* e) {
    if (e->matches(QKeySequence::ZoomIn) || (e->modifiers() & Qt::ControlModifier && e->key() == Qt::Key_Equal)) zoomIn();
    else if (e->matches(QKeySequence::ZoomOut)) zoomOut();
    else if (e->modifiers() & Qt::ControlModifier && e->key() == Qt::Key_0) fitToView();
    else QWidget::keyPressEvent(e);
}

void MachineCanvas::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    if (m_fit) fitToView();
}

bool MachineCanvas::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        const SceneItem* it = hitTest(mapToScene(he->pos()));
        if (it && !it->tooltip.empty()) QToolTip::showText(he->globalPos(), QString::fromStdString(it->tooltip), this);
        else QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

}  // namespace tlblab::ui

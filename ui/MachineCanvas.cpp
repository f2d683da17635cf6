// SPDX-License-Identifier: GPL-3.0-or-later
#include "MachineCanvas.hpp"

#include "SnapshotScene.hpp"

#include <QAction>
#include <QHelpEvent>
#include <QJsonArray>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tlblab::ui {

namespace {
constexpr double kBaseDurationMs = 1400.0;
// Phases of an animation, as fractions of its duration, in the order a lecturer tells it:
// IPIs travel to their targets; flushes sweep their TLBs (the entries they remove fade as the line
// passes, the global ones they spare are ringed) while other removed items fade out; then moved
// items glide, the CR3 arrow swings and the camera pans and zooms together; only then do new items
// fade in (never over a moving table), and the walk path lights up level by level.
constexpr double kIpiEnd = 0.22;
constexpr double kOutStart = 0.05, kOutEnd = 0.30;
constexpr double kMoveStart = 0.30, kMoveEnd = 0.62;
constexpr double kInStart = 0.62, kInEnd = 0.80;
constexpr double kLevelStep = 0.095;  // walk level L lights at kInStart + L * kLevelStep
// Text below this many pixels is greeked: context text is either readable or not text at all.
constexpr double kMinTextPx = 12.0;
// The camera never enlarges the subject more than this (a single entry stays in its table).
constexpr double kMaxFrameZoom = 4.0;

double lerp(double a, double b, double t) { return a + (b - a) * t; }
double ease(double t) {  // ease in and out
    t = std::clamp(t, 0.0, 1.0);
    return t * t * (3 - 2 * t);
}
double phase(double t, double from, double to) { return std::clamp((t - from) / (to - from), 0.0, 1.0); }

SceneRect itemRect(const SceneItem& it) {
    if (it.kind != ItemKind::Arrow || it.points.empty()) return {it.x, it.y, it.w, it.h};
    double x0 = it.points[0].x, x1 = x0, y0 = it.points[0].y, y1 = y0;
    for (const auto& p : it.points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
    }
    return {x0, y0, std::max(1.0, x1 - x0), std::max(1.0, y1 - y0)};
}

ScenePoint centreOf(const SceneItem& it) { return {it.x + it.w / 2, it.y + it.h / 2}; }

// Whether an item can show in `view` (scene units); outlines and rings reach a little outside it.
bool inView(const SceneItem& it, const QRectF& view) {
    const SceneRect r = itemRect(it);
    const double m = 12 + it.h * 0.2;
    return r.x - m < view.right() && r.x + r.w + m > view.left() && r.y - m < view.bottom() && r.y + r.h + m > view.top();
}
}  // namespace

MachineCanvas::MachineCanvas(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    m_renderer.setMinTextPx(kMinTextPx);
    m_timer.setInterval(16);
    connect(&m_timer, &QTimer::timeout, this, &MachineCanvas::tick);
    // F, R and L work wherever the focus is in the window (a text field keeps its letters: Qt offers
    // line edits the key first); a second canvas (compare mode) takes them only when focused.
    auto key = [this](Qt::Key k, auto fn) {
        auto* a = new QAction(this);
        a->setShortcut(QKeySequence(k));
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, fn);
        addAction(a);
        m_keys.push_back(a);
    };
    key(Qt::Key_F, [this] { fitToView(); });
    key(Qt::Key_R, [this] { replayAnimation(); });
    key(Qt::Key_L, [this] { setLegendVisible(!m_legend); });
}

void MachineCanvas::setWindowKeys(bool on) {
    for (QAction* a : m_keys) a->setShortcutContext(on ? Qt::WindowShortcut : Qt::WidgetShortcut);
}

// ---- scenes ------------------------------------------------------------------------------------

void MachineCanvas::showSnapshot(const SnapshotPtr& snap, bool animate) {
    if (!snap) return;
    std::vector<Ipi> ipis;
    for (const auto& e : snap->stepEvents)
        if (e.kind == EventKind::IpiSend && e.cpu >= 0 && e.other >= 0) ipis.push_back({e.cpu, e.other});
    setScene(sceneFor(*snap, SceneTarget{frameArea().width(), frameArea().height(), m_legend}), animate);
    m_snap = snap;
    m_ipis = std::move(ipis);
}

void MachineCanvas::setScene(const Scene& scene, bool animate) {
    const View from = currentView();
    m_snap.reset();
    m_ipis.clear();
    m_prev = std::move(m_scene);
    m_scene = scene;
    m_prevById.clear();
    for (const auto& it : m_prev.items) m_prevById[it.id] = &it;
    m_newIndex.clear();
    for (std::size_t i = 0; i < m_scene.items.size(); ++i) m_newIndex[m_scene.items[i].id] = i;
    m_marks.clear();
    m_cacheValid = false;
    m_wholeOnce = false;
    m_fit = true;
    m_camFrom = from;
    m_camTo = frameFor(m_scene.subjectBounds.empty() ? m_scene.bounds : m_scene.subjectBounds, true);
    if (animate && m_speed > 0 && !m_prev.items.empty() && width() > 0) startAnimation();
    else {
        m_timer.stop();
        applyView(m_camTo);
    }
    update();
    emit sceneChanged();
}

void MachineCanvas::relayout() {
    if (!m_snap) return;
    const SnapshotPtr snap = m_snap;
    const std::vector<Ipi> ipis = m_ipis;
    const bool whole = m_wholeOnce, fit = m_fit;
    const View manual = currentView();
    setScene(sceneFor(*snap, SceneTarget{frameArea().width(), frameArea().height(), m_legend}), false);
    m_snap = snap;
    m_ipis = ipis;
    if (whole) fitToView();
    else if (!fit) applyView(manual);
}

void MachineCanvas::reframe() {
    if (m_snap) relayout();
    else if (m_wholeOnce) fitToView();
    else if (m_fit) frameSubject();
}

void MachineCanvas::setCaption(const QString& text) {
    if (text.isEmpty()) {
        if (m_caption && !m_caption->isHidden()) {
            m_caption->hide();
            reframe();
        }
        return;
    }
    if (!m_caption) {
        m_caption = new QLabel(this);
        m_caption->setObjectName(QStringLiteral("canvasCaption"));
        m_caption->setTextFormat(Qt::PlainText);  // variant names come from lesson files
        m_caption->setAttribute(Qt::WA_TransparentForMouseEvents);
    }
    m_caption->setText(text);
    placeCaption();
    const bool shown = !m_caption->isHidden();
    m_caption->show();
    if (!shown) reframe();  // the drawing moves under it
}

QString MachineCanvas::caption() const { return m_caption && !m_caption->isHidden() ? m_caption->text() : QString(); }

QRectF MachineCanvas::frameArea() const {
    // Under the caption (compare mode's variant name), so it never covers the drawing.
    const double inset = m_caption && !m_caption->isHidden() ? m_caption->height() + 12.0 : 0.0;
    return QRectF(0, std::min(inset, height() / 3.0), width(), std::max(1.0, height() - std::min(inset, height() / 3.0)));
}

void MachineCanvas::placeCaption() {
    if (!m_caption) return;
    // The variant's name, at the size of the subject's text, in the top-left corner.
    QFont f = SceneRenderer::font(std::clamp(height() / 24.0, 14.0, 40.0), true);
    m_caption->setFont(f);
    const QColor bg = SceneRenderer::color(themeBackground(m_renderer.theme()));
    const QColor fg = SceneRenderer::color(meaningColor(m_renderer.theme(), Meaning::Changed));
    m_caption->setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; border: 3px solid %2; padding: 2px 8px; }")
                                 .arg(bg.name(), fg.name()));
    m_caption->adjustSize();
    m_caption->move(std::max(0, width() - m_caption->width() - 6), 6);  // top right, over the strip frameArea() leaves
}

void MachineCanvas::setTheme(Theme theme) {
    m_renderer.setTheme(theme);
    m_cacheValid = false;
    placeCaption();
    update();
}

void MachineCanvas::setLegendVisible(bool on) {
    if (on == m_legend) return;
    m_legend = on;
    relayout();
}

void MachineCanvas::setCompareMarks(std::vector<CompareMark> marks) {
    m_marks = std::move(marks);
    m_cacheValid = false;
    update();
}

// ---- animation ---------------------------------------------------------------------------------

void MachineCanvas::setMinTextPx(double px) {
    m_renderer.setMinTextPx(px);
    update();
}

void MachineCanvas::setAnimationSpeed(double speed) {
    m_speed = std::max(0.0, speed);
    if (m_speed == 0) finishAnimation();
}

void MachineCanvas::startAnimation() {
    m_clock.start();
    m_timer.start();
    applyView(m_camFrom);
}

void MachineCanvas::finishAnimation() {
    m_timer.stop();
    m_frameT = -1;
    if (m_fit) applyView(m_camTo);
    update();
}

void MachineCanvas::replayAnimation() {
    if (m_prev.items.empty() || m_speed <= 0) return;
    // From the previous step's framing to this one's, once more.
    m_camFrom = frameFor(m_prev.subjectBounds.empty() ? m_prev.bounds : m_prev.subjectBounds, true);
    m_camTo = frameFor(m_scene.subjectBounds.empty() ? m_scene.bounds : m_scene.subjectBounds, true);
    m_fit = true;
    m_wholeOnce = false;
    startAnimation();
    update();
}

double MachineCanvas::progress() const {
    if (m_frameT >= 0) return m_frameT;
    if (!m_timer.isActive() || m_speed <= 0) return 1.0;
    return std::clamp(static_cast<double>(m_clock.elapsed()) / (kBaseDurationMs / m_speed), 0.0, 1.0);
}

void MachineCanvas::paintFrameAt(double t) {
    m_frameT = std::clamp(t, 0.0, 1.0);
    const double c = ease(phase(m_frameT, kMoveStart, kMoveEnd));
    View v;
    v.zoom = std::exp(lerp(std::log(m_camFrom.zoom), std::log(m_camTo.zoom), c));
    v.center = m_camFrom.center + (m_camTo.center - m_camFrom.center) * c;
    applyView(v);
    repaint();
    m_frameT = -1;
}

void MachineCanvas::tick() {
    const double t = progress();
    if (m_fit) {
        // The camera glides with the moving items: zoom geometrically, pan linearly, eased.
        const double c = ease(phase(t, kMoveStart, kMoveEnd));
        View v;
        v.zoom = std::exp(lerp(std::log(m_camFrom.zoom), std::log(m_camTo.zoom), c));
        v.center = m_camFrom.center + (m_camTo.center - m_camFrom.center) * c;
        applyView(v);
    }
    if (t >= 1.0) m_timer.stop();
    update();
}

// ---- camera ------------------------------------------------------------------------------------

MachineCanvas::View MachineCanvas::currentView() const {
    View v;
    v.zoom = m_zoom;
    v.center = mapToScene(frameArea().center());
    return v;
}

void MachineCanvas::applyView(const View& v) {
    if (v.zoom != m_zoom) m_cacheValid = false;
    const bool changed = v.zoom != m_zoom;
    m_zoom = v.zoom;
    m_offset = frameArea().center() - v.center * m_zoom;
    if (changed) emit zoomChanged(m_zoom);
}

MachineCanvas::View MachineCanvas::frameFor(const SceneRect& r, bool subject) const {
    View v;
    const double W = frameArea().width(), H = frameArea().height();
    if (r.empty() || W <= 0 || H <= 0) {
        v.center = QPointF(r.x + r.w / 2, r.y + r.h / 2);
        return v;
    }
    const SceneRect& all = m_scene.bounds.empty() ? r : m_scene.bounds;
    const bool isAll = r == all;
    // Fitted exactly: the scene's subject frame already carries its margin (kMargin round the items),
    // as the whole machine does, so a second one here would only shrink the subject's text.
    v.zoom = std::min(W / r.w, H / r.h);
    if (subject && !isAll) {
        // Never smaller than the whole machine fitted, never a blown-up detail.
        const double fitAll = std::min(W / all.w, H / all.h);
        v.zoom = std::max(v.zoom > kMaxFrameZoom * fitAll ? kMaxFrameZoom * fitAll : v.zoom, fitAll);
    }
    v.zoom = std::clamp(v.zoom, 0.1, 8.0);
    // Centre on the subject, then slide the view inside the machine's bounds where it can: no blank
    // beyond the drawing, and the subject stays inside the view (it is inside the bounds).
    double cx = r.x + r.w / 2, cy = r.y + r.h / 2;
    const double vw = W / v.zoom, vh = H / v.zoom;
    auto clampAxis = [](double c, double lo, double len, double view) {
        if (view >= len) return lo + len / 2;
        return std::clamp(c, lo + view / 2, lo + len - view / 2);
    };
    cx = clampAxis(cx, all.x, all.w, vw);
    cy = clampAxis(cy, all.y, all.h, vh);
    v.center = QPointF(cx, cy);
    return v;
}

void MachineCanvas::setZoom(double zoom) {
    // About the subject's centre while it is on screen (zooming enlarges the subject, it never
    // pushes it out of view), else about the widget centre.
    const SceneRect& sb = m_scene.subjectBounds.empty() ? m_scene.bounds : m_scene.subjectBounds;
    QPointF anchor = mapToScene(frameArea().center());
    const QPointF sc(sb.x + sb.w / 2, sb.y + sb.h / 2);
    if (!sb.empty() && rect().contains(mapFromScene(sc).toPoint())) anchor = sc;
    const QPointF at = mapFromScene(anchor);
    m_timer.stop();
    m_zoom = std::clamp(zoom, 0.1, 8.0);
    m_offset = at - anchor * m_zoom;
    m_cacheValid = false;
    m_fit = false;
    emit zoomChanged(m_zoom);
    update();
}

void MachineCanvas::zoomIn() { setZoom(m_zoom * 1.25); }
void MachineCanvas::zoomOut() { setZoom(m_zoom / 1.25); }

void MachineCanvas::fitToView() {
    const SceneRect all = m_scene.bounds.empty() ? SceneRect{0, 0, m_scene.width, m_scene.height} : m_scene.bounds;
    if (all.empty() || width() <= 0 || height() <= 0) return;
    m_timer.stop();
    applyView(frameFor(all, false));
    m_fit = true;
    m_wholeOnce = true;
    m_camTo = currentView();
    emit zoomChanged(m_zoom);
    update();
}

void MachineCanvas::frameSubject() {
    m_timer.stop();
    m_wholeOnce = false;
    m_fit = true;
    m_camTo = frameFor(m_scene.subjectBounds.empty() ? m_scene.bounds : m_scene.subjectBounds, true);
    applyView(m_camTo);
    update();
}

QPointF MachineCanvas::mapToScene(const QPointF& p) const { return (p - m_offset) / m_zoom; }
QPointF MachineCanvas::mapFromScene(const QPointF& p) const { return p * m_zoom + m_offset; }

// ---- painting ----------------------------------------------------------------------------------

SceneItem MachineCanvas::interpolate(const SceneItem& a, const SceneItem& b, double t) const {
    SceneItem r = b;
    r.x = lerp(a.x, b.x, t);
    r.y = lerp(a.y, b.y, t);
    r.w = lerp(a.w, b.w, t);
    r.h = lerp(a.h, b.h, t);
    if (b.kind != ItemKind::Arrow || a.points.size() < 2 || b.points.size() < 2) return r;
    if (a.points.size() == b.points.size() && a.to == b.to) {
        for (std::size_t i = 0; i < r.points.size(); ++i) {
            r.points[i].x = lerp(a.points[i].x, b.points[i].x, t);
            r.points[i].y = lerp(a.points[i].y, b.points[i].y, t);
        }
        return r;
    }
    if (t >= 1.0) return r;
    // The arrow now points at another item (a CR3 load): it swings about its start, angle and
    // length interpolated, from the old target to the new one.
    const ScenePoint s{lerp(a.points.front().x, b.points.front().x, t), lerp(a.points.front().y, b.points.front().y, t)};
    const double ax = a.points.back().x - a.points.front().x, ay = a.points.back().y - a.points.front().y;
    const double bx = b.points.back().x - b.points.front().x, by = b.points.back().y - b.points.front().y;
    const double la = std::hypot(ax, ay), lb = std::hypot(bx, by);
    double aa = std::atan2(ay, ax), ab = std::atan2(by, bx);
    if (ab - aa > std::numbers::pi) ab -= 2 * std::numbers::pi;
    if (aa - ab > std::numbers::pi) ab += 2 * std::numbers::pi;
    const double ang = lerp(aa, ab, t), len = lerp(la, lb, t);
    r.points = {s, {s.x + std::cos(ang) * len, s.y + std::sin(ang) * len}};
    return r;
}

QRectF MachineCanvas::visibleSceneRect() const {
    return QRectF(mapToScene(QPointF(0, 0)), mapToScene(QPointF(width(), height())));
}

void MachineCanvas::paintStatic(QPainter& p) {
    if (!m_cacheValid || m_cacheZoom != m_zoom || m_cacheOffset != m_offset) {
        // Only what the camera shows (a framed step of a 64-CPU machine leaves most items outside).
        m_cache.clear();
        const PaintContext ctx = m_renderer.context(p);
        const QRectF view = visibleSceneRect();
        for (std::size_t i = 0; i < m_scene.items.size(); ++i)
            if (inView(m_scene.items[i], view)) paintItem(m_scene.items[i], m_renderer.theme(), ctx, m_cache, static_cast<int>(i));
        paintCompareMarks(m_marks, m_renderer.theme(), m_cache);
        m_cacheZoom = m_zoom;
        m_cacheOffset = m_offset;
        m_cacheValid = true;
    }
    m_renderer.drawPrims(p, m_cache);
}

void MachineCanvas::paintAnimated(QPainter& p, double t) {
    const Theme theme = m_renderer.theme();
    const QRectF view = visibleSceneRect();
    // Which previous items a flush removes, and where the sweep line is over them.
    std::map<std::string_view, std::pair<SceneRect, double>> swept;  // id -> (its TLB's box, line 0..1)
    const double sweep = phase(t, kOutStart, kOutEnd);
    std::vector<PaintPrim> overlay;
    for (const auto& f : m_scene.flushes) {
        const std::string tid = "tlbtable:cpu" + std::to_string(f.cpu);
        auto pt = m_prevById.find(tid);
        const SceneItem* table = pt != m_prevById.end() ? pt->second : m_scene.find(tid);
        if (!table) continue;
        const SceneRect box{table->x, table->y, table->w, table->h};
        for (const auto& id : f.removed) swept[id] = {box, sweep};
        std::vector<SceneRect> spared;
        for (const auto& id : f.spared) {
            auto sp = m_prevById.find(id);
            const SceneItem* it = sp != m_prevById.end() ? sp->second : m_scene.find(id);
            if (it) spared.push_back({it->x, it->y, it->w, it->h});
        }
        if (t > kOutStart && t < kMoveEnd) paintFlushSweep(box, sweep, spared, theme, f.cpu, overlay);
    }
    // Removed items fade out (swept ones as the line passes them).
    const double out = 1.0 - ease(phase(t, kOutStart, kOutEnd));
    for (const auto& it : m_prev.items) {
        if (m_newIndex.count(it.id) || !inView(it, view)) continue;
        double a = out;
        auto s = swept.find(it.id);
        if (s != swept.end()) {
            const auto& [box, line] = s->second;
            const double at = box.h > 0 ? (it.y + it.h / 2 - box.y) / box.h : 0;
            a = 1.0 - std::clamp((line - at) / 0.12, 0.0, 1.0);
        }
        m_renderer.drawItem(p, it, a);
    }
    // Kept items move; new items fade in after the moves; walk levels light one after the other.
    const double move = ease(phase(t, kMoveStart, kMoveEnd));
    const double in = ease(phase(t, kInStart, kInEnd));
    const int walkReveal = t < kInStart ? -1 : static_cast<int>(std::floor((t - kInStart) / kLevelStep));
    for (const auto& it : m_scene.items) {
        auto f = m_prevById.find(it.id);
        if (f != m_prevById.end()) {
            if (!inView(it, view) && !inView(*f->second, view)) continue;
            m_renderer.drawItem(p, interpolate(*f->second, it, move), 1.0, walkReveal);
            continue;
        }
        if (!inView(it, view)) continue;
        double a = in;
        if (it.walkLevel >= 0) a = ease(phase(t, kInStart + it.walkLevel * kLevelStep, kInStart + (it.walkLevel + 1) * kLevelStep));
        m_renderer.drawItem(p, it, a, walkReveal);
    }
    // IPIs travel from the sender's card to the target's.
    if (t < kIpiEnd + 0.04) {
        const double size = m_scene.subjectFont > 0 ? m_scene.subjectFont : 24;
        for (const auto& ipi : m_ipis) {
            auto card = [&](int cpu) -> const SceneItem* {
                const std::string id = "cpu" + std::to_string(cpu);
                auto f = m_prevById.find(id);
                return f != m_prevById.end() ? f->second : m_scene.find(id);
            };
            const SceneItem* a = card(ipi.from);
            const SceneItem* b = card(ipi.to);
            if (a && b) paintIpiToken(centreOf(*a), centreOf(*b), ease(t / kIpiEnd), theme, ipi.from, size, overlay);
        }
    }
    m_renderer.drawPrims(p, overlay);
    if (t >= kInEnd) {
        std::vector<PaintPrim> marks;
        paintCompareMarks(m_marks, theme, marks);
        m_renderer.drawPrims(p, marks, in);
    }
}

void MachineCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(rect(), SceneRenderer::color(themeBackground(m_renderer.theme())));
    if (m_caption && !m_caption->isHidden()) p.setClipRect(frameArea());
    p.translate(m_offset);
    p.scale(m_zoom, m_zoom);
    const double t = progress();
    if (t >= 1.0) paintStatic(p);
    else paintAnimated(p, t);
}

// ---- report ------------------------------------------------------------------------------------

QJsonObject MachineCanvas::sceneReport() const {
    QJsonArray items;
    PaintContext ctx;
    ctx.scale = m_zoom;
    ctx.minTextPx = m_renderer.minTextPx();
    const QRectF view = frameArea();  // drawn there only (under the caption, if any)
    std::vector<PaintPrim> prims;
    for (const auto& it : m_scene.items) {
        const SceneRect r = itemRect(it);
        const QPointF tl = mapFromScene(QPointF(r.x, r.y));
        const QRectF screen = QRectF(tl, QSizeF(r.w * m_zoom, r.h * m_zoom)).intersected(view);
        if (screen.width() <= 0 || screen.height() <= 0) continue;
        prims.clear();
        paintItem(it, m_renderer.theme(), ctx, prims);
        double font = -1;
        for (const auto& pr : prims)
            if (pr.kind == PaintPrim::Kind::Text) font = font < 0 ? pr.fontPx * m_zoom : std::min(font, pr.fontPx * m_zoom);
        QJsonObject o;
        o[QStringLiteral("id")] = QString::fromStdString(it.id);
        o[QStringLiteral("role")] = QString::fromLatin1(roleName(it.role));
        o[QStringLiteral("parent")] = QString::fromStdString(it.parent);
        o[QStringLiteral("kind")] = it.kind == ItemKind::Arrow ? QStringLiteral("arrow")
                                    : it.kind == ItemKind::Row ? QStringLiteral("row")
                                    : it.kind == ItemKind::Text ? QStringLiteral("text")
                                                                : QStringLiteral("box");
        o[QStringLiteral("x")] = std::round(screen.x() * 10) / 10;
        o[QStringLiteral("y")] = std::round(screen.y() * 10) / 10;
        o[QStringLiteral("w")] = std::round(screen.width() * 10) / 10;
        o[QStringLiteral("h")] = std::round(screen.height() * 10) / 10;
        o[QStringLiteral("font_px")] = font < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(std::round(font * 10) / 10);
        o[QStringLiteral("subject")] = it.subject;
        items.append(o);
    }
    QJsonObject canvas;
    canvas[QStringLiteral("w")] = width();
    canvas[QStringLiteral("h")] = height();
    QJsonObject root;
    root[QStringLiteral("canvas")] = canvas;
    root[QStringLiteral("zoom")] = m_zoom;
    // The layout behind it: the size it was made for, the machine and the subject (scene units).
    auto rectJson = [](const SceneRect& r) {
        return QJsonObject{{QStringLiteral("x"), r.x}, {QStringLiteral("y"), r.y}, {QStringLiteral("w"), r.w}, {QStringLiteral("h"), r.h}};
    };
    root[QStringLiteral("scene")] = QJsonObject{{QStringLiteral("target_w"), m_scene.targetWidth},
                                                {QStringLiteral("target_h"), m_scene.targetHeight},
                                                {QStringLiteral("bounds"), rectJson(m_scene.bounds)},
                                                {QStringLiteral("subject"), rectJson(m_scene.subjectBounds)}};
    root[QStringLiteral("items")] = items;
    return root;
}

// ---- input -------------------------------------------------------------------------------------

const SceneItem* MachineCanvas::hitTest(const QPointF& sp) const {
    const SceneItem* box = nullptr;
    for (auto it = m_scene.items.rbegin(); it != m_scene.items.rend(); ++it) {
        if (it->kind == ItemKind::Arrow || it->role == Role::MceWash) continue;
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

void MachineCanvas::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0) return;
    m_timer.stop();
    const QPointF pos = e->position();
    const QPointF s = mapToScene(pos);
    m_zoom = std::clamp(m_zoom * std::pow(1.15, steps), 0.1, 8.0);
    m_offset = pos - s * m_zoom;  // zoom about the cursor
    m_fit = false;
    m_cacheValid = false;
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
    m_timer.stop();
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
    if (it->ref.kind == SceneRef::Kind::TlbEntry) emit tlbEntryClicked(it->ref.cpu, it->ref.tlbId);
    else if (it->ref.kind == SceneRef::Kind::TableEntry) emit tableEntryClicked(it->ref.pa);
}

void MachineCanvas::keyPressEvent(QKeyEvent* e) {
    if (e->matches(QKeySequence::ZoomIn) || (e->modifiers() & Qt::ControlModifier && e->key() == Qt::Key_Equal)) zoomIn();
    else if (e->matches(QKeySequence::ZoomOut)) zoomOut();
    else if (e->modifiers() & Qt::ControlModifier && e->key() == Qt::Key_0) fitToView();
    else if (e->modifiers() == Qt::NoModifier && e->key() == Qt::Key_F) fitToView();
    else if (e->modifiers() == Qt::NoModifier && e->key() == Qt::Key_R) replayAnimation();
    else if (e->modifiers() == Qt::NoModifier && e->key() == Qt::Key_L) setLegendVisible(!m_legend);
    else QWidget::keyPressEvent(e);
}

void MachineCanvas::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    m_timer.stop();
    placeCaption();
    if (m_snap) relayout();  // laid out again for the new aspect ratio and size
    else if (m_wholeOnce) fitToView();
    else if (m_fit) frameSubject();
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

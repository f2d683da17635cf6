// SPDX-License-Identifier: GPL-3.0-or-later
// The machine canvas: draws the diagram scene of the current step through the core's painting
// walk, with a camera that frames the step's subject and glides to the next framing while the
// items animate (removed entries fade or are swept away by a flush, moved items and the CR3 arrow
// glide or swing, IPIs travel between CPU cards, then new items fade in and the walk lights up
// level by level). The scene is laid out for the canvas's own size (SceneOptions target).
// Zoom with the wheel or Ctrl +/-, pan by dragging; F or Ctrl+0 fits the whole machine, R replays
// the step's animation, L toggles the legend. Hovering an entry shows its bits; clicking a TLB
// entry or a table entry emits what it shows (the item's SceneRef) for the inspector. It never touches the machine.
#pragma once

#include "SceneRenderer.hpp"
#include "Session.hpp"

#include "tlblab/diagram.hpp"
#include "tlblab/scene_compare.hpp"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QPointF>
#include <QTimer>
#include <QWidget>

#include <map>
#include <memory>

class QAction;
class QLabel;

namespace tlblab::ui {

class MachineCanvas : public QWidget {
    Q_OBJECT
public:
    explicit MachineCanvas(QWidget* parent = nullptr);

    // Shows the snapshot's scene, laid out for this canvas's size (and again when it is resized).
    // With `animate` (and a speed above 0) the change from the previous scene is animated.
    void showSnapshot(const SnapshotPtr& snap, bool animate = true);
    // Shows a ready-made scene (it is not laid out again on resize).
    void setScene(const Scene& scene, bool animate = true);
    const Scene& scene() const { return m_scene; }
    SnapshotPtr snapshot() const { return m_snap; }

    void setTheme(Theme theme);
    Theme theme() const { return m_renderer.theme(); }
    void setLegendVisible(bool on);
    bool legendVisible() const { return m_legend; }

    // Compare mode: differences to mark, and a caption drawn at the top left (the variant).
    void setCompareMarks(std::vector<CompareMark> marks);
    const std::vector<CompareMark>& compareMarks() const { return m_marks; }
    void setCaption(const QString& text);  // "" hides it
    QString caption() const;

    // Animation speed factor: 1 = normal (about 1.4 s), 2 = twice as fast, 0 = no animation.
    // Text smaller than this on screen is drawn as a bar (default 12 px, the projector rule:
    // readable from the back row or not text at all). The window lowers it outside presentation
    // mode, where the reader sits at the screen and can zoom.
    void setMinTextPx(double px);
    double minTextPx() const { return m_renderer.minTextPx(); }
    void setAnimationSpeed(double speed);
    double animationSpeed() const { return m_speed; }
    bool isAnimating() const { return m_timer.isActive(); }
    void finishAnimation();
    void replayAnimation();  // R: the step's animation once more
    // Paints the frame at animation time `t` (0..1) of the current change; for the benchmark.
    void paintFrameAt(double t);

    double zoom() const { return m_zoom; }
    void setZoom(double zoom);  // 1 = 100 %; clamped to [0.1, 8]; about the subject's centre (else the widget's)
    void zoomIn();
    void zoomOut();
    void fitToView();     // F / Ctrl+0: the whole machine (until the next step is framed)
    void frameSubject();  // the camera's framing of this step's subject, at once
    void setFitOnResize(bool fit) { m_fit = fit; }
    // F, R and L: window-wide (the main canvas, default) or only while this canvas has the focus.
    void setWindowKeys(bool on);

    // The id of the item under a widget position ("" if none); rows win over boxes.
    QString itemAt(const QPointF& widgetPos) const;
    QPointF mapToScene(const QPointF& widgetPos) const;
    QPointF mapFromScene(const QPointF& scenePos) const;

    // What is drawn, in widget pixels, clipped to the widget (--scene-report):
    // {"canvas": {"w", "h"}, "items": [{"id", "role", "parent", "x", "y", "w", "h", "font_px", "subject"}]}.
    QJsonObject sceneReport() const;

signals:
    void tlbEntryClicked(int cpu, tlblab::u32 entryId);  // a TLB entry (its SceneRef)
    void tableEntryClicked(tlblab::u64 entryPa);         // a page-table entry, by its physical address
    void itemClicked(const QString& id);        // any item
    void zoomChanged(double zoom);
    void sceneChanged();  // a new scene (a step, a new layout after a resize)

protected:
    void paintEvent(QPaintEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    bool event(QEvent* e) override;

private:
    struct View {
        double zoom = 1.0;
        QPointF center;  // scene point at the widget centre
    };
    struct Ipi {
        int from = -1, to = -1;
    };

    void tick();
    double progress() const;
    void startAnimation();
    void applyView(const View& v);
    View currentView() const;
    View frameFor(const SceneRect& r, bool subject) const;
    void relayout();
    void reframe();          // laid out or framed again (the caption came or went)
    QRectF frameArea() const;  // where the camera frames the drawing: the widget less the caption's strip
    void placeCaption();
    void paintAnimated(QPainter& p, double t);
    void paintStatic(QPainter& p);
    QRectF visibleSceneRect() const;
    const SceneItem* hitTest(const QPointF& scenePos) const;
    SceneItem interpolate(const SceneItem& a, const SceneItem& b, double t) const;

    SceneRenderer m_renderer;
    std::vector<QAction*> m_keys;
    QLabel* m_caption = nullptr;
    SnapshotPtr m_snap;
    bool m_legend = false;
    Scene m_scene;  // the target
    Scene m_prev;   // the scene animated from
    std::map<std::string, const SceneItem*> m_prevById;
    std::map<std::string, std::size_t> m_newIndex;
    std::vector<Ipi> m_ipis;
    std::vector<CompareMark> m_marks;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_speed = 1.0;
    double m_frameT = -1;  // paintFrameAt: a fixed animation time
    double m_zoom = 1.0;
    QPointF m_offset{0, 0};  // widget position of scene (0, 0)
    View m_camFrom, m_camTo;
    bool m_fit = true;       // follow: each step (and resize) frames the subject
    bool m_wholeOnce = false;  // F: the whole machine until the next step
    bool m_dragging = false;
    bool m_dragMoved = false;
    QPointF m_dragStart, m_offsetStart;
    // The static frame's primitives (scene units), rebuilt when the scene, theme or zoom change.
    mutable std::vector<PaintPrim> m_cache;
    mutable double m_cacheZoom = -1;
    mutable QPointF m_cacheOffset;
    mutable bool m_cacheValid = false;
};

}  // namespace tlblab::ui

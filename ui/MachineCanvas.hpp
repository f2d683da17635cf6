// SPDX-License-Identifier: GPL-3.0-or-later
// The machine canvas: draws the diagram scene of the current step and animates between steps
// (entries fade in and out, moved items and CR3 arrows glide, the walk path lights up level by
// level). Zoom with the wheel or Ctrl +/-, pan by dragging, fit to the window. Hovering an entry
// shows its bits; clicking a TLB entry or a table entry emits its scene id for the inspector.
// It only reads scenes; it never touches the machine.
#pragma once

#include "SceneRenderer.hpp"

#include "tlblab/diagram.hpp"

#include <QElapsedTimer>
#include <QPointF>
#include <QTimer>
#include <QWidget>

#include <map>

namespace tlblab::ui {

class MachineCanvas : public QWidget {
    Q_OBJECT
public:
    explicit MachineCanvas(QWidget* parent = nullptr);

    // Shows `scene`. With `animate` (and a speed above 0) the change from the previous scene
    // is animated; otherwise it is shown at once.
    void setScene(const Scene& scene, bool animate = true);
    const Scene& scene() const { return m_scene; }

    void setTheme(Theme theme);
    Theme theme() const { return m_renderer.theme(); }

    // Animation speed factor: 1 = normal (about 0.9 s), 2 = twice as fast, 0 = no animation.
    void setAnimationSpeed(double speed);
    double animationSpeed() const { return m_speed; }
    bool isAnimating() const { return m_timer.isActive(); }
    void finishAnimation();

    double zoom() const { return m_zoom; }
    void setZoom(double zoom);  // 1 = 100 %; clamped to [0.1, 8]
    void zoomIn();
    void zoomOut();
    void fitToView();
    void setFitOnResize(bool fit) { m_fit = fit; }

    // The id of the item under a widget position ("" if none); rows win over boxes.
    QString itemAt(const QPointF& widgetPos) const;
    QPointF mapToScene(const QPointF& widgetPos) const;

signals:
    void tlbEntryClicked(const QString& id);    // "tlb:cpu1:#3"
    void tableEntryClicked(const QString& id);  // "pde:0x1801200"
    void itemClicked(const QString& id);        // any item
    void zoomChanged(double zoom);

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
    void tick();
    double progress() const;
    const SceneItem* hitTest(const QPointF& scenePos) const;

    SceneRenderer m_renderer;
    Scene m_scene;  // the target
    Scene m_prev;   // the scene animated from
    std::map<std::string, const SceneItem*> m_prevById;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_speed = 1.0;
    double m_zoom = 1.0;
    QPointF m_offset{0, 0};  // widget position of scene (0, 0)
    bool m_fit = true;
    bool m_dragging = false;
    bool m_dragMoved = false;
    QPointF m_dragStart, m_offsetStart;
};

}  // namespace tlblab::ui

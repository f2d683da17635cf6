// SPDX-License-Identifier: GPL-3.0-or-later
// One lane per CPU (and one for machine-wide events), every event of the session placed on it
// at its op; step boundaries, the current position, and a scrubber (click or drag to seek).
#pragma once

#include "Session.hpp"

#include <QPixmap>
#include <QWidget>

namespace tlblab::ui {

class SwimlaneTimeline : public QWidget {
    Q_OBJECT
public:
    explicit SwimlaneTimeline(QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // Geometry, exposed for tests: the x of a position and the position at an x.
    double xOfPosition(std::size_t position) const;
    std::size_t positionAt(double x) const;
    int laneCount() const;

signals:
    void seekRequested(std::size_t position);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    bool event(QEvent*) override;  // tooltips
    void resizeEvent(QResizeEvent*) override;
    void changeEvent(QEvent*) override;

private:
    const Event* eventAt(QPoint p, std::size_t* op) const;
    double laneTop(int lane) const;
    double laneHeight() const;
    void paintStatic(QPainter& p);  // lanes, steps and events: cached, redrawn when the data changes

    SnapshotPtr m_snap;
    std::shared_ptr<const SessionData> m_data;
    int m_cpus = 0;
    QPixmap m_cache;  // the static layer; null = stale
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// One lane per CPU (and one for machine-wide events), every event of the session placed on it
// at its op; step boundaries, the current position, and a scrubber (click or drag to seek).
#pragma once

#include "Session.hpp"

#include <QPixmap>
#include <QWidget>

#include <functional>
#include <vector>

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
    // The header's labels ("set-up", step numbers) where they are drawn: never two overlapping. Steps
    // without ops (narration only) at one place share a label ("4-5"); a label with no room is left out.
    struct HeaderLabel {
        QString text;
        QRectF rect;
    };
    std::vector<HeaderLabel> headerLabels() const;
    // Where tooltips get an op's full events (the session keeps only their marks).
    void setEventSource(std::function<EventList(std::size_t op)> source) { m_eventSource = std::move(source); }

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
    int eventAt(QPoint p, std::size_t* op) const;  // index among the op's marks, or -1
    double laneTop(int lane) const;
    double laneHeight() const;
    QFont labelFont() const;
    void paintStatic(QPainter& p);  // lanes, steps and events: cached, redrawn when the data changes

    SnapshotPtr m_snap;
    std::shared_ptr<const SessionData> m_data;
    int m_cpus = 0;
    QPixmap m_cache;  // the static layer; null = stale
    std::function<EventList(std::size_t)> m_eventSource;
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// Plots over the lesson steps (QCustomPlot): per-CPU TLB occupancy (4 KiB / 2 MiB, global /
// non-global) and cumulative counters (lookups, misses, walks, fills by origin, flushes by kind),
// and the fix-cost comparison (misses and walks per context switch, fix-flush vs
// fix-trampoline). A cursor follows the timeline; clicking a plot seeks there. Export PNG, PDF,
// CSV (the CSV holds exactly the plotted series).
#pragma once

#include "tlblab/queries.hpp"

#include "BackgroundJobs.hpp"
#include "Session.hpp"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;
class QLabel;

namespace tlblab::ui {

class SessionController;


// One plotted series: name and y per x (x = 0 for the set-up, k for lesson step k).
struct Series {
    std::string name;
    std::vector<double> y;
};
enum class PlotKind { Occupancy, Counters, FixCost };
// The series of a plot for one CPU (cpu = -1: summed over CPUs). Pure, for tests and CSV.
std::vector<Series> seriesFor(const SessionData& d, PlotKind kind, int cpu);
std::string seriesCsv(const std::vector<Series>& s, const std::string& xName);

class PlotsDock : public QWidget {
    Q_OBJECT
public:
    explicit PlotsDock(SessionController* controller, QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);
    void applyPalette();

    void setKind(PlotKind k);
    PlotKind kind() const { return m_kind; }
    void setCpu(int cpu);  // -1 = all CPUs
    QCustomPlot* plot() const { return m_plot; }
    double cursorX() const;
    QString csv() const;  // the current plot's data
    // Exports; false with `error` set on failure. The files are written atomically.
    bool exportPng(const QString& path, QString* error = nullptr);
    bool exportPdf(const QString& path, QString* error = nullptr);
    bool exportCsv(const QString& path, QString* error = nullptr);
    // The fix-cost results (empty until computed).
    const std::vector<FixCost>& fixCosts() const { return m_fixCosts; }

signals:
    void fixCostsReady();

protected:
    void showEvent(QShowEvent* e) override;

private:
    void rebuild();
    void updateCursor();
    void computeFixCosts();
    void exportDialog(const QString& format);

    SessionController* m_controller;
    QCustomPlot* m_plot;
    QCPItemStraightLine* m_cursor = nullptr;
    QComboBox* m_kindBox;
    QComboBox* m_cpuBox;
    QLabel* m_note;
    SnapshotPtr m_snap;
    std::shared_ptr<const SessionData> m_data;
    PlotKind m_kind = PlotKind::Occupancy;
    int m_cpu = 0;
    std::vector<Series> m_series;
    std::vector<FixCost> m_fixCosts;
    std::string m_fixCostLesson;
    bool m_fixCostRunning = false;
    bool m_cursorStale = false;
    BackgroundJobs m_jobs{this};  // last: destroyed (cancelled and joined) first
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// Stress panel (issue 6): runs the seeded hotplug stress for the three kernel variants in the
// background and plots the crash rate (machine checks per 1000 cycles) and what each fix costs
// (TLB misses, walks and flushes per context switch) with QCustomPlot.
//
// Wiring (MainWindow): a self-contained widget; put it in a dock. No lesson is needed.
#pragma once

#include "tlblab/explore.hpp"

#include "BackgroundJobs.hpp"

#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace tlblab::ui {

class StressPanel : public QWidget {
    Q_OBJECT
public:
    explicit StressPanel(QWidget* parent = nullptr);
    ~StressPanel() override;

    // Runs buggy, fix-flush and fix-trampoline with the panel's settings; no-op while running.
    void run();
    void cancel();
    bool isRunning() const { return m_busy; }
    void setCycles(int cycles);
    void setSeed(int seed);
    const std::vector<StressResult>& results() const { return m_results; }
    QCustomPlot* crashPlot() const { return m_crash; }
    QCustomPlot* costPlot() const { return m_cost; }

signals:
    void finished();

private:
    void onDone(std::vector<StressResult> results, bool cancelled);
    void plot();
    void setBusy(bool busy);

    std::vector<StressResult> m_results;
    // The running stress run's stop flag (Cancel, the panel destroyed).
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    bool m_busy = false;

    QSpinBox* m_cycles;
    QSpinBox* m_seed;
    QSpinBox* m_cpus;
    QSpinBox* m_activity;
    QComboBox* m_model;
    QPushButton* m_run;
    QPushButton* m_cancelButton;
    QProgressBar* m_progress;
    QLabel* m_status;
    QCustomPlot* m_crash;
    QCustomPlot* m_cost;
    BackgroundJobs m_jobs{this};  // last: destroyed (the run joined, its result dropped) first
};

}  // namespace tlblab::ui

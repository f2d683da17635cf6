// SPDX-License-Identifier: GPL-3.0-or-later
// Stress panel (issue 6): runs the seeded hotplug stress for the three kernel variants in the
// background and plots the crash rate (machine checks per 1000 cycles) and what each fix costs
// (TLB misses, walks and flushes per context switch) with QCustomPlot.
//
// Wiring (MainWindow): a self-contained widget; put it in a dock. No lesson is needed.
#pragma once

#include "tlblab/explore.hpp"

#include <QWidget>

#include <atomic>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

namespace tlblab::ui {

class StressPanel : public QWidget {
    Q_OBJECT
public:
    explicit StressPanel(QWidget* parent = nullptr);
    ~StressPanel() override;

    // Runs buggy, fix-flush and fix-trampoline with the panel's settings; no-op while running.
    void run();
    void cancel();
    bool isRunning() const { return m_thread != nullptr; }
    void setCycles(int cycles);
    void setSeed(int seed);
    const std::vector<StressResult>& results() const { return m_results; }
    QCustomPlot* crashPlot() const { return m_crash; }
    QCustomPlot* costPlot() const { return m_cost; }

signals:
    void finished();

private:
    void onDone();
    void plot();
    void setBusy(bool busy);

    std::vector<StressResult> m_results;
    std::vector<StressResult> m_pending;  // written by the worker, read after it finished
    std::atomic<bool> m_cancel{false};
    QThread* m_thread = nullptr;

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
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// Explore panel (issue 6): runs the interleaving explorer of a lesson's explore: section in the
// background, with a progress display and Cancel, and offers the shortest counterexample as a
// lesson file to open in the debugger. The search has a memory budget (default: half the memory
// available when the panel starts); when it is reached the search stops with the partial verdict
// "no machine check within N states (search incomplete)" and the app keeps running. The
// counterexample goes to a private temporary file (created exclusively, mode 0600) that lives as
// long as the panel or until the next one.
//
// Wiring (MainWindow): give it the current lesson with setLesson(); connect
// openCounterexample(path, variant) to MainWindow::openLesson(path, variant).
#pragma once

#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include "BackgroundJobs.hpp"

#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTemporaryFile;

namespace tlblab::ui {

class ExplorePanel : public QWidget {
    Q_OBJECT
public:
    explicit ExplorePanel(QWidget* parent = nullptr);
    ~ExplorePanel() override;

    // The lesson to explore (a copy is kept); a lesson without explore: disables Run.
    void setLesson(const Lesson& lesson);
    // Starts a search of `variant` ("" = the selected one); no-op while one runs.
    void run(const QString& variant = {});
    void cancel();
    bool isRunning() const { return m_busy; }
    // The last finished search (nullptr before the first).
    const ExploreResult* lastResult() const { return m_result.get(); }
    QString report() const;  // the text shown in the panel
    // Memory budget of the next searches, in MiB (the spin box).
    void setMemoryBudgetMiB(int mib);
    int memoryBudgetMiB() const;
    // Fine-grained kernel steps (the checkbox; `tlblab-cli explore --fine`): the hotplug and flush
    // paths run as their real steps (IPIs, INIT/STARTUP, start_secondary) in the next searches.
    void setFineSteps(bool fine);
    bool fineSteps() const;
    QString statusText() const;

signals:
    void finished(bool found, bool complete);
    // The counterexample was written to `path` (a lesson file); open it under `variant`.
    void openCounterexample(const QString& path, const QString& variant);

private:
    void onProgress(const ExploreProgress& p);
    void onDone(const std::shared_ptr<ExploreResult>& result, const QString& error);
    void setBusy(bool busy);
    void openTrace();

    std::unique_ptr<Lesson> m_lesson;
    std::unique_ptr<ExploreResult> m_result;
    QString m_variant;
    // The running search's stop flag (Cancel, another lesson, the panel destroyed).
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    bool m_busy = false;
    std::unique_ptr<QTemporaryFile> m_traceFile;

    QComboBox* m_variants;
    QSpinBox* m_depth;
    QSpinBox* m_memory;
    QCheckBox* m_fine;
    QPushButton* m_run;
    QPushButton* m_cancelButton;
    QPushButton* m_open;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPlainTextEdit* m_text;
    BackgroundJobs m_jobs{this};  // last: destroyed (the search joined, its result dropped) first
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// Explore panel (issue 6): runs the interleaving explorer of a lesson's explore: section in the
// background, with a progress display and Cancel, and offers the shortest counterexample as a
// lesson file to open in the debugger.
//
// Wiring (MainWindow): give it the current lesson with setLesson(); connect
// openCounterexample(path, variant) to MainWindow::openLesson(path, variant).
#pragma once

#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

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
    bool isRunning() const { return m_thread != nullptr; }
    // The last finished search (nullptr before the first).
    const ExploreResult* lastResult() const { return m_result.get(); }
    QString report() const;  // the text shown in the panel

signals:
    void finished(bool found, bool complete);
    // The counterexample was written to `path` (a lesson file); open it under `variant`.
    void openCounterexample(const QString& path, const QString& variant);

private:
    void onProgress(qulonglong states, qulonglong transitions, int depth);
    void onDone();
    void setBusy(bool busy);
    void openTrace();

    std::unique_ptr<Lesson> m_lesson;
    std::unique_ptr<ExploreResult> m_result;
    std::unique_ptr<ExploreResult> m_pending;  // written by the worker, read after it finished
    QString m_error;
    QString m_variant;
    std::atomic<bool> m_cancel{false};
    QThread* m_thread = nullptr;

    QComboBox* m_variants;
    QSpinBox* m_depth;
    QPushButton* m_run;
    QPushButton* m_cancelButton;
    QPushButton* m_open;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPlainTextEdit* m_text;
};

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// Challenge panel (issue 14): the goal of a lesson's challenge, an editor for the student's answer
// with the answer language's errors shown inline (underlined at line:col, the message below), Check
// (run in the background: the explorer can take a while), the verdict, and the counterexample
// offered as a lesson file to open in the debugger.
//
// Wiring (MainWindow): a dock; it follows the controller's loaded lesson by itself. Connect
// openCounterexample(path, variant) to MainWindow::openLesson(path, variant).
#pragma once

#include "tlblab/challenge.hpp"
#include "tlblab/lesson.hpp"

#include "BackgroundJobs.hpp"

#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTemporaryFile;
class QTextBrowser;

namespace tlblab::ui {

class SessionController;

class ChallengePanel : public QWidget {
    Q_OBJECT
public:
    // With a controller, the panel shows the challenges of each lesson the controller loads.
    explicit ChallengePanel(SessionController* controller = nullptr, QWidget* parent = nullptr);
    ~ChallengePanel() override;

    // The lesson whose challenges are offered (a copy is kept); one without challenges disables Check.
    void setLesson(const Lesson& lesson);
    void selectChallenge(const QString& id);  // by id; no-op if unknown
    QString challengeId() const;
    void setAnswer(const QString& text);
    QString answer() const;
    // Starts a check of the answer in the background; no-op while one runs or if the answer does not parse.
    void check();
    void cancel();
    bool isRunning() const { return m_busy; }

    // What the panel shows, for tests and screenshots.
    QString goalText() const;
    QString errorText() const;    // the answer's error, "LINE:COL: message", or ""
    int errorLine() const { return m_errorLine; }  // 1-based; 0: none
    int errorColumn() const { return m_errorCol; }
    QString verdictText() const;  // "Solved: ..." / "Not solved: ..." / ""
    QString detailsText() const;
    const ChallengeVerdict* lastVerdict() const { return m_verdict.get(); }

signals:
    void finished(bool solved);
    // The counterexample was written to `path` (a lesson file); open it under `variant`.
    void openCounterexample(const QString& path, const QString& variant);

private:
    void showChallenge();
    void validate();  // parses the answer, marks the error inline
    void markError(const OpError* e);
    struct Outcome {  // what a check hands back: a verdict, the answer's error, or a failure
        std::unique_ptr<ChallengeVerdict> verdict;
        std::unique_ptr<OpError> error;
        QString failure;
    };
    void onDone(Outcome outcome);
    void setBusy(bool busy);
    void openTrace();
    const Challenge* current() const;

    std::unique_ptr<Lesson> m_lesson;
    std::unique_ptr<ChallengeVerdict> m_verdict;
    std::unique_ptr<QTemporaryFile> m_traceFile;  // the counterexample last opened (CounterexampleFile.hpp)
    // The running check's stop flag (Cancel, another lesson, the panel destroyed).
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    bool m_busy = false;
    int m_errorLine = 0, m_errorCol = 0;

    QComboBox* m_challenges;
    QTextBrowser* m_goal;
    QPlainTextEdit* m_editor;
    QLabel* m_error;
    QPushButton* m_check;
    QPushButton* m_cancelButton;
    QPushButton* m_open;
    QLabel* m_verdictLabel;
    QPlainTextEdit* m_details;
    BackgroundJobs m_jobs{this};  // last: destroyed (the check joined, its result dropped) first
};

}  // namespace tlblab::ui

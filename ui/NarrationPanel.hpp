// SPDX-License-Identifier: GPL-3.0-or-later
// The step's story: title, narration (markup rendered), expectations, references, and the
// classroom question. In answer mode the question's choices are links: the student (or the room,
// on the lecturer's screen) picks one before the answer is shown, gets right/wrong feedback with
// the explanation, and the panel keeps a tally per lesson. Unpicked, the answer is revealed at the
// next step as before.
#pragma once

#include "Session.hpp"

#include <map>
#include <string>
#include <utility>

#include <QWidget>

class QTextBrowser;
class QUrl;

namespace tlblab::ui {

// The choices picked in answer mode, per lesson id: (variant, step number) -> the pick.
class AnswerSheet {
public:
    struct Pick {
        int choice = -1;  // 0-based
        bool right = false;
    };
    struct Tally {
        int answered = 0, right = 0;
    };
    // Records a pick; a question already answered keeps its first pick (returns false).
    bool pick(const std::string& lesson, const std::string& variant, int step, int choice, bool right);
    const Pick* find(const std::string& lesson, const std::string& variant, int step) const;
    Tally tally(const std::string& lesson) const;  // over every variant of the lesson
    void reset(const std::string& lesson);

private:
    std::map<std::string, std::map<std::pair<std::string, int>, Pick>> m_picks;
};

class NarrationPanel : public QWidget {
    Q_OBJECT
public:
    explicit NarrationPanel(QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);
    QString html() const;            // what is shown (for tests)
    QString plainText() const;
    QTextBrowser* browser() const { return m_text; }

    // Answer mode (on by default): the current step's question takes a pick.
    void setAnswerMode(bool on);
    bool answerMode() const { return m_answerMode; }
    // Picks choice `choice` (0-based) of the shown step's question; false if there is no question,
    // the choice does not exist or the question was already answered.
    bool pickAnswer(int choice);
    void resetTally();  // forgets the picks of the shown lesson
    const AnswerSheet& answers() const { return m_answers; }

private:
    void linkClicked(const QUrl& url);
    void render();

    QTextBrowser* m_text;
    SnapshotPtr m_snap;
    AnswerSheet m_answers;
    bool m_answerMode = true;
};

// The HTML the panel shows for a snapshot (a pure function, tested without a window). With
// `answers` (answer mode), the current question's choices are links until one is picked.
QString narrationHtml(const Snapshot& snap, const AnswerSheet* answers = nullptr);

}  // namespace tlblab::ui

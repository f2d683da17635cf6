// SPDX-License-Identifier: GPL-3.0-or-later
#include "NarrationPanel.hpp"

#include "tlblab/diagram.hpp"
#include "tlblab/markup.hpp"

#include <QDesktopServices>
#include <QScrollBar>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace tlblab::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(xmlEscape(s)); }
QString m(const std::string& s) { return QString::fromStdString(markupToHtml(s)); }
QString mi(const std::string& s) { return QString::fromStdString(inlineMarkupToHtml(s)); }

QString referencesHtml(const std::vector<Reference>& refs) {
    if (refs.empty()) return {};
    QString h = QStringLiteral("<p><b>References</b></p><ul>");
    for (const auto& r : refs) {
        const bool url = r.source.rfind("http", 0) == 0;
        h += QStringLiteral("<li>") + q(r.title) + QStringLiteral(": ") +
             (url ? QStringLiteral("<a href=\"%1\">%1</a>").arg(q(r.source)) : q(r.source)) + QStringLiteral("</li>");
    }
    return h + QStringLiteral("</ul>");
}

QString letter(std::size_t i) { return QString(QChar('A' + static_cast<int>(i))); }

// The question of a step. `reveal`: the answer is shown (the previous step's question). `pick`: the
// choice picked in answer mode (nullptr: none yet). `interactive`: answer mode, choices are links.
QString questionHtml(const Question& qu, bool reveal, const AnswerSheet::Pick* pick, bool interactive) {
    const bool showAnswer = reveal || pick;
    QString h = QStringLiteral("<p><b>%1</b> %2</p><ol type=\"A\">")
                    .arg(reveal ? QObject::tr("Last question:") : QObject::tr("Question:"), mi(qu.prompt));
    for (std::size_t i = 0; i < qu.choices.size(); ++i) {
        const bool right = showAnswer && static_cast<int>(i) == qu.answer;
        const bool picked = pick && pick->choice == static_cast<int>(i);
        QString choice = mi(qu.choices[i]);
        if (interactive && !pick && !reveal)
            choice = QStringLiteral("<a href=\"tlblab-answer:%1\">%2</a>").arg(i).arg(choice);
        h += QStringLiteral("<li>") + (right ? QStringLiteral("<b>") : QString()) + choice +
             (right ? QStringLiteral(" &#10004;</b>") : QString()) +
             (picked && !right ? QStringLiteral(" &#10008;") : QString()) +
             (picked ? QStringLiteral(" <i>(%1)</i>").arg(QObject::tr("picked")) : QString()) + QStringLiteral("</li>");
    }
    h += QStringLiteral("</ol>");
    const auto a = static_cast<std::size_t>(qu.answer);
    const QString answerLetter = a < qu.choices.size() ? letter(a) : QString();
    if (pick) {
        h += pick->right ? QStringLiteral("<p><b>%1</b></p>").arg(QObject::tr("Right: %1.").arg(answerLetter))
                         : QStringLiteral("<p><b>%1</b></p>")
                               .arg(QObject::tr("Not quite: %1 was picked, the answer is %2.")
                                        .arg(letter(static_cast<std::size_t>(pick->choice)), answerLetter));
        h += m(qu.explanation);
    } else if (reveal) {
        h += QStringLiteral("<p><b>%1 %2.</b></p>%3").arg(QObject::tr("Answer:"), answerLetter, m(qu.explanation));
    } else if (interactive) {
        h += QStringLiteral("<p><i>%1</i></p>")
                 .arg(QObject::tr("Pick a choice to see the answer (or step on: it is revealed at the next step)."));
    } else {
        h += QStringLiteral("<p><i>%1</i></p>").arg(QObject::tr("The answer is revealed at the next step."));
    }
    return h;
}

QString tallyHtml(const SessionData& d, const AnswerSheet& answers) {
    int questions = 0;
    for (const auto& st : d.steps) questions += st.question ? 1 : 0;
    const AnswerSheet::Tally t = answers.tally(d.id);
    QString h = QStringLiteral("<p><small>%1").arg(
        QObject::tr("Tally for this lesson: %1 right of %2 answered (this variant asks %3 questions).")
            .arg(t.right)
            .arg(t.answered)
            .arg(questions));
    if (t.answered > 0) h += QStringLiteral(" <a href=\"tlblab-answer:reset\">%1</a>").arg(QObject::tr("Reset"));
    return h + QStringLiteral("</small></p>");
}
}  // namespace

QString narrationHtml(const Snapshot& snap, const AnswerSheet* answers) {
    if (!snap.session) return {};
    const SessionData& d = *snap.session;
    QString h;
    if (d.branch && snap.position > d.branchPoint)
        h += QStringLiteral("<p style=\"background:#ffd54f;color:#000\"><b>%1</b></p>")
                 .arg(QObject::tr("What-if branch from position %1: not part of the lesson.").arg(d.branchPoint));
    const StepInfo* s = snap.stepInfo();
    if (!s) {
        h += QStringLiteral("<h2>%1</h2>").arg(q(d.title));
        if (!d.variant.empty()) h += QStringLiteral("<p><i>%1 %2</i></p>").arg(QObject::tr("Variant:"), q(d.variant));
        h += m(d.summary);
        h += QStringLiteral("<p>%1</p>").arg(QObject::tr("Machine set up. Step forward (Right, Space to play) to begin."));
        h += referencesHtml(d.references);
        return h;
    }
    const int shown = snap.step + 1;
    h += QStringLiteral("<h2>%1 %2/%3: %4</h2>")
             .arg(QObject::tr("Step"))
             .arg(shown)
             .arg(d.steps.size())
             .arg(q(s->title));
    if (!snap.atStepEnd)
        h += QStringLiteral("<p><i>%1</i></p>")
                 .arg(QObject::tr("Inside the step: after op %1 of %2 (%3)")
                          .arg(snap.position - s->beginOp)
                          .arg(s->endOp - s->beginOp)
                          .arg(q(snap.lastOpText)));
    auto pickOf = [&](const StepInfo& st) { return answers ? answers->find(d.id, d.variant, st.number) : nullptr; };
    if (const StepInfo* prev = snap.previousStepInfo(); prev && prev->question && snap.atStepEnd)
        h += questionHtml(*prev->question, true, pickOf(*prev), false);
    h += m(s->narration);
    if (!s->expectations.empty()) {
        h += QStringLiteral("<p><b>%1</b></p><ul>").arg(QObject::tr("Checked at this step"));
        for (const auto& e : s->expectations)
            h += QStringLiteral("<li>%1 <code>%2</code>%3</li>")
                     .arg(e.passed ? QStringLiteral("&#10004;") : QStringLiteral("&#10008;"), q(e.text),
                          e.passed ? QString() : QStringLiteral(": ") + q(e.message));
        h += QStringLiteral("</ul>");
    }
    if (s->question) h += questionHtml(*s->question, false, pickOf(*s), answers != nullptr);
    if (answers && s->question) h += tallyHtml(d, *answers);
    return h;
}

bool AnswerSheet::pick(const std::string& lesson, const std::string& variant, int step, int choice, bool right) {
    return m_picks[lesson].emplace(std::make_pair(variant, step), Pick{choice, right}).second;
}

const AnswerSheet::Pick* AnswerSheet::find(const std::string& lesson, const std::string& variant, int step) const {
    auto l = m_picks.find(lesson);
    if (l == m_picks.end()) return nullptr;
    auto p = l->second.find(std::make_pair(variant, step));
    return p == l->second.end() ? nullptr : &p->second;
}

AnswerSheet::Tally AnswerSheet::tally(const std::string& lesson) const {
    Tally t;
    auto l = m_picks.find(lesson);
    if (l == m_picks.end()) return t;
    for (const auto& [key, p] : l->second) {
        ++t.answered;
        t.right += p.right ? 1 : 0;
    }
    return t;
}

void AnswerSheet::reset(const std::string& lesson) { m_picks.erase(lesson); }

NarrationPanel::NarrationPanel(QWidget* parent) : QWidget(parent), m_text(new QTextBrowser(this)) {
    // Links are handled here: answer picks, and references opened outside.
    m_text->setOpenLinks(false);
    m_text->setObjectName(QStringLiteral("narration"));
    connect(m_text, &QTextBrowser::anchorClicked, this, &NarrationPanel::linkClicked);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(m_text);
}

void NarrationPanel::showSnapshot(const SnapshotPtr& snap) {
    m_snap = snap;
    render();
}

void NarrationPanel::render() {
    // Keep the reader's place when a pick re-renders the same step.
    const int scroll = m_text->verticalScrollBar()->value();
    m_text->setHtml(m_snap ? narrationHtml(*m_snap, m_answerMode ? &m_answers : nullptr) : QString());
    m_text->verticalScrollBar()->setValue(scroll);
}

void NarrationPanel::setAnswerMode(bool on) {
    m_answerMode = on;
    render();
}

bool NarrationPanel::pickAnswer(int choice) {
    if (!m_answerMode || !m_snap || !m_snap->session) return false;
    const StepInfo* s = m_snap->stepInfo();
    if (!s || !s->question || choice < 0 || choice >= static_cast<int>(s->question->choices.size())) return false;
    const SessionData& d = *m_snap->session;
    if (!m_answers.pick(d.id, d.variant, s->number, choice, choice == s->question->answer)) return false;
    render();
    return true;
}

void NarrationPanel::resetTally() {
    if (m_snap && m_snap->session) m_answers.reset(m_snap->session->id);
    render();
}

void NarrationPanel::linkClicked(const QUrl& url) {
    if (url.scheme() == QLatin1String("tlblab-answer")) {
        const QString what = url.path();
        if (what == QLatin1String("reset")) {
            resetTally();
            return;
        }
        bool ok = false;
        const int choice = what.toInt(&ok);
        if (ok) pickAnswer(choice);
        return;
    }
    if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")) QDesktopServices::openUrl(url);
}

QString NarrationPanel::html() const { return m_text->toHtml(); }
QString NarrationPanel::plainText() const { return m_text->toPlainText(); }

}  // namespace tlblab::ui

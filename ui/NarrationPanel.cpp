// SPDX-License-Identifier: GPL-3.0-or-later
#include "NarrationPanel.hpp"

#include "tlblab/diagram.hpp"
#include "tlblab/markup.hpp"

#include <QTextBrowser>
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

QString questionHtml(const Question& qu, bool reveal) {
    QString h = QStringLiteral("<p><b>%1</b> %2</p><ol type=\"A\">")
                    .arg(reveal ? QObject::tr("Last question:") : QObject::tr("Question:"), mi(qu.prompt));
    for (std::size_t i = 0; i < qu.choices.size(); ++i) {
        const bool right = reveal && static_cast<int>(i) == qu.answer;
        h += QStringLiteral("<li>") + (right ? QStringLiteral("<b>") : QString()) + mi(qu.choices[i]) +
             (right ? QStringLiteral(" &#10004;</b>") : QString()) + QStringLiteral("</li>");
    }
    h += QStringLiteral("</ol>");
    if (reveal) {
        const auto a = static_cast<std::size_t>(qu.answer);
        h += QStringLiteral("<p><b>%1 %2.</b></p>%3")
                 .arg(QObject::tr("Answer:"), a < qu.choices.size() ? QString(QChar('A' + static_cast<int>(a))) : QString(),
                      m(qu.explanation));
    } else {
        h += QStringLiteral("<p><i>%1</i></p>").arg(QObject::tr("The answer is revealed at the next step."));
    }
    return h;
}
}  // namespace

QString narrationHtml(const Snapshot& snap) {
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
    if (const StepInfo* prev = snap.previousStepInfo(); prev && prev->question && snap.atStepEnd)
        h += questionHtml(*prev->question, true);
    h += m(s->narration);
    if (!s->expectations.empty()) {
        h += QStringLiteral("<p><b>%1</b></p><ul>").arg(QObject::tr("Checked at this step"));
        for (const auto& e : s->expectations)
            h += QStringLiteral("<li>%1 <code>%2</code>%3</li>")
                     .arg(e.passed ? QStringLiteral("&#10004;") : QStringLiteral("&#10008;"), q(e.text),
                          e.passed ? QString() : QStringLiteral(": ") + q(e.message));
        h += QStringLiteral("</ul>");
    }
    if (s->question) h += questionHtml(*s->question, false);
    return h;
}

NarrationPanel::NarrationPanel(QWidget* parent) : QWidget(parent), m_text(new QTextBrowser(this)) {
    m_text->setOpenExternalLinks(true);
    m_text->setObjectName(QStringLiteral("narration"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(m_text);
}

void NarrationPanel::showSnapshot(const SnapshotPtr& snap) { m_text->setHtml(snap ? narrationHtml(*snap) : QString()); }

QString NarrationPanel::html() const { return m_text->toHtml(); }
QString NarrationPanel::plainText() const { return m_text->toPlainText(); }

}  // namespace tlblab::ui

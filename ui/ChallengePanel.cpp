// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChallengePanel.hpp"

#include "CounterexampleFile.hpp"

#include "SessionController.hpp"

#include "tlblab/markup.hpp"

#include <QComboBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryFile>
#include <QTextBlock>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace tlblab::ui {

namespace {
// The answer is checked as if read from this file: errors say "answer:LINE:COL".
const std::string kAnswerName = "answer";
}  // namespace

ChallengePanel::ChallengePanel(SessionController* controller, QWidget* parent)
    : QWidget(parent),
      m_challenges(new QComboBox(this)),
      m_goal(new QTextBrowser(this)),
      m_editor(new QPlainTextEdit(this)),
      m_error(new QLabel(this)),
      m_check(new QPushButton(tr("Chec&k"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_open(new QPushButton(tr("Open counterexample"), this)),
      m_verdictLabel(new QLabel(this)),
      m_details(new QPlainTextEdit(this)) {
    setObjectName(QStringLiteral("challengePanel"));
    m_challenges->setObjectName(QStringLiteral("challengePicker"));
    m_editor->setObjectName(QStringLiteral("challengeAnswer"));
    m_check->setObjectName(QStringLiteral("challengeCheck"));
    m_open->setObjectName(QStringLiteral("challengeOpen"));
    m_goal->setOpenLinks(false);
    m_goal->setMinimumHeight(120);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_editor->setFont(mono);
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setPlaceholderText(tr("Your answer"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_verdictLabel->setWordWrap(true);
    m_verdictLabel->setTextFormat(Qt::PlainText);
    m_details->setReadOnly(true);
    m_details->setFont(mono);
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_open->setToolTip(tr("Play the schedule that still crashes step by step"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_check);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch();
    buttons->addWidget(m_open);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_challenges);
    layout->addWidget(m_goal, 2);
    layout->addWidget(m_editor, 2);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    layout->addWidget(m_verdictLabel);
    layout->addWidget(m_details, 1);

    connect(m_challenges, &QComboBox::currentIndexChanged, this, [this](int) { showChallenge(); });
    connect(m_editor, &QPlainTextEdit::textChanged, this, &ChallengePanel::validate);
    connect(m_check, &QPushButton::clicked, this, &ChallengePanel::check);
    connect(m_cancelButton, &QPushButton::clicked, this, &ChallengePanel::cancel);
    connect(m_open, &QPushButton::clicked, this, &ChallengePanel::openTrace);
    if (controller)
        connect(controller, &SessionController::loaded, this, [this, controller](const QString&, const QString&) {
            const auto d = controller->session();
            if (!d || QFileInfo(QString::fromStdString(d->sourcePath)).suffix() == QStringLiteral("tlb")) return;
            try {
                setLesson(loadLesson(d->sourcePath));
            } catch (const std::exception&) {
                // It loaded a moment ago; if it changed on disk since, the panel keeps the last lesson.
            }
        });
    setBusy(false);
    m_goal->setPlainText(tr("Open a lesson with challenges (erratum-without-linux, erratum-383)."));
}

ChallengePanel::~ChallengePanel() {
    *m_cancel = true;  // the check stops early; m_jobs, destroyed first, joins it and drops its result
}

void ChallengePanel::setLesson(const Lesson& lesson) {
    // A check of the previous lesson stops; it winds down in the background, its result dropped.
    if (m_busy) {
        *m_cancel = true;
        m_jobs.cancel();
        m_busy = false;
        m_verdictLabel->setText(tr("Cancelled"));
        emit finished(false);
    }
    // The same lesson again (another variant, a reload): keep the student's challenge and answer.
    const bool same = m_lesson && m_lesson->id == lesson.id;
    const QString keptId = challengeId(), keptAnswer = answer();
    m_lesson = std::make_unique<Lesson>(lesson);
    {
        const QSignalBlocker block(m_challenges);
        m_challenges->clear();
        for (const Challenge& c : lesson.challenges)
            m_challenges->addItem(QString::fromStdString(c.title), QString::fromStdString(c.id));
        if (same && m_challenges->findData(keptId) >= 0) m_challenges->setCurrentIndex(m_challenges->findData(keptId));
    }
    showChallenge();
    if (same && challengeId() == keptId) setAnswer(keptAnswer);
}

void ChallengePanel::selectChallenge(const QString& id) {
    const int i = m_challenges->findData(id);
    if (i >= 0) m_challenges->setCurrentIndex(i);
}

QString ChallengePanel::challengeId() const { return m_challenges->currentData().toString(); }

const Challenge* ChallengePanel::current() const {
    if (!m_lesson) return nullptr;
    const std::string id = challengeId().toStdString();
    for (const Challenge& c : m_lesson->challenges)
        if (c.id == id) return &c;
    return nullptr;
}

void ChallengePanel::showChallenge() {
    m_verdict.reset();
    m_verdictLabel->clear();
    m_details->clear();
    const Challenge* c = current();
    if (!c) {
        m_goal->setPlainText(m_lesson ? tr("This lesson has no challenges.") : QString());
        const QSignalBlocker block(m_editor);
        m_editor->clear();
        markError(nullptr);
        setBusy(false);
        return;
    }
    QString html = QStringLiteral("<h3>%1</h3>").arg(QString::fromStdString(c->title).toHtmlEscaped());
    html += QString::fromStdString(markupToHtml(c->goal));
    const std::string threads = challengeThreadListing(*m_lesson, *c);
    if (!threads.empty()) html += QStringLiteral("<pre>%1</pre>").arg(QString::fromStdString(threads).toHtmlEscaped());
    m_goal->setHtml(html);
    m_editor->setPlainText(QString::fromStdString(c->answerTemplate));  // validates
    setBusy(false);
}

void ChallengePanel::setAnswer(const QString& text) { m_editor->setPlainText(text); }

QString ChallengePanel::answer() const { return m_editor->toPlainText(); }

void ChallengePanel::validate() {
    const Challenge* c = current();
    if (!c) return;
    try {
        (void)parseChallengeAnswer(*c, answer().toStdString(), kAnswerName);
        markError(nullptr);
    } catch (const OpError& e) {
        markError(&e);
    }
    setBusy(false);
}

void ChallengePanel::markError(const OpError* e) {
    QList<QTextEdit::ExtraSelection> marks;
    if (!e || e->loc().line <= 0) {
        m_errorLine = m_errorCol = 0;
        m_error->setText(e ? QString::fromUtf8(e->what()) : QString());
        m_error->setVisible(e != nullptr);
        m_editor->setExtraSelections(marks);
        return;
    }
    m_errorLine = e->loc().line;
    m_errorCol = std::max(1, e->loc().col);
    m_error->setText(tr("Line %1, column %2: %3").arg(m_errorLine).arg(m_errorCol).arg(QString::fromUtf8(e->what())));
    m_error->setVisible(true);
    const QTextBlock block = m_editor->document()->findBlockByNumber(m_errorLine - 1);
    if (block.isValid()) {
        // Underline the word at the error's column (or the line's end, if the column is past it).
        const QString line = block.text();
        int from = std::min(m_errorCol - 1, static_cast<int>(line.size()));
        int to = from;
        while (to < line.size() && !line.at(to).isSpace()) ++to;
        if (to == from) {
            from = std::max(0, from - 1);
            to = std::max(to, from + 1);
        }
        QTextEdit::ExtraSelection mark;
        mark.cursor = QTextCursor(block);
        mark.cursor.setPosition(block.position() + from);
        mark.cursor.setPosition(block.position() + std::min(to, static_cast<int>(line.size())), QTextCursor::KeepAnchor);
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(QColor(0xc6, 0x28, 0x28));
        mark.format.setToolTip(QString::fromUtf8(e->what()));
        marks << mark;
        QTextEdit::ExtraSelection lineMark;
        lineMark.cursor = QTextCursor(block);
        lineMark.format.setProperty(QTextFormat::FullWidthSelection, true);
        lineMark.format.setBackground(QColor(0xc6, 0x28, 0x28, 40));
        marks << lineMark;
    }
    m_editor->setExtraSelections(marks);
}

void ChallengePanel::setBusy(bool busy) {
    const bool can = current() != nullptr;
    m_check->setEnabled(!busy && can && m_errorLine == 0 && m_error->text().isEmpty());
    m_challenges->setEnabled(!busy);
    m_editor->setReadOnly(busy);
    m_cancelButton->setEnabled(busy);
    m_open->setEnabled(!busy && m_verdict && !m_verdict->counterexampleYaml.empty());
}

void ChallengePanel::check() {
    const Challenge* c = current();
    if (m_busy || !c || m_errorLine != 0 || !m_error->text().isEmpty()) return;
    auto lesson = std::make_shared<Lesson>(*m_lesson);
    auto challenge = std::make_shared<Challenge>(*c);
    auto text = std::make_shared<std::string>(answer().toStdString());
    auto cancel = std::make_shared<std::atomic<bool>>(false);  // this check's own: Cancel keeps its verdict
    m_cancel = cancel;
    m_verdict.reset();
    ChallengeOptions o;
    o.cancel = cancel.get();
    o.progress = [this, cancel](const std::string& line) {
        const QString s = QString::fromStdString(line);
        // Queued to this panel, alive: m_jobs joins the check before the panel goes.
        QMetaObject::invokeMethod(
            this, [this, cancel, s]() { if (m_busy && m_cancel == cancel) m_verdictLabel->setText(tr("Checking: %1").arg(s)); },
            Qt::QueuedConnection);
    };
    m_jobs.run([this, lesson, challenge, text, o, cancel](const std::atomic<bool>&) -> BackgroundJobs::Finish {
        auto outcome = std::make_shared<Outcome>();
        try {
            outcome->verdict = std::make_unique<ChallengeVerdict>(checkChallenge(*lesson, *challenge, *text, kAnswerName, o));
        } catch (const OpError& e) {
            outcome->error = std::make_unique<OpError>(e);
        } catch (const std::exception& e) {
            outcome->failure = QString::fromUtf8(e.what());
        }
        return [this, outcome] { onDone(std::move(*outcome)); };
    });
    m_busy = true;
    m_verdictLabel->setStyleSheet({});
    m_verdictLabel->setText(tr("Checking ..."));
    m_details->clear();
    setBusy(true);
}

void ChallengePanel::cancel() { *m_cancel = true; }

void ChallengePanel::onDone(Outcome outcome) {
    m_busy = false;
    if (outcome.error) {
        // The answer's operations could not run (an unknown table, a halted CPU): mark it inline.
        markError(outcome.error.get());
        m_verdictLabel->setText(tr("Not checked: the answer does not run"));
        setBusy(false);
        emit finished(false);
        return;
    }
    if (!outcome.verdict) {
        m_verdictLabel->setText(tr("Check failed: %1").arg(outcome.failure));
        setBusy(false);
        emit finished(false);
        return;
    }
    m_verdict = std::move(outcome.verdict);
    const ChallengeVerdict& v = *m_verdict;
    m_verdictLabel->setStyleSheet(v.solved ? QStringLiteral("color: #2e7d32; font-weight: bold;")
                                           : QStringLiteral("color: #c62828; font-weight: bold;"));
    m_verdictLabel->setText((v.solved ? tr("Solved: %1") : tr("Not solved: %1")).arg(QString::fromStdString(v.reason)));
    QStringList lines;
    for (const auto& d : v.details) lines << QString::fromStdString(d);
    const Challenge* c = current();
    if (v.solved && c && !c->debrief.empty()) lines << QString() << QString::fromStdString(c->debrief);
    m_details->setPlainText(lines.join(QLatin1Char('\n')));
    setBusy(false);
    emit finished(v.solved);
}

QString ChallengePanel::goalText() const { return m_goal->toPlainText(); }
QString ChallengePanel::errorText() const { return m_error->text(); }
QString ChallengePanel::verdictText() const { return m_verdictLabel->text(); }
QString ChallengePanel::detailsText() const { return m_details->toPlainText(); }

void ChallengePanel::openTrace() {
    if (!m_verdict || m_verdict->counterexampleYaml.empty() || !m_lesson) return;
    QString error;
    auto file = writeCounterexampleFile(m_verdict->counterexampleYaml, error);
    if (!file) {
        m_verdictLabel->setText(tr("Cannot write the counterexample: %1").arg(error));
        return;
    }
    m_traceFile = std::move(file);  // removed with the panel or when the next one replaces it
    emit openCounterexample(m_traceFile->fileName(), QString::fromStdString(m_verdict->counterexampleVariant));
}

}  // namespace tlblab::ui

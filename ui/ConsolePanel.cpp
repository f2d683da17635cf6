// SPDX-License-Identifier: GPL-3.0-or-later
#include "ConsolePanel.hpp"

#include "SessionController.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace tlblab::ui {

ConsolePanel::ConsolePanel(SessionController* controller, QWidget* parent)
    : QWidget(parent),
      m_controller(controller),
      m_log(new QPlainTextEdit(this)),
      m_input(new QLineEdit(this)),
      m_branch(new QLabel(this)),
      m_drop(new QPushButton(tr("Drop branch"), this)) {
    setObjectName(QStringLiteral("console"));
    m_log->setReadOnly(true);
    QFont mono(QStringLiteral("DejaVu Sans Mono"));
    mono.setStyleHint(QFont::Monospace);
    m_log->setFont(mono);
    m_input->setFont(mono);
    m_input->setPlaceholderText(tr("an op, e.g.  cpu1 access 0x08048000 read user   (Enter runs it here: a what-if branch)"));
    m_log->setMaximumBlockCount(2000);
    m_branch->setWordWrap(true);
    m_branch->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* top = new QHBoxLayout;
    top->addWidget(m_branch, 1);
    top->addWidget(m_drop);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(2, 2, 2, 2);
    lay->addLayout(top);
    lay->addWidget(m_log, 1);
    lay->addWidget(m_input);
    connect(m_input, &QLineEdit::returnPressed, this, &ConsolePanel::submit);
    connect(m_drop, &QPushButton::clicked, m_controller, &SessionController::dropBranch);
    connect(m_controller, &SessionController::branchChanged, this, &ConsolePanel::updateBranch);
    updateBranch(false);
}

void ConsolePanel::updateBranch(bool inBranch) {
    m_drop->setEnabled(inBranch);
    if (inBranch) {
        const auto d = m_controller->session();
        m_branch->setText(tr("<b>What-if branch</b> from position %1 (the lesson is kept; drop the branch to return)")
                              .arg(d ? d->branchPoint : 0));
        m_branch->setStyleSheet(QStringLiteral("background:#ffd54f;color:#000;padding:2px"));
    } else {
        m_branch->setText(tr("Following the lesson"));
        m_branch->setStyleSheet({});
    }
}

void ConsolePanel::submit() {
    const QString text = m_input->text();
    if (text.trimmed().isEmpty()) return;
    QString error;
    int col = 0;
    const std::size_t at = m_controller->position();
    if (m_controller->runConsoleOp(text, &error, &col)) {
        m_lastError.clear();
        m_log->appendPlainText(QStringLiteral("[%1] > %2").arg(at).arg(text));
        const auto snap = m_controller->snapshot();
        if (snap && !snap->lastResult.output.empty()) m_log->appendPlainText(QString::fromStdString(snap->lastResult.output));
        if (snap)
            for (const Event& e : snap->lastOpEvents)
                if (e.kind == EventKind::PageFault || e.kind == EventKind::MachineCheck || e.kind == EventKind::Multimatch)
                    m_log->appendPlainText(QStringLiteral("    ") + QString::fromStdString(describe(e)));
        m_input->clear();
    } else {
        // The error inline: the line, a caret under the column, the message.
        m_lastError = col > 0 ? QStringLiteral("1:%1: error: %2").arg(col).arg(error) : QStringLiteral("error: %1").arg(error);
        const QString prompt = QStringLiteral("[%1] > ").arg(at);
        m_log->appendPlainText(prompt + text);
        if (col > 0) m_log->appendPlainText(QString(prompt.size() + col - 1, QLatin1Char(' ')) + QLatin1Char('^'));
        m_log->appendPlainText(m_lastError);
        if (col > 0) m_input->setCursorPosition(col - 1);
    }
}

QString ConsolePanel::log() const { return m_log->toPlainText(); }

}  // namespace tlblab::ui

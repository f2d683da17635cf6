// SPDX-License-Identifier: GPL-3.0-or-later
#include "ExplorePanel.hpp"

#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QStandardPaths>
#include <QThread>
#include <QVBoxLayout>

namespace tlblab::ui {

ExplorePanel::ExplorePanel(QWidget* parent)
    : QWidget(parent),
      m_variants(new QComboBox(this)),
      m_depth(new QSpinBox(this)),
      m_run(new QPushButton(tr("&Explore"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_open(new QPushButton(tr("Open counterexample"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_text(new QPlainTextEdit(this)) {
    m_depth->setRange(1, 1000);
    m_depth->setValue(64);
    m_depth->setToolTip(tr("Longest schedule searched"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_open->setToolTip(tr("Play the shortest schedule to the machine check step by step"));

    auto* form = new QFormLayout;
    form->addRow(tr("Variant"), m_variants);
    form->addRow(tr("Max depth"), m_depth);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch();
    buttons->addWidget(m_open);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_text, 1);

    connect(m_run, &QPushButton::clicked, this, [this]() { run(); });
    connect(m_cancelButton, &QPushButton::clicked, this, &ExplorePanel::cancel);
    connect(m_open, &QPushButton::clicked, this, &ExplorePanel::openTrace);
    setBusy(false);
    m_status->setText(tr("Open a lesson with an explore: section."));
}

ExplorePanel::~ExplorePanel() {
    if (m_thread) {
        m_cancel = true;
        m_thread->wait();
    }
}

void ExplorePanel::setLesson(const Lesson& lesson) {
    if (m_thread) {
        m_cancel = true;
        m_thread->wait();
    }
    m_lesson = std::make_unique<Lesson>(lesson);
    m_result.reset();
    m_variants->clear();
    for (const auto& v : lesson.variantNames()) m_variants->addItem(QString::fromStdString(v));
    m_text->clear();
    m_status->setText(lesson.explore ? tr("Ready: %1 threads").arg(lesson.explore->threads.size())
                                     : tr("This lesson has no explore: section."));
    setBusy(false);
}

void ExplorePanel::setBusy(bool busy) {
    const bool can = m_lesson && m_lesson->explore;
    m_run->setEnabled(!busy && can);
    m_variants->setEnabled(!busy && can);
    m_depth->setEnabled(!busy && can);
    m_cancelButton->setEnabled(busy);
    m_open->setEnabled(!busy && m_result && m_result->found);
    if (busy) m_progress->setRange(0, 0);  // unknown total: a busy indicator
    else {
        m_progress->setRange(0, 1);
        m_progress->setValue(m_result && !m_result->cancelled ? 1 : 0);
    }
}

void ExplorePanel::run(const QString& variant) {
    if (m_thread || !m_lesson || !m_lesson->explore) return;
    m_variant = variant.isEmpty() ? m_variants->currentText() : variant;
    std::shared_ptr<ExploreProblem> problem;
    try {
        problem = std::make_shared<ExploreProblem>(problemFromLesson(*m_lesson, m_variant.toStdString()));
    } catch (const OpError& e) {
        m_status->setText(tr("Cannot explore"));
        m_text->setPlainText(QString::fromStdString(e.format()));
        return;
    }
    m_cancel = false;
    m_error.clear();
    m_result.reset();
    ExploreOptions o;
    o.maxDepth = m_depth->value();
    o.cancel = &m_cancel;
    o.progress = [this](const ExploreProgress& p) {
        QMetaObject::invokeMethod(
            this, [this, p]() { onProgress(p.states, p.transitions, p.depth); }, Qt::QueuedConnection);
    };
    m_thread = QThread::create([this, problem, o]() {
        try {
            m_pending = std::make_unique<ExploreResult>(explore(*problem, o));
        } catch (const std::exception& e) {
            m_error = QString::fromUtf8(e.what());
        }
    });
    connect(m_thread, &QThread::finished, this, &ExplorePanel::onDone);
    m_status->setText(tr("Exploring %1 ...").arg(m_variant));
    m_text->clear();
    setBusy(true);
    m_thread->start();
}

void ExplorePanel::cancel() { m_cancel = true; }

void ExplorePanel::onProgress(qulonglong states, qulonglong transitions, int depth) {
    if (!m_thread) return;
    m_status->setText(tr("Exploring %1: %2 states, %3 transitions, depth %4")
                          .arg(m_variant)
                          .arg(states)
                          .arg(transitions)
                          .arg(depth));
}

void ExplorePanel::onDone() {
    m_thread->deleteLater();
    m_thread = nullptr;
    m_result = std::move(m_pending);
    if (!m_error.isEmpty() || !m_result) {
        m_status->setText(tr("Explore failed"));
        m_text->setPlainText(m_error);
        setBusy(false);
        emit finished(false, false);
        return;
    }
    const ExploreResult& r = *m_result;
    m_status->setText(r.found       ? tr("Machine check reachable (%1 steps)").arg(r.schedule.size())
                      : r.cancelled ? tr("Cancelled")
                      : r.complete  ? tr("No machine check reachable (complete search)")
                                    : tr("No machine check found; search incomplete"));
    m_text->setPlainText(report());
    setBusy(false);
    emit finished(r.found, r.complete);
}

QString ExplorePanel::report() const {
    if (!m_result || !m_lesson) return {};
    const std::string name = m_lesson->id + " (" + m_variant.toStdString() + ")";
    return QString::fromStdString(exploreSummary(name, *m_result, m_depth->value()));
}

void ExplorePanel::openTrace() {
    if (!m_result || !m_result->found || !m_lesson) return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::TempLocation);
    const QString path = QDir(dir).filePath(
        QStringLiteral("tlblab-%1-counterexample-%2.yaml").arg(QString::fromStdString(m_lesson->id), m_variant));
    QSaveFile f(path);
    const std::string yaml = scheduleLessonYaml(*m_lesson, m_variant.toStdString(), *m_result);
    if (!f.open(QIODevice::WriteOnly) || f.write(yaml.data(), static_cast<qint64>(yaml.size())) < 0 || !f.commit()) {
        m_status->setText(tr("Cannot write %1: %2").arg(path, f.errorString()));
        return;
    }
    emit openCounterexample(path, m_variant);
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ExplorePanel.hpp"

#include "CounterexampleFile.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryFile>
#include <QVBoxLayout>

#include <algorithm>

namespace tlblab::ui {

ExplorePanel::ExplorePanel(QWidget* parent)
    : QWidget(parent),
      m_variants(new QComboBox(this)),
      m_depth(new QSpinBox(this)),
      m_memory(new QSpinBox(this)),
      m_fine(new QCheckBox(tr("Fine-grained kernel &steps"), this)),
      m_run(new QPushButton(tr("&Explore"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_open(new QPushButton(tr("Open counterexample"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_text(new QPlainTextEdit(this)) {
    m_depth->setRange(1, 1000);
    m_depth->setValue(64);
    m_depth->setToolTip(tr("Longest schedule searched"));
    m_memory->setRange(16, 1 << 20);
    m_memory->setSuffix(tr(" MiB"));
    m_memory->setValue(static_cast<int>(std::min<u64>(defaultExploreMemoryBudget() >> 20, 1 << 20)));
    m_memory->setToolTip(tr("The search stops, incomplete, before it uses more memory than this"));
    m_fine->setToolTip(tr("Run the hotplug and TLB flush paths as their real steps: each flush IPI delivered and "
                          "acknowledged on its own, INIT, STARTUP and start_secondary, zap_low_mappings with its "
                          "flush (as tlblab-cli explore --fine). Slower; the counterexample shows where in the "
                          "window the speculation happens."));
    m_fine->setAccessibleName(tr("Fine-grained kernel steps"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_open->setToolTip(tr("Play the shortest schedule to the machine check step by step"));

    auto* form = new QFormLayout;
    form->addRow(tr("Variant"), m_variants);
    form->addRow(tr("Max depth"), m_depth);
    form->addRow(tr("Memory budget"), m_memory);
    form->addRow(QString(), m_fine);
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
    *m_cancel = true;  // the search stops early; m_jobs, destroyed first, joins it and drops its result
}

void ExplorePanel::setLesson(const Lesson& lesson) {
    // A search of the previous lesson stops; it winds down in the background, its result dropped.
    *m_cancel = true;
    m_jobs.cancel();
    m_busy = false;
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
    m_memory->setEnabled(!busy && can);
    m_fine->setEnabled(!busy && can);
    m_cancelButton->setEnabled(busy);
    m_open->setEnabled(!busy && m_result && m_result->found);
    if (busy) m_progress->setRange(0, 0);  // unknown total: a busy indicator
    else {
        m_progress->setRange(0, 1);
        m_progress->setValue(m_result && !m_result->cancelled ? 1 : 0);
    }
}

void ExplorePanel::run(const QString& variant) {
    if (m_busy || !m_lesson || !m_lesson->explore) return;
    m_variant = variant.isEmpty() ? m_variants->currentText() : variant;
    std::shared_ptr<ExploreProblem> problem;
    try {
        problem = std::make_shared<ExploreProblem>(problemFromLesson(*m_lesson, m_variant.toStdString(), m_fine->isChecked()));
    } catch (const OpError& e) {
        m_status->setText(tr("Cannot explore"));
        m_text->setPlainText(QString::fromStdString(e.format()));
        return;
    }
    auto cancel = std::make_shared<std::atomic<bool>>(false);  // this search's own: Cancel keeps its result
    m_cancel = cancel;
    m_result.reset();
    ExploreOptions o;
    o.maxDepth = m_depth->value();
    o.maxMemory = static_cast<u64>(m_memory->value()) << 20;
    o.cancel = cancel.get();
    o.progress = [this, cancel](const ExploreProgress& p) {
        // Queued to this panel, alive: m_jobs joins the search before the panel goes.
        QMetaObject::invokeMethod(
            this, [this, cancel, p]() { if (m_cancel == cancel) onProgress(p); }, Qt::QueuedConnection);
    };
    m_jobs.run([this, problem, o, cancel](const std::atomic<bool>&) -> BackgroundJobs::Finish {
        auto result = std::make_shared<ExploreResult>();
        QString error;
        try {
            *result = explore(*problem, o);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
            result.reset();
        }
        return [this, result, error] { onDone(result, error); };
    });
    m_busy = true;
    m_status->setText(tr("Exploring %1 ...").arg(m_variant));
    m_text->clear();
    setBusy(true);
}

void ExplorePanel::cancel() { *m_cancel = true; }

void ExplorePanel::setMemoryBudgetMiB(int mib) { m_memory->setValue(mib); }
int ExplorePanel::memoryBudgetMiB() const { return m_memory->value(); }
void ExplorePanel::setFineSteps(bool fine) { m_fine->setChecked(fine); }
bool ExplorePanel::fineSteps() const { return m_fine->isChecked(); }
QString ExplorePanel::statusText() const { return m_status->text(); }

void ExplorePanel::onProgress(const ExploreProgress& p) {
    if (!m_busy) return;
    m_status->setText(tr("Exploring %1: %2 states, frontier %3, depth %4, %5 states/s, %6 MiB of %7 MiB")
                          .arg(m_variant)
                          .arg(p.states)
                          .arg(p.frontier)
                          .arg(p.depth)
                          .arg(p.statesPerSecond, 0, 'f', 0)
                          .arg(static_cast<double>(p.memoryBytes) / 1048576.0, 0, 'f', 1)
                          .arg(m_memory->value()));
}

void ExplorePanel::onDone(const std::shared_ptr<ExploreResult>& result, const QString& error) {
    m_busy = false;
    m_result = result ? std::make_unique<ExploreResult>(std::move(*result)) : nullptr;
    if (!m_result) {
        m_status->setText(tr("Explore failed"));
        m_text->setPlainText(error);
        setBusy(false);
        emit finished(false, false);
        return;
    }
    const ExploreResult& r = *m_result;
    m_status->setText(r.found       ? tr("Machine check reachable (%1 steps)").arg(r.schedule.size())
                      : r.cancelled ? tr("Cancelled")
                      : r.complete  ? tr("No machine check reachable (complete search)")
                      : r.stop == ExploreStop::Memory
                          ? tr("No machine check within %1 states (search incomplete: memory budget reached)").arg(r.states)
                          : tr("No machine check within %1 states (search incomplete)").arg(r.states));
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
    QString error;
    auto file = writeCounterexampleFile(scheduleLessonYaml(*m_lesson, m_variant.toStdString(), *m_result), error);
    if (!file) {
        m_status->setText(tr("Cannot write the counterexample: %1").arg(error));
        return;
    }
    m_traceFile = std::move(file);  // removed with the panel or when the next one replaces it
    emit openCounterexample(m_traceFile->fileName(), m_variant);
}

}  // namespace tlblab::ui

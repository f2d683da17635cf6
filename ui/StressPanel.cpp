// SPDX-License-Identifier: GPL-3.0-or-later
#include "StressPanel.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <qcustomplot.h>

namespace tlblab::ui {

namespace {
const KernelVariant kVariants[] = {KernelVariant::Buggy, KernelVariant::FixFlush, KernelVariant::FixTrampoline};

void labelVariants(QCustomPlot* p, const QString& yLabel) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double x = 1;
    for (KernelVariant v : kVariants) ticker->addTick(x++, QString::fromUtf8(kernelVariantName(v)));
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(0.4, 3.6);
    p->yAxis->setLabel(yLabel);
}
}  // namespace

StressPanel::StressPanel(QWidget* parent)
    : QWidget(parent),
      m_cycles(new QSpinBox(this)),
      m_seed(new QSpinBox(this)),
      m_cpus(new QSpinBox(this)),
      m_activity(new QSpinBox(this)),
      m_model(new QComboBox(this)),
      m_run(new QPushButton(tr("&Run stress"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_crash(new QCustomPlot(this)),
      m_cost(new QCustomPlot(this)) {
    m_cycles->setRange(1000, 100000000);
    m_cycles->setSingleStep(10000);
    m_cycles->setValue(100000);
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(1);
    m_cpus->setRange(3, 16);
    m_cpus->setValue(3);
    m_activity->setRange(0, 1000);
    m_activity->setValue(3);
    m_activity->setToolTip(tr("Up to this many random task, idle and speculation steps around each hotplug step"));
    m_model->addItem(QStringLiteral("erratum383"));
    m_model->addItem(QStringLiteral("correct"));
    m_progress->setRange(0, 1);
    m_progress->setTextVisible(false);
    m_crash->setMinimumHeight(160);
    m_cost->setMinimumHeight(160);
    labelVariants(m_crash, tr("machine checks / 1000 cycles"));
    labelVariants(m_cost, tr("per context switch"));
    m_cost->legend->setVisible(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Hotplug cycles"), m_cycles);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("CPUs"), m_cpus);
    form->addRow(tr("Activity"), m_activity);
    form->addRow(tr("CPU model"), m_model);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_crash, 1);
    layout->addWidget(m_cost, 1);

    connect(m_run, &QPushButton::clicked, this, &StressPanel::run);
    connect(m_cancelButton, &QPushButton::clicked, this, &StressPanel::cancel);
    setBusy(false);
}

StressPanel::~StressPanel() {
    *m_cancel = true;  // the run stops early; m_jobs, destroyed first, joins it and drops its result
}

void StressPanel::setCycles(int cycles) { m_cycles->setValue(cycles); }
void StressPanel::setSeed(int seed) { m_seed->setValue(seed); }

void StressPanel::setBusy(bool busy) {
    m_run->setEnabled(!busy);
    m_cancelButton->setEnabled(busy);
    for (QWidget* w : {static_cast<QWidget*>(m_cycles), static_cast<QWidget*>(m_seed), static_cast<QWidget*>(m_cpus),
                       static_cast<QWidget*>(m_activity), static_cast<QWidget*>(m_model)})
        w->setEnabled(!busy);
    if (busy) m_progress->setRange(0, 0);
    else {
        m_progress->setRange(0, 1);
        m_progress->setValue(m_results.empty() ? 0 : 1);
    }
}

void StressPanel::run() {
    if (m_busy) return;
    StressOptions o;
    o.cycles = static_cast<u64>(m_cycles->value());
    o.seed = static_cast<u64>(m_seed->value());
    o.cpus = m_cpus->value();
    o.activity = m_activity->value();
    parseCpuModel(m_model->currentText().toStdString(), o.model);
    auto cancel = std::make_shared<std::atomic<bool>>(false);  // this run's own: Cancel keeps its results
    m_cancel = cancel;
    o.cancel = cancel.get();
    m_jobs.run([this, o, cancel](const std::atomic<bool>& stop) mutable -> BackgroundJobs::Finish {
        auto results = std::make_shared<std::vector<StressResult>>();
        for (KernelVariant v : kVariants) {
            if (*cancel || stop) break;
            o.variant = v;
            results->push_back(runStress(o));
        }
        return [this, results, cancelled = cancel->load()] { onDone(std::move(*results), cancelled); };
    });
    m_busy = true;
    m_status->setText(tr("Running %1 cycles per variant ...").arg(m_cycles->value()));
    setBusy(true);
}

void StressPanel::cancel() { *m_cancel = true; }

void StressPanel::onDone(std::vector<StressResult> results, bool cancelled) {
    m_busy = false;
    m_results = std::move(results);
    QStringList parts;
    double seconds = 0;
    u64 cycles = 0;
    for (const auto& r : m_results) {
        parts << tr("%1: %2 MCs").arg(QString::fromUtf8(kernelVariantName(r.variant))).arg(r.machineChecks);
        seconds += r.seconds;
        cycles += r.cycles;
    }
    m_status->setText((cancelled ? tr("Cancelled. ") : QString()) + parts.join(QStringLiteral(", ")) +
                      tr(" (%1 cycles/s)").arg(seconds > 0 ? static_cast<double>(cycles) / seconds : 0.0, 0, 'f', 0));
    plot();
    setBusy(false);
    emit finished();
}

void StressPanel::plot() {
    m_crash->clearPlottables();
    m_cost->clearPlottables();
    for (QCPBarsGroup* g : m_cost->findChildren<QCPBarsGroup*>()) delete g;
    auto* crash = new QCPBars(m_crash->xAxis, m_crash->yAxis);
    crash->setName(tr("machine checks / 1000 cycles"));
    crash->setBrush(QColor(0xc0, 0x39, 0x2b));
    double maxCrash = 0;
    for (std::size_t i = 0; i < m_results.size(); ++i) {
        crash->addData(static_cast<double>(i + 1), m_results[i].machineChecksPer1000());
        maxCrash = std::max(maxCrash, m_results[i].machineChecksPer1000());
    }
    m_crash->yAxis->setRange(0, maxCrash > 0 ? maxCrash * 1.15 : 1.0);

    struct Metric {
        QString name;
        u64 CpuStats::*field;
        QColor color;
    };
    const Metric metrics[] = {
        {tr("misses"), &CpuStats::misses, QColor(0x29, 0x80, 0xb9)},
        {tr("walks"), &CpuStats::walks, QColor(0x27, 0xae, 0x60)},
        {tr("global flushes"), &CpuStats::flushAll, QColor(0xe6, 0x7e, 0x22)},
        {tr("CR3 flushes"), &CpuStats::flushNonGlobal, QColor(0x8e, 0x44, 0xad)},
    };
    auto* group = new QCPBarsGroup(m_cost);
    double maxCost = 0;
    for (const auto& m : metrics) {
        auto* bars = new QCPBars(m_cost->xAxis, m_cost->yAxis);
        bars->setName(m.name);
        bars->setBrush(m.color);
        bars->setWidth(0.18);
        bars->setBarsGroup(group);
        for (std::size_t i = 0; i < m_results.size(); ++i) {
            const double v = m_results[i].perSwitch(m_results[i].stats.*m.field);
            bars->addData(static_cast<double>(i + 1), v);
            maxCost = std::max(maxCost, v);
        }
    }
    m_cost->yAxis->setRange(0, maxCost > 0 ? maxCost * 1.15 : 1.0);
    m_crash->replot();
    m_cost->replot();
}

}  // namespace tlblab::ui

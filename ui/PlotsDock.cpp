// SPDX-License-Identifier: GPL-3.0-or-later
#include "PlotsDock.hpp"

#include "SessionController.hpp"
#include "SessionLoader.hpp"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QThread>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <sstream>

namespace tlblab::ui {

// ---- data (pure) -----------------------------------------------------------------------------

FixCost fixCostOf(const SessionData& d) {
    FixCost f;
    f.variant = d.variant;
    if (d.stats.empty()) return f;
    for (const CpuStats& c : d.stats.back().cpu) {
        f.contextSwitches += c.contextSwitches;
        f.misses += c.misses;
        f.walks += c.walks;
        f.flushAll += c.flushAll;
    }
    return f;
}

namespace {
CpuStats statsAt(const PositionStats& p, int cpu) {
    if (cpu >= 0) return cpu < static_cast<int>(p.cpu.size()) ? p.cpu[static_cast<std::size_t>(cpu)] : CpuStats{};
    CpuStats sum;
    for (const auto& c : p.cpu) sum += c;
    return sum;
}
Occupancy occAt(const PositionStats& p, int cpu) {
    if (cpu >= 0) return cpu < static_cast<int>(p.occupancy.size()) ? p.occupancy[static_cast<std::size_t>(cpu)] : Occupancy{};
    Occupancy sum;
    for (const auto& o : p.occupancy) {
        sum.k4Global += o.k4Global;
        sum.k4NonGlobal += o.k4NonGlobal;
        sum.m2Global += o.m2Global;
        sum.m2NonGlobal += o.m2NonGlobal;
    }
    return sum;
}
}  // namespace

std::vector<Series> seriesFor(const SessionData& d, PlotKind kind, int cpu) {
    std::vector<Series> out;
    if (kind == PlotKind::FixCost) return out;
    // x = 0 (set-up) .. steps.size()
    std::vector<const PositionStats*> at;
    for (int s = -1; s < static_cast<int>(d.steps.size()); ++s) {
        const std::size_t pos = d.positionOfStep(s);
        if (pos < d.stats.size()) at.push_back(&d.stats[pos]);
    }
    auto add = [&](const char* name, auto get) {
        Series s{name, {}};
        for (const PositionStats* p : at) s.y.push_back(static_cast<double>(get(*p)));
        out.push_back(std::move(s));
    };
    if (kind == PlotKind::Occupancy) {
        add("4K global", [cpu](const PositionStats& p) { return occAt(p, cpu).k4Global; });
        add("4K non-global", [cpu](const PositionStats& p) { return occAt(p, cpu).k4NonGlobal; });
        add("2M global", [cpu](const PositionStats& p) { return occAt(p, cpu).m2Global; });
        add("2M non-global", [cpu](const PositionStats& p) { return occAt(p, cpu).m2NonGlobal; });
    } else {
        add("lookups", [cpu](const PositionStats& p) { return statsAt(p, cpu).lookups; });
        add("misses", [cpu](const PositionStats& p) { return statsAt(p, cpu).misses; });
        add("walks", [cpu](const PositionStats& p) { return statsAt(p, cpu).walks; });
        add("fills (walk)", [cpu](const PositionStats& p) { return statsAt(p, cpu).fillsDemand; });
        add("fills (speculation)", [cpu](const PositionStats& p) { return statsAt(p, cpu).fillsSpeculative; });
        add("flushes non-global", [cpu](const PositionStats& p) { return statsAt(p, cpu).flushNonGlobal; });
        add("flushes all", [cpu](const PositionStats& p) { return statsAt(p, cpu).flushAll; });
        add("invlpg", [cpu](const PositionStats& p) { return statsAt(p, cpu).invlpg; });
        add("flushes page fault", [cpu](const PositionStats& p) { return statsAt(p, cpu).flushPageFault; });
    }
    return out;
}

namespace {
std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}
}  // namespace

std::string seriesCsv(const std::vector<Series>& s, const std::string& xName) {
    std::ostringstream o;
    o << csvField(xName);
    for (const auto& x : s) o << ',' << csvField(x.name);
    o << '\n';
    const std::size_t n = s.empty() ? 0 : s.front().y.size();
    for (std::size_t i = 0; i < n; ++i) {
        o << i;
        for (const auto& x : s) o << ',' << (i < x.y.size() ? x.y[i] : 0.0);
        o << '\n';
    }
    return o.str();
}

// ---- the dock --------------------------------------------------------------------------------

PlotsDock::PlotsDock(SessionController* controller, QWidget* parent)
    : QWidget(parent),
      m_controller(controller),
      m_plot(new QCustomPlot(this)),
      m_kindBox(new QComboBox(this)),
      m_cpuBox(new QComboBox(this)),
      m_note(new QLabel(this)) {
    setObjectName(QStringLiteral("plots"));
    m_kindBox->addItem(tr("TLB occupancy"), static_cast<int>(PlotKind::Occupancy));
    m_kindBox->addItem(tr("Cumulative counters"), static_cast<int>(PlotKind::Counters));
    m_kindBox->addItem(tr("Fix cost (lesson 5)"), static_cast<int>(PlotKind::FixCost));
    auto* png = new QPushButton(tr("PNG..."), this);
    auto* pdf = new QPushButton(tr("PDF..."), this);
    auto* csvB = new QPushButton(tr("CSV..."), this);
    m_note->setWordWrap(true);
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* top = new QHBoxLayout;
    top->addWidget(m_kindBox);
    top->addWidget(m_cpuBox);
    top->addWidget(m_note, 1);
    top->addWidget(png);
    top->addWidget(pdf);
    top->addWidget(csvB);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(2, 2, 2, 2);
    lay->addLayout(top);
    lay->addWidget(m_plot, 1);
    m_plot->setMinimumHeight(160);
    m_plot->legend->setVisible(true);
    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setPen(QPen(QColor(0xe5, 0x39, 0x35), 2));
    connect(m_kindBox, &QComboBox::activated, this,
            [this](int i) { setKind(static_cast<PlotKind>(m_kindBox->itemData(i).toInt())); });
    connect(m_cpuBox, &QComboBox::activated, this, [this](int i) { setCpu(m_cpuBox->itemData(i).toInt()); });
    connect(png, &QPushButton::clicked, this, [this] { exportDialog(QStringLiteral("png")); });
    connect(pdf, &QPushButton::clicked, this, [this] { exportDialog(QStringLiteral("pdf")); });
    connect(csvB, &QPushButton::clicked, this, [this] { exportDialog(QStringLiteral("csv")); });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (m_kind == PlotKind::FixCost || !m_data) return;
        const double x = m_plot->xAxis->pixelToCoord(e->position().x());
        const int step = static_cast<int>(std::lround(x)) - 1;
        m_controller->seekStep(std::clamp(step, -1, static_cast<int>(m_data->steps.size()) - 1));
    });
    applyPalette();
}

void PlotsDock::showSnapshot(const SnapshotPtr& snap) {
    m_snap = snap;
    if (!snap) return;
    if (snap->session != m_data) {
        const bool newLesson = !m_data || m_data->id != snap->session->id || m_data->variant != snap->session->variant;
        m_data = snap->session;
        const int cpus = static_cast<int>(snap->machine.cpus().size());
        if (m_cpuBox->count() != cpus + 1) {
            m_cpuBox->clear();
            m_cpuBox->addItem(tr("all CPUs"), -1);
            for (int c = 0; c < cpus; ++c) m_cpuBox->addItem(QStringLiteral("cpu%1").arg(c), c);
            m_cpu = std::min(m_cpu, cpus - 1);
        }
        m_cpuBox->setCurrentIndex(m_cpuBox->findData(m_cpu));
        if (newLesson) m_fixCosts.clear();
        rebuild();
    }
    updateCursor();
}

void PlotsDock::setKind(PlotKind k) {
    m_kind = k;
    m_kindBox->setCurrentIndex(m_kindBox->findData(static_cast<int>(k)));
    m_cpuBox->setEnabled(k != PlotKind::FixCost);
    rebuild();
    updateCursor();
}

void PlotsDock::setCpu(int cpu) {
    m_cpu = cpu;
    m_cpuBox->setCurrentIndex(m_cpuBox->findData(cpu));
    rebuild();
    updateCursor();
}

void PlotsDock::applyPalette() {
    const QPalette pal = palette();
    const QColor fg = pal.color(QPalette::WindowText), bg = pal.color(QPalette::Base);
    m_plot->setBackground(bg);
    for (QCPAxis* a : {m_plot->xAxis, m_plot->yAxis}) {
        a->setBasePen(QPen(fg));
        a->setTickPen(QPen(fg));
        a->setSubTickPen(QPen(fg));
        a->setTickLabelColor(fg);
        a->setLabelColor(fg);
    }
    m_plot->legend->setBrush(bg);
    m_plot->legend->setTextColor(fg);
    m_plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotsDock::rebuild() {
    m_plot->clearGraphs();
    m_plot->clearPlottables();
    m_series.clear();
    static const QColor colors[] = {QColor(0x1e, 0x88, 0xe5), QColor(0x43, 0xa0, 0x47), QColor(0xfb, 0x8c, 0x00),
                                    QColor(0x8e, 0x24, 0xaa), QColor(0xe5, 0x39, 0x35), QColor(0x00, 0xac, 0xc1),
                                    QColor(0x6d, 0x4c, 0x41), QColor(0xc0, 0xca, 0x33), QColor(0x75, 0x75, 0x75)};
    if (m_kind == PlotKind::FixCost) {
        m_cursor->setVisible(false);
        if (m_fixCosts.empty()) {
            computeFixCosts();
            m_plot->replot();
            return;
        }
        m_note->setText(tr("%1: misses and walks per context switch, summed over CPUs")
                            .arg(QString::fromStdString(m_fixCostLesson)));
        QVector<double> ticks;
        QVector<QString> labels;
        for (std::size_t i = 0; i < m_fixCosts.size(); ++i) {
            ticks << static_cast<double>(i + 1);
            labels << QString::fromStdString(m_fixCosts[i].variant);
        }
        auto* misses = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        auto* walks = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        misses->setName(tr("misses per context switch"));
        walks->setName(tr("walks per context switch"));
        misses->setBrush(colors[4]);
        walks->setBrush(colors[0]);
        auto* group = new QCPBarsGroup(m_plot);
        misses->setBarsGroup(group);
        walks->setBarsGroup(group);
        misses->setWidth(0.3);
        walks->setWidth(0.3);
        Series sm{"misses per context switch", {}}, sw{"walks per context switch", {}};
        for (std::size_t i = 0; i < m_fixCosts.size(); ++i) {
            misses->addData(ticks[static_cast<int>(i)], m_fixCosts[i].missesPerSwitch());
            walks->addData(ticks[static_cast<int>(i)], m_fixCosts[i].walksPerSwitch());
            sm.y.push_back(m_fixCosts[i].missesPerSwitch());
            sw.y.push_back(m_fixCosts[i].walksPerSwitch());
        }
        m_series = {sm, sw};
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        ticker->addTicks(ticks, labels);
        m_plot->xAxis->setTicker(ticker);
        m_plot->xAxis->setLabel(tr("kernel variant"));
        m_plot->yAxis->setLabel(tr("per context switch"));
        m_plot->xAxis->setRange(0.3, static_cast<double>(m_fixCosts.size()) + 0.7);
        m_plot->yAxis->rescale();
        m_plot->yAxis->setRangeLower(0);
        m_plot->yAxis->setRangeUpper(m_plot->yAxis->range().upper * 1.15 + 0.1);
        m_plot->replot();
        return;
    }
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_cursor->setVisible(true);
    m_note->setText(m_kind == PlotKind::Occupancy ? tr("entries in the TLB after each step")
                                                  : tr("cumulative counts after each step"));
    if (!m_data) {
        m_plot->replot();
        return;
    }
    m_series = seriesFor(*m_data, m_kind, m_cpu);
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        QCPGraph* g = m_plot->addGraph();
        g->setName(QString::fromStdString(m_series[i].name));
        g->setPen(QPen(colors[i % std::size(colors)], 2));
        g->setLineStyle(QCPGraph::lsStepLeft);
        for (std::size_t x = 0; x < m_series[i].y.size(); ++x) g->addData(static_cast<double>(x), m_series[i].y[x]);
    }
    m_plot->xAxis->setLabel(tr("lesson step (0 = set-up)"));
    m_plot->yAxis->setLabel(m_kind == PlotKind::Occupancy ? tr("TLB entries") : tr("count"));
    m_plot->xAxis->setRange(0, std::max<double>(1.0, static_cast<double>(m_data->steps.size())));
    m_plot->yAxis->rescale();
    m_plot->yAxis->setRangeLower(0);
    m_plot->yAxis->setRangeUpper(std::max(1.0, m_plot->yAxis->range().upper * 1.1));
    m_plot->replot();
}

void PlotsDock::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    if (m_cursorStale) updateCursor();
}

double PlotsDock::cursorX() const { return m_cursor->point1->coords().x(); }

void PlotsDock::updateCursor() {
    if (!m_snap || m_kind == PlotKind::FixCost) return;
    if (!isVisible()) {
        m_cursorStale = true;  // replotted when shown
        return;
    }
    m_cursorStale = false;
    const double x = m_snap->step + 1;
    m_cursor->point1->setCoords(x, 0);
    m_cursor->point2->setCoords(x, 1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotsDock::computeFixCosts() {
    if (m_fixCostRunning) return;
    m_fixCostRunning = true;
    m_note->setText(tr("computing the fix cost ..."));
    const std::string current = m_data ? m_data->sourcePath : std::string();
    QThread* worker = QThread::create([this, current] {
        std::vector<FixCost> costs;
        std::string lessonName, error;
        try {
            // The lesson 5 of the bundle (order 5) when there is one, else any lesson offering both
            // fixes, preferring the one open now.
            std::vector<std::string> candidates;
            for (const std::string& p : bundledLessons()) {
                const Lesson l = loadLesson(p);
                if (l.variant("fix-flush") && l.variant("fix-trampoline"))
                    candidates.insert(l.order == 5 ? candidates.begin() : candidates.end(), p);
            }
            if (candidates.empty() && !current.empty()) candidates.push_back(current);
            if (candidates.empty()) throw std::runtime_error("no lesson has the variants fix-flush and fix-trampoline");
            for (const char* v : {"fix-flush", "fix-trampoline"}) {
                const LoadedSession s = loadSession(candidates.front(), v);
                costs.push_back(fixCostOf(*s.data));
                lessonName = s.data->title;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        QMetaObject::invokeMethod(
            this, [this, costs, lessonName, error] {
                m_fixCostRunning = false;
                if (!error.empty()) {
                    m_note->setText(QString::fromStdString(error));
                    return;
                }
                m_fixCosts = costs;
                m_fixCostLesson = lessonName;
                if (m_kind == PlotKind::FixCost) rebuild();
                emit fixCostsReady();
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

QString PlotsDock::csv() const {
    if (m_kind == PlotKind::FixCost) {
        std::ostringstream o;
        o << "variant,context_switches,misses,walks,flush_all,misses_per_switch,walks_per_switch\n";
        for (const auto& f : m_fixCosts)
            o << f.variant << ',' << f.contextSwitches << ',' << f.misses << ',' << f.walks << ',' << f.flushAll << ','
              << f.missesPerSwitch() << ',' << f.walksPerSwitch() << '\n';
        return QString::fromStdString(o.str());
    }
    return QString::fromStdString(seriesCsv(m_series, "step"));
}

namespace {
bool writeAtomic(const QString& path, const QByteArray& data, QString* error) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        if (error) *error = QObject::tr("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}
}  // namespace

bool PlotsDock::exportPng(const QString& path, QString* error) {
    QByteArray bytes;
    QBuffer buf(&bytes);
    buf.open(QIODevice::WriteOnly);
    if (!m_plot->toPixmap(0, 0, 2.0).save(&buf, "PNG")) {
        if (error) *error = tr("cannot render the plot");
        return false;
    }
    return writeAtomic(path, bytes, error);
}

bool PlotsDock::exportPdf(const QString& path, QString* error) {
    // QCustomPlot writes the PDF itself; write it aside, then move it in atomically.
    QTemporaryDir dir;
    const QString tmp = dir.filePath(QStringLiteral("plot.pdf"));
    if (!dir.isValid() || !m_plot->savePdf(tmp)) {
        if (error) *error = tr("cannot render the plot as PDF");
        return false;
    }
    QFile in(tmp);
    if (!in.open(QIODevice::ReadOnly)) {
        if (error) *error = in.errorString();
        return false;
    }
    return writeAtomic(path, in.readAll(), error);
}

bool PlotsDock::exportCsv(const QString& path, QString* error) { return writeAtomic(path, csv().toUtf8(), error); }

void PlotsDock::exportDialog(const QString& format) {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), QStringLiteral("plot.") + format,
                                                      format.toUpper() + QStringLiteral(" (*.") + format + QStringLiteral(")"));
    if (path.isEmpty()) return;
    QString error;
    const bool ok = format == QLatin1String("png")   ? exportPng(path, &error)
                    : format == QLatin1String("pdf") ? exportPdf(path, &error)
                                                     : exportCsv(path, &error);
    m_note->setText(ok ? tr("written %1").arg(path) : error);
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
#include "CompareView.hpp"

#include "MachineCanvas.hpp"

#include "tlblab/scene_compare.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace tlblab::ui {

CompareView::CompareView(SessionController* primary, QWidget* parent)
    : QWidget(parent),
      m_primary(primary),
      m_controller(new SessionController(this)),
      m_canvas(new MachineCanvas(this)),
      m_variants(new QComboBox(this)),
      m_label(new QLabel(this)) {
    setObjectName(QStringLiteral("compare"));
    m_canvas->setObjectName(QStringLiteral("compareCanvas"));
    m_canvas->setWindowKeys(false);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Compare with variant:"), this));
    top->addWidget(m_variants);
    top->addWidget(m_label, 1);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addLayout(top);
    lay->addWidget(m_canvas, 1);
    connect(m_variants, &QComboBox::activated, this, [this](int i) { setVariant(m_variants->itemData(i).toString()); });
    connect(m_primary, &SessionController::loaded, this, [this] {
        updateVariants();
        if (m_active) reload();
    });
    connect(m_primary, &SessionController::snapshotChanged, this, [this] { follow(); });
    connect(m_controller, &SessionController::snapshotChanged, this, [this](const SnapshotPtr& s) {
        m_canvas->showSnapshot(s, true);
        const StepInfo* info = s->stepInfo();
        m_label->setText(info ? tr("step %1: %2").arg(s->step + 1).arg(QString::fromStdString(info->title))
                              : tr("set-up"));
        updateMarks();
    });
    connect(m_canvas, &MachineCanvas::sceneChanged, this, [this] { updateMarks(); });
    connect(m_controller, &SessionController::loadFailed, m_label, &QLabel::setText);
    // The primary may have moved while this side was loading: catch up once it is loaded.
    connect(m_controller, &SessionController::loaded, this, [this] { follow(); });
}

void CompareView::setPrimaryCanvas(MachineCanvas* c) {
    if (m_primaryCanvas == c) return;
    if (m_primaryCanvas) disconnect(m_primaryCanvas, nullptr, this, nullptr);
    m_primaryCanvas = c;
    if (c) connect(c, &MachineCanvas::sceneChanged, this, [this] { updateMarks(); });
}

void CompareView::updateVariants() {
    m_variants->clear();
    const auto d = m_primary->session();
    if (!d) return;
    for (const auto& [name, desc] : d->variants) m_variants->addItem(QString::fromStdString(name), QString::fromStdString(name));
    // Default: the first variant that is not the primary's.
    if (m_variant.isEmpty() || m_variants->findData(m_variant) < 0 || m_variant == QString::fromStdString(d->variant)) {
        m_variant.clear();
        for (const auto& [name, desc] : d->variants)
            if (name != d->variant) {
                m_variant = QString::fromStdString(name);
                break;
            }
    }
    m_variants->setCurrentIndex(m_variants->findData(m_variant));
    updateCaptions();
}

void CompareView::setActive(bool on) {
    m_active = on;
    if (!m_primaryCanvas && window()) setPrimaryCanvas(window()->findChild<MachineCanvas*>(QStringLiteral("canvas")));
    // Stacked, each canvas at the full width: two half-width panes are too small to read.
    if (auto* split = qobject_cast<QSplitter*>(parentWidget())) split->setOrientation(on ? Qt::Vertical : Qt::Horizontal);
    setVisible(on);
    if (on) {
        updateVariants();
        reload();
    } else {
        m_controller->pause();
        if (m_primaryCanvas) {
            m_primaryCanvas->setCompareMarks({});
            m_primaryCanvas->setCaption({});
        }
    }
    updateCaptions();
}

void CompareView::setVariant(const QString& variant) {
    m_variant = variant;
    m_variants->setCurrentIndex(m_variants->findData(variant));
    updateCaptions();
    if (m_active) reload();
}

void CompareView::updateCaptions() {
    m_canvas->setCaption(m_variant);
    if (m_primaryCanvas) {
        const auto d = m_primary->session();
        m_primaryCanvas->setCaption(m_active && d ? QString::fromStdString(d->variant) : QString());
    }
}

void CompareView::updateMarks() {
    if (!m_active || !m_primaryCanvas || m_primaryCanvas->scene().items.empty() || m_canvas->scene().items.empty()) {
        m_differences = 0;
        return;
    }
    CompareDiff d = diffForCompare(m_primaryCanvas->scene(), m_canvas->scene());
    const int n = static_cast<int>(std::max(d.a.size(), d.b.size()));
    m_primaryCanvas->setCompareMarks(std::move(d.a));
    m_canvas->setCompareMarks(std::move(d.b));
    if (n != m_differences) {
        m_differences = n;
        emit differencesChanged(n);
    }
}

void CompareView::reload() {
    if (m_primary->what().isEmpty()) return;
    m_controller->load(m_primary->what(), m_variant, m_primary->step());
}

void CompareView::follow() {
    if (!m_active || !m_controller->hasSession() || m_controller->isLoading()) return;
    m_controller->seekStep(m_primary->step());
}

}  // namespace tlblab::ui

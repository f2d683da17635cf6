// SPDX-License-Identifier: GPL-3.0-or-later
#include "CompareView.hpp"

#include "MachineCanvas.hpp"
#include "SnapshotScene.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
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
        m_canvas->setScene(sceneFor(*s), true);
        const StepInfo* info = s->stepInfo();
        m_label->setText(info ? tr("step %1: %2").arg(s->step + 1).arg(QString::fromStdString(info->title))
                              : tr("set-up"));
    });
    connect(m_controller, &SessionController::loadFailed, m_label, &QLabel::setText);
    // The primary may have moved while this side was loading: catch up once it is loaded.
    connect(m_controller, &SessionController::loaded, this, [this] { follow(); });
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
}

void CompareView::setActive(bool on) {
    m_active = on;
    setVisible(on);
    if (on) {
        updateVariants();
        reload();
    } else {
        m_controller->pause();
    }
}

void CompareView::setVariant(const QString& variant) {
    m_variant = variant;
    m_variants->setCurrentIndex(m_variants->findData(variant));
    if (m_active) reload();
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

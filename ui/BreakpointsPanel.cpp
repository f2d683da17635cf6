// SPDX-License-Identifier: GPL-3.0-or-later
#include "BreakpointsPanel.hpp"

#include "SessionController.hpp"

#include "tlblab/ops.hpp"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>

namespace tlblab::ui {

BreakpointsPanel::BreakpointsPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent),
      m_controller(controller),
      m_kind(new QComboBox(this)),
      m_cpu(new QSpinBox(this)),
      m_address(new QLineEdit(this)),
      m_list(new QListWidget(this)),
      m_status(new QLabel(this)) {
    setObjectName(QStringLiteral("breakpoints"));
    for (BreakOn b : allBreakOns()) {
        QString name = QString::fromLatin1(breakOnName(b));
        name.replace(QLatin1Char('_'), QLatin1Char(' '));
        m_kind->addItem(name, static_cast<int>(b));
    }
    m_cpu->setRange(-1, kMaxCpus - 1);
    m_cpu->setSpecialValueText(tr("any CPU"));
    m_cpu->setValue(-1);
    m_address->setPlaceholderText(tr("linear address (optional)"));
    m_status->setWordWrap(true);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* add = new QPushButton(tr("Add"), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    auto* run = new QPushButton(tr("Run to breakpoint"), this);
    auto* lay = new QGridLayout(this);
    lay->setContentsMargins(2, 2, 2, 2);
    lay->addWidget(m_kind, 0, 0);
    lay->addWidget(m_cpu, 0, 1);
    lay->addWidget(m_address, 0, 2);
    lay->addWidget(add, 0, 3);
    lay->addWidget(m_list, 1, 0, 1, 4);
    lay->addWidget(remove, 2, 0);
    lay->addWidget(run, 2, 1);
    lay->addWidget(m_status, 2, 2, 1, 2);
    connect(add, &QPushButton::clicked, this, &BreakpointsPanel::addFromForm);
    connect(m_address, &QLineEdit::returnPressed, this, &BreakpointsPanel::addFromForm);
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row >= 0) m_controller->removeBreakpoint(static_cast<std::size_t>(row));
    });
    connect(run, &QPushButton::clicked, this, [this] {
        if (m_controller->runToBreakpoint() < 0) m_status->setText(tr("no breakpoint hit: at the end"));
    });
    connect(m_controller, &SessionController::breakpointsChanged, this, &BreakpointsPanel::refresh);
    connect(m_controller, &SessionController::breakpointHit, this, [this](int, const QString& d) {
        m_status->setText(tr("stopped at %1 (op %2)").arg(d).arg(m_controller->position()));
    });
    refresh();
}

void BreakpointsPanel::addFromForm() {
    Breakpoint bp;
    bp.on = static_cast<BreakOn>(m_kind->currentData().toInt());
    bp.cpu = m_cpu->value();
    const QString a = m_address->text().trimmed();
    if (!a.isEmpty()) {
        u64 v = 0;
        if (!parseNumber(a.toStdString(), v) || v > 0xffffffffu) {
            m_status->setText(tr("error: '%1' is not a 32-bit linear address").arg(a));
            return;
        }
        bp.address = static_cast<u32>(v);
    } else if (bp.on == BreakOn::Address) {
        m_status->setText(tr("error: an address breakpoint needs an address"));
        return;
    }
    m_status->clear();
    m_controller->addBreakpoint(bp);
}

void BreakpointsPanel::refresh() {
    m_list->clear();
    for (const auto& bp : m_controller->breakpoints()) m_list->addItem(QString::fromStdString(bp.describe()));
}

}  // namespace tlblab::ui

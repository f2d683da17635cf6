// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChangesList.hpp"

#include "EventStyle.hpp"

#include <QPalette>

namespace tlblab::ui {

ChangesList::ChangesList(QWidget* parent) : QListWidget(parent) {
    setObjectName(QStringLiteral("changes"));
    setAlternatingRowColors(true);
    setWordWrap(true);
}

void ChangesList::setShowDetails(bool on) {
    m_details = on;
    showSnapshot(m_snap);
}

void ChangesList::showSnapshot(const SnapshotPtr& snap) {
    m_snap = snap;
    clear();
    if (!snap) return;
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    // A step can hold a million events (a 4 GiB map of 4K pages): list the first ones only.
    constexpr int kMaxRows = 2000;
    int hidden = 0;
    for (const Event& e : snap->stepEvents) {
        const int w = eventWeight(e);
        if (w == 0 && !m_details) continue;
        if (count() >= kMaxRows) {
            ++hidden;
            continue;
        }
        auto* item = new QListWidgetItem(QString::fromStdString(describe(e)), this);
        if (w >= 2) item->setForeground(eventColor(e, dark));
        if (w >= 3) {
            QFont f = font();
            f.setBold(true);
            item->setFont(f);
        }
    }
    if (hidden > 0) addItem(tr("... and %1 more changes").arg(hidden));
    if (count() == 0) addItem(tr("(nothing changed)"));
}

QStringList ChangesList::lines() const {
    QStringList out;
    for (int i = 0; i < count(); ++i) out << item(i)->text();
    return out;
}

}  // namespace tlblab::ui

// SPDX-License-Identifier: GPL-3.0-or-later
// What the current step changed, one line per event in hardware terms (tlblab::describe).
#pragma once

#include "Session.hpp"

#include <QListWidget>

namespace tlblab::ui {

class ChangesList : public QListWidget {
    Q_OBJECT
public:
    explicit ChangesList(QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);
    void setShowDetails(bool on);  // also hits, kernel enter/exit, ...
    QStringList lines() const;

private:
    SnapshotPtr m_snap;
    bool m_details = false;
};

}  // namespace tlblab::ui

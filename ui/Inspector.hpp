// SPDX-License-Identifier: GPL-3.0-or-later
// Details of what was clicked: a TLB entry with the walk that created it and the table entries
// it came from (and whether they still say the same), or a table entry with the TLB entries
// derived from it on every CPU.
#pragma once

#include "Session.hpp"
#include "tlblab/diagram.hpp"

#include <QWidget>

class QTextBrowser;

namespace tlblab::ui {

// The texts (HTML) of the inspector, as pure functions of a machine.
QString inspectTlbEntryHtml(const Machine& m, int cpu, u32 entryId);
QString inspectTableEntryHtml(const Machine& m, u64 entryPa);

class Inspector : public QWidget {
    Q_OBJECT
public:
    explicit Inspector(QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);  // refreshes what is inspected
    // What a scene item shows (SceneItem::ref): a TLB entry or a table entry. False for anything else.
    bool inspect(const SceneRef& ref);
    void inspectTlbEntry(int cpu, u32 entryId);
    void inspectTableEntry(u64 entryPa);
    QString plainText() const;

private:
    void refresh();
    enum class What { None, Tlb, Table } m_what = What::None;
    int m_cpu = -1;
    u32 m_entryId = 0;
    u64 m_entryPa = 0;
    SnapshotPtr m_snap;
    QTextBrowser* m_text;
};

}  // namespace tlblab::ui

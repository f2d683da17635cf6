// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/diagram.hpp"
#include "tlblab/markup.hpp"
#include "tlblab/ops.hpp"
#include "tlblab/queries.hpp"
#include "tlblab/walker.hpp"

#include "Inspector.hpp"

#include <QTextBrowser>
#include <QVBoxLayout>

namespace tlblab::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(xmlEscape(s)); }
QString hx(u64 v) { return QString::fromStdString(hex32(v)); }

QString tableOf(const Machine& m, u64 entryPa) {
    const u64 table = pae::tableOfEntry(entryPa);
    const auto name = m.memory().nameOf(table);
    return name ? q(*name) : QObject::tr("frame %1").arg(hx(table));
}

QString entryRow(const Machine& m, const char* level, u64 entryPa, int lvl) {
    const u64 raw = m.memory().read64(entryPa);
    return QStringLiteral("<tr><td>%1</td><td>%2[%3]</td><td><code>%4</code></td><td>%5</td></tr>")
        .arg(QLatin1String(level), tableOf(m, entryPa))
        .arg(pae::indexOfEntry(entryPa))
        .arg(QString::fromStdString(hex(raw)), q(pae::describeEntry(raw, lvl)));
}
}  // namespace

QString inspectTlbEntryHtml(const Machine& m, int cpu, u32 entryId) {
    if (cpu < 0 || cpu >= static_cast<int>(m.cpus().size())) return QObject::tr("No such CPU.");
    const Cpu& c = m.cpu(cpu);
    const TlbEntryRef found = findTlbEntry(c, entryId);
    if (!found.entry)
        return QObject::tr("<p>TLB entry #%1 is no longer in cpu%2's TLB at this step.</p>").arg(entryId).arg(cpu);
    const TlbEntry& e = *found.entry;
    QString h = QObject::tr("<h3>cpu%1 TLB entry #%2 (%3)</h3>").arg(cpu).arg(entryId).arg(q(found.array));
    h += QObject::tr("<p>Linear page <code>%1</code> (%2) &rarr; frame <code>%3</code><br>"
                     "%4, %5, %6%7%8<br>Filled at op %9 by %10.</p>")
             .arg(hx(e.va), QLatin1String(pageSizeName(e.size)), QString::fromStdString(hex(e.pa)),
                  e.global ? QObject::tr("<b>global</b>") : QObject::tr("non-global"),
                  e.user ? QObject::tr("user") : QObject::tr("<b>supervisor-only</b>"),
                  e.writable ? QObject::tr("writable") : QObject::tr("read-only"), e.nx ? QObject::tr(", NX") : QString(),
                  e.dirty ? QObject::tr(", dirty") : QString())
             .arg(e.step)
             .arg(e.origin == Origin::Speculative ? QObject::tr("<b>speculation</b>") : QObject::tr("a demand walk"));
    const auto pdpt = m.memory().nameOf(pae::tableOfEntry(pae::pdptBase(e.cr3)));
    h += QObject::tr("<p><b>The walk that created it</b>: CR3 = <code>%1</code> (%2)</p>")
             .arg(hx(e.cr3), pdpt ? q(*pdpt) : QObject::tr("unnamed table"));
    h += QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th>%1</th><th>%2</th><th>%3</th><th>%4</th></tr>")
             .arg(QObject::tr("level"), QObject::tr("entry"), QObject::tr("value now"), QObject::tr("bits now"));
    const std::array<u64, 3> read = walkEntryAddresses(e);
    h += entryRow(m, "PDPTE", read[0], 0);
    if (read[1]) h += entryRow(m, "PDE", read[1], 1);
    if (read[2]) h += entryRow(m, "PTE", read[2], 2);
    h += QStringLiteral("</table>");
    // Does the same walk still give this translation?
    const StaleCheck stale = checkStale(m.memory(), c, e);
    const WalkResult& w = stale.now;
    if (stale.state == Staleness::WalkFails)
        h += QObject::tr("<p><b>Stale:</b> the same walk now fails (%1): the tables no longer map this page, "
                         "but the TLB still holds the entry.</p>")
                 .arg(q(pae::describeErrorCode(w.errorCode)));
    else if (stale.state == Staleness::Differs)
        h += QObject::tr("<p><b>Stale:</b> the same walk now gives %1 &rarr; %2%3%4: the tables changed after the fill.</p>")
                 .arg(QLatin1String(pageSizeName(w.size)), QString::fromStdString(hex(w.frame)),
                      w.global ? QObject::tr(", global") : QString(), w.user ? QObject::tr(", user") : QObject::tr(", supervisor"));
    else
        h += QObject::tr("<p>The tables still give the same translation.</p>");
    const TlbMatches mm = c.tlb.lookup(e.va);
    if (mm.count > 1)
        h += QObject::tr("<p style=\"color:#d32f2f\"><b>%1 entries of cpu%2 cover %3: a multimatch.</b></p>")
                 .arg(mm.count)
                 .arg(cpu)
                 .arg(hx(e.va));
    return h;
}

QString inspectTableEntryHtml(const Machine& m, u64 entryPa) {
    const u64 raw = m.memory().read64(entryPa);
    QString h = QObject::tr("<h3>%1[%2] at <code>%3</code></h3><p>Value <code>%4</code>: %5</p>")
                    .arg(tableOf(m, entryPa))
                    .arg(pae::indexOfEntry(entryPa))
                    .arg(QString::fromStdString(hex(entryPa)), QString::fromStdString(hex(raw)),
                         q(pae::describeEntry(raw, (raw & pae::PS) ? 1 : 2)));
    QString rows;
    const std::vector<DerivedTlbEntry> derived = tlbEntriesDerivedFrom(m, entryPa);
    const int n = static_cast<int>(derived.size());
    for (const auto& [cpu, e] : derived)
        rows += QStringLiteral("<li>cpu%1 #%2: <code>%3</code> %4 &rarr; <code>%5</code>%6%7 (%8)</li>")
                    .arg(cpu)
                    .arg(e.id)
                    .arg(hx(e.va), QLatin1String(pageSizeName(e.size)), QString::fromStdString(hex(e.pa)),
                         e.global ? QStringLiteral(" G") : QString(), e.user ? QStringLiteral(" U") : QStringLiteral(" S"),
                         QLatin1String(originName(e.origin)));
    if (n == 0)
        h += QObject::tr("<p>No TLB entry on any CPU derives from this entry.</p>");
    else
        h += QObject::tr("<p><b>%1 TLB entries derive from it:</b></p><ul>%2</ul>").arg(n).arg(rows);
    return h;
}

Inspector::Inspector(QWidget* parent) : QWidget(parent), m_text(new QTextBrowser(this)) {
    m_text->setObjectName(QStringLiteral("inspector"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(m_text);
    m_text->setHtml(tr("<p><i>Click a TLB entry or a page-table entry in the machine view.</i></p>"));
}

void Inspector::showSnapshot(const SnapshotPtr& snap) {
    m_snap = snap;
    refresh();
}

bool Inspector::inspect(const SceneRef& ref) {
    if (ref.kind == SceneRef::Kind::TlbEntry) inspectTlbEntry(ref.cpu, ref.tlbId);
    else if (ref.kind == SceneRef::Kind::TableEntry) inspectTableEntry(ref.pa);
    else return false;
    return true;
}

void Inspector::inspectTlbEntry(int cpu, u32 entryId) {
    m_what = What::Tlb;
    m_cpu = cpu;
    m_entryId = entryId;
    refresh();
}

void Inspector::inspectTableEntry(u64 entryPa) {
    m_what = What::Table;
    m_entryPa = entryPa;
    refresh();
}

void Inspector::refresh() {
    if (!m_snap || m_what == What::None) return;
    m_text->setHtml(m_what == What::Tlb ? inspectTlbEntryHtml(m_snap->machine, m_cpu, m_entryId)
                                        : inspectTableEntryHtml(m_snap->machine, m_entryPa));
}

QString Inspector::plainText() const { return m_text->toPlainText(); }

}  // namespace tlblab::ui

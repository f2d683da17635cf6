// SPDX-License-Identifier: GPL-3.0-or-later
// Core headers first: tlb.hpp names a member `slots`, which Qt defines as a macro.
#include "tlblab/diagram.hpp"
#include "tlblab/markup.hpp"
#include "tlblab/ops.hpp"
#include "tlblab/walker.hpp"

#include "Inspector.hpp"

#include <QRegularExpression>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace tlblab::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(xmlEscape(s)); }
QString hx(u64 v) { return QString::fromStdString(hex32(v)); }

QString tableOf(const Machine& m, u64 entryPa) {
    const auto name = m.memory().nameOf(entryPa & ~u64{0xfff});
    return name ? q(*name) : QObject::tr("frame %1").arg(hx(entryPa & ~u64{0xfff}));
}

QString entryRow(const Machine& m, const char* level, u64 entryPa, int lvl) {
    const u64 raw = m.memory().read64(entryPa);
    return QStringLiteral("<tr><td>%1</td><td>%2[%3]</td><td><code>%4</code></td><td>%5</td></tr>")
        .arg(QLatin1String(level), tableOf(m, entryPa))
        .arg((entryPa & 0xfff) / 8)
        .arg(QString::fromStdString(hex(raw)), q(pae::describeEntry(raw, lvl)));
}
}  // namespace

QString inspectTlbEntryHtml(const Machine& m, int cpu, u32 entryId) {
    if (cpu < 0 || cpu >= static_cast<int>(m.cpus().size())) return QObject::tr("No such CPU.");
    const Cpu& c = m.cpu(cpu);
    const TlbEntry* found = nullptr;
    std::string where;
    const auto& arrays = c.tlb.arrays();
    for (std::size_t a = 0; a < arrays.size(); ++a)
        for (std::size_t i = 0; i < arrays[a].valid.size(); ++i) {
            const TlbSlot slot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)};
            if (arrays[a].valid[i] && c.tlb.at(slot).id == entryId) {
                found = &c.tlb.at(slot);
                where = arrays[a].config.name;
            }
        }
    if (!found)
        return QObject::tr("<p>TLB entry #%1 is no longer in cpu%2's TLB at this step.</p>").arg(entryId).arg(cpu);
    const TlbEntry& e = *found;
    QString h = QObject::tr("<h3>cpu%1 TLB entry #%2 (%3)</h3>").arg(cpu).arg(entryId).arg(q(where));
    h += QObject::tr("<p>Linear page <code>%1</code> (%2) &rarr; frame <code>%3</code><br>"
                     "%4, %5, %6%7%8<br>Filled at op %9 by %10.</p>")
             .arg(hx(e.va), QLatin1String(pageSizeName(e.size)), QString::fromStdString(hex(e.pa)),
                  e.global ? QObject::tr("<b>global</b>") : QObject::tr("non-global"),
                  e.user ? QObject::tr("user") : QObject::tr("<b>supervisor-only</b>"),
                  e.writable ? QObject::tr("writable") : QObject::tr("read-only"), e.nx ? QObject::tr(", NX") : QString(),
                  e.dirty ? QObject::tr(", dirty") : QString())
             .arg(e.step)
             .arg(e.origin == Origin::Speculative ? QObject::tr("<b>speculation</b>") : QObject::tr("a demand walk"));
    const auto pdpt = m.memory().nameOf(e.cr3 & pae::kCr3PdptMask & ~u32{0xfff});
    h += QObject::tr("<p><b>The walk that created it</b>: CR3 = <code>%1</code> (%2)</p>")
             .arg(hx(e.cr3), pdpt ? q(*pdpt) : QObject::tr("unnamed table"));
    h += QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th>%1</th><th>%2</th><th>%3</th><th>%4</th></tr>")
             .arg(QObject::tr("level"), QObject::tr("entry"), QObject::tr("value now"), QObject::tr("bits now"));
    const u64 pdpteAddr = (e.cr3 & pae::kCr3PdptMask) + 8u * pae::pdptIndex(e.va);
    h += entryRow(m, "PDPTE", pdpteAddr, 0);
    if (e.pdeAddr) h += entryRow(m, "PDE", e.pdeAddr, 1);
    if (e.pteAddr) h += entryRow(m, "PTE", e.pteAddr, 2);
    h += QStringLiteral("</table>");
    // Does the same walk still give this translation?
    PagingRegs regs = c.regs;
    regs.cr3 = e.cr3;
    for (unsigned i = 0; i < 4; ++i) {
        const u64 raw = m.memory().read64((e.cr3 & pae::kCr3PdptMask) + 8u * i);
        regs.pdpte[i] = raw;
    }
    const WalkResult w = walk(m.memory(), regs, e.va);
    if (!w.ok())
        h += QObject::tr("<p><b>Stale:</b> the same walk now fails (%1): the tables no longer map this page, "
                         "but the TLB still holds the entry.</p>")
                 .arg(q(pae::describeErrorCode(w.errorCode)));
    else if (w.size != e.size || w.frame != e.pa || w.global != e.global || w.user != e.user)
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
                    .arg((entryPa & 0xfff) / 8)
                    .arg(QString::fromStdString(hex(entryPa)), QString::fromStdString(hex(raw)),
                         q(pae::describeEntry(raw, (raw & pae::PS) ? 1 : 2)));
    QString rows;
    int n = 0;
    for (const Cpu& c : m.cpus()) {
        for (const TlbEntry& e : c.tlb.entries()) {
            const bool viaPde = e.pdeAddr == entryPa, viaPte = e.pteAddr == entryPa;
            const bool viaPdpte = (e.cr3 & pae::kCr3PdptMask) + 8u * pae::pdptIndex(e.va) == entryPa;
            if (!viaPde && !viaPte && !viaPdpte) continue;
            ++n;
            rows += QStringLiteral("<li>cpu%1 #%2: <code>%3</code> %4 &rarr; <code>%5</code>%6%7 (%8)</li>")
                        .arg(c.id)
                        .arg(e.id)
                        .arg(hx(e.va), QLatin1String(pageSizeName(e.size)), QString::fromStdString(hex(e.pa)),
                             e.global ? QStringLiteral(" G") : QString(), e.user ? QStringLiteral(" U") : QStringLiteral(" S"),
                             QLatin1String(originName(e.origin)));
        }
    }
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

bool Inspector::inspectId(const QString& id) {
    static const QRegularExpression tlbRe(QStringLiteral("^tlb:cpu(\\d+):#(\\d+)$"));
    static const QRegularExpression entRe(QStringLiteral("^(pdpte|pde|pte):(0x[0-9a-fA-F]+)$"));
    if (auto t = tlbRe.match(id); t.hasMatch()) {
        inspectTlbEntry(t.captured(1).toInt(), t.captured(2).toUInt());
        return true;
    }
    if (auto t = entRe.match(id); t.hasMatch()) {
        bool ok = false;
        const u64 pa = t.captured(2).toULongLong(&ok, 16);
        if (!ok) return false;
        inspectTableEntry(pa);
        return true;
    }
    return false;
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

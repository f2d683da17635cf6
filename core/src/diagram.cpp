// SPDX-License-Identifier: GPL-3.0-or-later
// Machine snapshot -> scene description: the layout every view and export draws.
//
// Layout, for a target canvas (SceneOptions::targetWidth/Height): the scene is kDesignHeight units high
// and as wide as the target's aspect ratio allows. Under the title, columns left to right: the CPUs
// (card, then its TLB), the page-directory-pointer tables, the page directories, the page tables; a
// column taller than the canvas wraps into a second one. The step's figures (address split, multimatch,
// machine check) and the legend go where they make the picture grow least (skyline placement), so no
// two blocks overlap. The step's subject is drawn at kSubjectFont, the rest at kContextFont, and the
// context shrinks: a CPU outside the subject is a two-line card (state, CR3 table, TLB count), a table
// outside it a header. Slots are stable: CPUs in id order, tables in the order of the machine's table
// graph (not of the step), so a step changes sizes, never the order. Deterministic.
#include "tlblab/diagram.hpp"

#include "scene_build.hpp"
#include "tlblab/walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace tlblab {

namespace scene {

double textWidth(std::string_view s, double font) {
    // Count code points, not bytes ("→" is one character wide).
    std::size_t n = 0;
    for (unsigned char ch : s)
        if ((ch & 0xc0) != 0x80) ++n;
    return static_cast<double>(n) * font * kCharWidth;
}

void Block::place(double x, double y) {
    for (SceneItem& it : items) {
        it.x += x;
        it.y += y;
        for (ScenePoint& p : it.points) {
            p.x += x;
            p.y += y;
        }
    }
}

SceneItem textItem(std::string id, std::string role, double x, double y, const std::string& text, double font,
                   bool bold, std::string parent, bool subject) {
    SceneItem t;
    t.id = std::move(id);
    t.kind = ItemKind::Text;
    t.role = std::move(role);
    t.x = x;
    t.y = y;
    t.w = textWidth(text, font);
    t.h = font * 1.35;
    t.cells = {text};
    t.fontSize = font;
    t.bold = bold;
    t.parent = std::move(parent);
    t.subject = subject;
    return t;
}

SceneItem boxItem(std::string id, std::string role, double x, double y, double w, double h, std::string parent,
                  bool subject) {
    SceneItem b;
    b.id = std::move(id);
    b.kind = ItemKind::Box;
    b.role = std::move(role);
    b.x = x;
    b.y = y;
    b.w = w;
    b.h = h;
    b.parent = std::move(parent);
    b.subject = subject;
    return b;
}

}  // namespace scene

namespace {

using namespace scene;

std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> out;
    std::string line;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t sp = text.find(' ', pos);
        std::string word = text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
        pos = sp == std::string::npos ? text.size() : sp + 1;
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out.push_back(line);
    return out;
}

std::string entryId(int level, u64 pa) {
    static const char* kPrefix[] = {"pdpte", "pde", "pte"};
    return fmt::format("{}:{:#x}", kPrefix[level], pa);
}

std::string tableId(const Machine& m, u64 pa) {
    std::string n = m.tableName(pa);
    return "table:" + (n.empty() ? hex(pa) : n);
}

std::string tableLabel(const Machine& m, u64 pa) {
    std::string n = m.tableName(pa);
    return n.empty() ? hex(pa) : n;
}

struct TableRow {
    std::string id, role;
    std::vector<std::string> cells;
    std::string tooltip;
    int walkLevel = -1;
    bool changed = false;
    bool subject = false;
    bool highlight = false;
    u64 target = 0;  // next-level table (physical address), 0 if none
};

struct TableSpec {
    std::string id, role = "table", header;
    std::vector<std::string> columnHeader;  // optional
    std::vector<TableRow> rows;
    bool subject = false;
    bool highlight = false;
    int cpu = -1;
    std::string tooltip;
    std::vector<u64> children;  // next-level tables its present entries point to (for a header-only table)
};

// A header-only table (context) keeps its name readable on a projector, like a context CPU card's.
double headerFont(const TableSpec& t) {
    return t.subject ? kSubjectFont : t.rows.empty() ? kContextTitleFont : kContextFont;
}

// Column offsets for rows of mixed fonts: each column as wide as its widest cell.
std::vector<double> columnOffsets(const std::vector<std::pair<const std::vector<std::string>*, double>>& rows,
                                  double& width) {
    std::vector<double> w;
    double gap = kContextFont;
    for (const auto& [cells, font] : rows) {
        for (std::size_t i = 0; i < cells->size(); ++i) {
            if (w.size() <= i) w.resize(i + 1, 0.0);
            w[i] = std::max(w[i], textWidth((*cells)[i], font));
        }
        gap = std::max(gap, font * 0.9);
    }
    std::vector<double> off;
    double x = padFor(kSubjectFont);
    for (double cw : w) {
        off.push_back(x);
        x += cw + gap;
    }
    width = x - gap + padFor(kSubjectFont);
    return off;
}

class Builder {
public:
    Builder(const Machine& m, const SceneOptions& o) : m_m(m), m_o(o) {}
    Scene build();

private:
    void collectEvents();
    Block cpuBlock(const Cpu& c);
    TableSpec tlbTable(const Cpu& c) const;
    TableSpec pageTable(u64 pa, int level) const;
    void tableInto(Block& b, const TableSpec& t, double y);
    double tableWidth(const TableSpec& t) const;
    std::string cr3Text(const Cpu& c, bool compact) const;
    std::vector<std::string> cpuLines(const Cpu& c) const;
    std::vector<std::vector<u64>> tableLevels() const;
    bool anyPresent(u64 frame) const;
    mutable std::unordered_map<u64, bool> m_anyPresent;  // table frame -> has a present entry (memoised)
    std::vector<std::vector<u64>> m_levels;
    void arrows();
    void flushes();
    SceneItem arrow(std::string id, std::string role, ScenePoint a, ScenePoint b) const;

    const Machine& m_m;
    const SceneOptions& m_o;
    Scene m_s;
    StepSubject m_subj;
    bool m_all = false;  // no subject (no events, no highlights): the whole machine is drawn in full
    // From the step's events.
    std::map<u64, int> m_walkPa;             // entry physical address -> walk level
    std::set<int> m_walkCpus;                // CPUs that walked (their CR3 arrow lights up)
    std::set<u64> m_writtenPa;               // table entries written
    std::set<std::pair<int, u32>> m_filled;  // (cpu, entry id) filled this step
    std::set<int> m_cr3Changed, m_cr4Changed, m_stateChanged, m_taskChanged;
    std::set<u64> m_interesting;  // entries that must not vanish into a "... N more" row
    std::set<std::pair<int, u32>> m_multimatch;
    std::vector<FigureLink> m_links;
    std::map<u64, std::set<unsigned>> m_via;  // page directory -> PDPT indices of the drawn PDPTs reaching it
    std::vector<std::pair<std::string, u64>> m_entryArrows;     // drawn row id -> target table
    std::vector<std::pair<std::string, u64>> m_headerArrows;    // header-only table id -> child table
};

void Builder::collectEvents() {
    for (const Event& e : m_o.events) {
        switch (e.kind) {
        case EventKind::Walk:
            if (e.cpu < 0 || e.cpu >= static_cast<int>(m_m.cpus().size())) break;
            for (u32 l = 0; l < e.count && l < 3; ++l) m_walkPa[e.trace[l].entryPa] = static_cast<int>(l);
            m_walkCpus.insert(e.cpu);
            break;
        case EventKind::TableWrite: m_writtenPa.insert(e.pa); break;
        case EventKind::TlbFill: m_filled.insert({e.cpu, e.entryId}); break;
        case EventKind::Cr3Write: m_cr3Changed.insert(e.cpu); break;
        case EventKind::Cr4Write: m_cr4Changed.insert(e.cpu); break;
        case EventKind::CpuState: m_stateChanged.insert(e.cpu); break;
        case EventKind::TaskSwitch:
        case EventKind::MmSwitch:
        case EventKind::TlbState:
        case EventKind::KernelEnter:
        case EventKind::KernelExit: m_taskChanged.insert(e.cpu); break;
        default: break;
        }
    }
    for (const auto& [pa, l] : m_walkPa) m_interesting.insert(pa);
    for (u64 pa : m_writtenPa) m_interesting.insert(pa);
    for (u64 pa : m_o.highlightEntries) m_interesting.insert(pa);
    for (const Cpu& c : m_m.cpus()) {
        const auto entries = c.tlb.entries();
        for (const TlbEntry& t : entries) {
            if (m_subj.tlb.count({c.id, t.id})) {
                if (t.pdeAddr) m_interesting.insert(t.pdeAddr);
                if (t.pteAddr) m_interesting.insert(t.pteAddr);
            }
            // Two valid entries for one linear address: the erratum 383 multimatch.
            for (const TlbEntry& u : entries)
                if (u.id != t.id && (t.covers(u.va) || u.covers(t.va))) {
                    m_multimatch.insert({c.id, t.id});
                    if (t.pdeAddr) m_interesting.insert(t.pdeAddr);
                    if (t.pteAddr) m_interesting.insert(t.pteAddr);
                }
        }
    }
}

std::vector<std::string> Builder::cpuLines(const Cpu& c) const {
    std::vector<std::string> lines;
    std::string task = "-";
    if (c.currentTask >= 0) task = m_m.tasks()[static_cast<std::size_t>(c.currentTask)].name;
    std::string mm = c.activeMm >= 0 ? m_m.mms()[static_cast<std::size_t>(c.activeMm)].name : "-";
    lines.push_back(fmt::format("CPL {}  task {}", c.cpl, task));
    lines.push_back(fmt::format("active_mm {}{}", mm, c.tlbState == TlbState::Lazy ? " (lazy TLB)" : ""));
    if (!c.callStack.empty()) {
        for (auto& l : wrap("kernel: " + c.callStack.text(" > "), 34)) lines.push_back(l);
    }
    if (!c.waitingFor.empty())
        for (auto& l : wrap("waits for " + c.waitingFor.text(), 34)) lines.push_back(l);
    return lines;
}

std::string Builder::cr3Text(const Cpu& c, bool compact) const {
    if (!c.regs.pagingOn()) return compact ? "paging off" : fmt::format("CR3 {} (paging off)", hex32(c.regs.cr3));
    const u64 pdpt = c.regs.cr3 & pae::kCr3PdptMask;
    if (m_m.tableName(pdpt).empty() && !m_m.memory().hasFrame(pdpt))
        return fmt::format("CR3 {} (no table)", hex32(c.regs.cr3));
    if (compact) return "CR3 \xe2\x86\x92 " + tableLabel(m_m, pdpt);
    return fmt::format("CR3 {} \xe2\x86\x92 {}", hex32(c.regs.cr3), tableLabel(m_m, pdpt));
}

Block Builder::cpuBlock(const Cpu& c) {
    Block b;
    const std::string id = fmt::format("cpu{}", c.id);
    b.id = id;
    const bool subj = m_all || m_subj.cpus.count(c.id) != 0;
    b.subject = subj;
    std::string role = "cpu-card";
    if (c.state == CpuState::Halted) role = "halted";
    else if (c.state == CpuState::Offline) role = "cpu-offline";
    else if (c.state == CpuState::Booting) role = "cpu-booting";

    std::size_t cardIndex = b.items.size();
    SceneItem& card0 = b.add(boxItem(id, role, 0, 0, 0, 0, "", subj));
    card0.cpu = c.id;
    card0.changed = m_stateChanged.count(c.id) != 0;
    card0.highlight = m_o.highlightCpus.count(c.id) != 0;
    card0.fontSize = fontFor(subj);

    std::string state = cpuStateName(c.state);
    for (auto& ch : state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const double tf = fontFor(subj);
    const double pad = padFor(tf);
    double y = pad * 0.6;
    std::vector<std::size_t> rowIdx;  // rows that take the card's width
    double lastText = 0;              // font of the line just above, while no row has followed it
    auto addRow = [&](std::string rid, std::string rrole, const std::string& text, bool rsubj, bool changed,
                      const std::string& tip, bool hl) {
        const double f = fontFor(rsubj);
        // The first row under the card's lines leaves their descenders ("active_mm") room: a highlighted
        // row's outline would cover them.
        if (lastText > 0) y += lastText * 0.15;
        lastText = 0;
        SceneItem r;
        r.id = std::move(rid);
        r.kind = ItemKind::Row;
        r.role = std::move(rrole);
        r.x = 0;
        r.y = y;
        r.h = rowHeight(f);
        r.cells = {text};
        r.cellX = {padFor(f)};
        r.fontSize = f;
        r.changed = changed;
        r.tooltip = tip;
        r.parent = id;
        r.subject = rsubj;
        r.highlight = hl;
        r.cpu = c.id;
        r.w = textWidth(text, f) + 2 * padFor(f);
        rowIdx.push_back(b.items.size());
        b.add(std::move(r));
        y += rowHeight(f);
    };
    std::vector<std::size_t> textIdx;
    auto addText = [&](std::string tid, std::string trole, const std::string& text, bool tsubj, bool bold,
                       double font = 0) {
        const double f = font > 0 ? font : fontFor(tsubj);
        textIdx.push_back(b.items.size());
        SceneItem& t = b.add(textItem(std::move(tid), std::move(trole), pad, y, text, f, bold, id, tsubj));
        t.h = rowHeight(f);
        t.cpu = c.id;
        y += rowHeight(f);
        lastText = f;
    };
    // A context card's name and state stay text on a projector (>= 12 px at 1280x720 when the camera frames
    // a busy subject), not a grey bar: a larger font than the rest of the context.
    addText(id + ".title", "card-title", fmt::format("CPU {}  {}", c.id, state), subj, true, subj ? 0 : kContextTitleFont);
    const std::string cr3Id = id + ".cr3";
    const bool cr3Hl = m_o.highlightRegisters.count(cr3Id) != 0;
    std::string pdptes;
    for (unsigned k = 0; k < 4; ++k)
        pdptes += fmt::format("\nPDPTE{} register {} {}", k, hex(c.regs.pdpte[k]), pae::describeEntry(c.regs.pdpte[k], 0));
    const std::string cr3Tip = "CR3 " + hex32(c.regs.cr3) + pdptes;
    if (!subj) {
        // Compact: name and state, the CR3 table, the TLB count.
        const auto n = c.tlb.entries().size();
        addRow(cr3Id, "register", cr3Text(c, true) + fmt::format("  TLB {}", n), false, m_cr3Changed.count(c.id) != 0,
               cr3Tip, cr3Hl);
    } else {
        const auto lines = cpuLines(c);
        const bool taskSubj = m_taskChanged.count(c.id) != 0;
        for (std::size_t li = 0; li < lines.size(); ++li)
            addText(fmt::format("{}.line{}", id, li + 1), "card-text", lines[li], taskSubj && li < 2, false);
        addRow(cr3Id, "register", cr3Text(c, false), true, m_cr3Changed.count(c.id) != 0, cr3Tip, cr3Hl);
        const std::string cr4Id = id + ".cr4";
        const bool cr4Subj = m_cr4Changed.count(c.id) || m_o.highlightRegisters.count(cr4Id);
        addRow(cr4Id, "register", fmt::format("CR4.PGE {}  CR4 {}", c.regs.pge() ? 1 : 0, hex32(c.regs.cr4)), cr4Subj,
               m_cr4Changed.count(c.id) != 0,
               fmt::format("CR4 {}: PAE {} PSE {} PGE {}", hex32(c.regs.cr4), (c.regs.cr4 & pae::CR4_PAE) ? 1 : 0,
                           (c.regs.cr4 & pae::CR4_PSE) ? 1 : 0, c.regs.pge() ? 1 : 0),
               m_o.highlightRegisters.count(cr4Id) != 0);
        if (c.mc0Status) {
            addRow(id + ".mc0", "mce-register", "MC0_STATUS " + hex(c.mc0Status), true, true,
                   pae::describeMc0Status(c.mc0Status), false);
            addRow(id + ".mcg",
                   "mce-register",
                   fmt::format("MCG_STATUS {}{}", hex(c.mcgStatus), (c.mcgStatus & pae::MCG_STATUS_MCIP) ? " (MCIP)" : ""),
                   true, true, "", false);
        }
    }
    y += pad * 0.6;
    double w = 0;
    for (std::size_t i : rowIdx) w = std::max(w, b.items[i].w);
    for (std::size_t i : textIdx) w = std::max(w, b.items[i].w + 2 * pad);
    if (subj) {
        const TableSpec tlb = tlbTable(c);
        w = std::max(w, tableWidth(tlb));
        for (std::size_t i : rowIdx) b.items[i].w = w;
        for (std::size_t i : textIdx) b.items[i].w = w - 2 * pad;
        b.items[cardIndex].w = w;
        b.items[cardIndex].h = y;
        y += kGap * 0.4;
        b.w = w;
        tableInto(b, tlb, y);
    } else {
        for (std::size_t i : rowIdx) b.items[i].w = w;
        for (std::size_t i : textIdx) b.items[i].w = w - 2 * pad;
        b.items[cardIndex].w = w;
        b.items[cardIndex].h = y;
        b.w = w;
        b.h = y;
    }
    return b;
}

TableSpec Builder::tlbTable(const Cpu& c) const {
    TableSpec t;
    t.id = fmt::format("tlbtable:cpu{}", c.id);
    t.role = "tlb-table";
    t.subject = true;
    t.cpu = c.id;
    auto entries = c.tlb.entries();
    t.header = fmt::format("cpu{} TLB: {} {}", c.id, entries.size(), entries.size() == 1 ? "entry" : "entries");
    if (entries.empty()) return t;
    t.columnHeader = {"#", "linear", "size", "frame", "bits", "origin"};
    // Newest first; always keep the subject's and multimatch entries.
    std::vector<TlbEntry> sorted = entries;
    std::stable_sort(sorted.begin(), sorted.end(), [](const TlbEntry& a, const TlbEntry& b) {
        return a.step != b.step ? a.step > b.step : a.id > b.id;
    });
    std::vector<TlbEntry> shown;
    std::size_t hidden = 0;
    for (const auto& e : sorted) {
        bool keep = m_subj.tlb.count({c.id, e.id}) || m_multimatch.count({c.id, e.id}) ||
                    m_o.highlightTlbEntries.count(e.id);
        if (keep || shown.size() < m_o.maxTlbRows) shown.push_back(e);
        else ++hidden;
    }
    std::sort(shown.begin(), shown.end(), [](const TlbEntry& a, const TlbEntry& b) { return a.va != b.va ? a.va < b.va : a.id < b.id; });
    for (const auto& e : shown) {
        TableRow r;
        r.id = fmt::format("tlb:cpu{}:#{}", c.id, e.id);
        const bool mm = m_multimatch.count({c.id, e.id}) != 0;
        // The role is the entry's own kind; the lesson's highlight is an outline over it.
        if (mm) r.role = "multimatch";
        else if (e.origin == Origin::Speculative) r.role = "tlb-entry-speculative";
        else if (e.global) r.role = "tlb-entry-global";
        else if (e.user) r.role = "tlb-entry-user";
        else r.role = "tlb-entry";
        r.highlight = m_o.highlightTlbEntries.count(e.id) != 0;
        std::string bits = fmt::format("{}{} {}{}", e.global ? "G " : "", e.user ? "U" : "S", e.writable ? "RW" : "RO",
                                       e.nx ? " NX" : "");
        // Origin spelled out only when it is the exception (a speculative fill); a walk is the rule.
        r.cells = {fmt::format("#{}", e.id), hex32(e.va), pageSizeName(e.size), hex32(e.pa), bits,
                   e.origin == Origin::Speculative ? "SPEC" : ""};
        if (mm) r.cells[0] += "!";  // the multimatch figure explains it; the role colours it
        r.changed = m_filled.count({c.id, e.id}) != 0;
        r.subject = m_all || m_subj.tlb.count({c.id, e.id}) || mm;
        if (r.changed && m_walkCpus.count(c.id)) r.walkLevel = 3;
        const u64 age = m_m.step() >= e.step ? m_m.step() - e.step : 0;
        r.tooltip = fmt::format(
            "TLB entry #{} of cpu{}\nlinear {} ({}) -> frame {}\n{}, {}, {}{}\nfilled by {} at step {} ({} steps ago); "
            "walk under CR3 {}\nPDE @ {}{}",
            e.id, c.id, hex32(e.va), pageSizeName(e.size), hex(e.pa), e.global ? "global" : "not global",
            e.user ? "user" : "supervisor only", e.writable ? "writable" : "read-only", e.nx ? ", no-execute" : "",
            originName(e.origin), e.step, age, hex32(e.cr3), hex(e.pdeAddr), e.pteAddr ? ", PTE @ " + hex(e.pteAddr) : "");
        t.rows.push_back(std::move(r));
    }
    if (hidden) {
        TableRow g;
        g.id = fmt::format("tlbgap:cpu{}", c.id);
        g.role = "entry-gap";
        g.cells = {fmt::format("... {} older {} ...", hidden, hidden == 1 ? "entry" : "entries")};
        t.rows.push_back(std::move(g));
    }
    return t;
}

TableSpec Builder::pageTable(u64 pa, int level) const {
    TableSpec t;
    t.id = tableId(m_m, pa);
    t.subject = m_all || m_subj.tables.count(pa) != 0;
    static const char* kKind[] = {"PDPT", "PD", "PT"};
    const auto& k = m_m.kernel();
    std::set<unsigned> via;
    if (level == 1)
        if (auto v = m_via.find(pa); v != m_via.end()) via = v->second;
    const unsigned n = level == 0 ? 4 : 512;
    std::vector<unsigned> present;
    for (unsigned i = 0; i < n; ++i)
        if (m_m.memory().read64(pa + i * 8) & pae::P) present.push_back(i);
    if (!t.subject || m_o.collapsedTables.count(tableLabel(m_m, pa))) {
        // Header only: name, kind, how many entries; arrows leave from the header.
        t.header = fmt::format("{} ({}, {} present{})", tableLabel(m_m, pa), kKind[level], present.size(),
                               m_o.collapsedTables.count(tableLabel(m_m, pa)) ? ", collapsed" : "");
        t.tooltip = fmt::format("{} {} @ {}", tableLabel(m_m, pa), kKind[level], hex(pa));
        t.subject = false;
        if (level < 2)
            for (unsigned i : present) {
                const u64 raw = m_m.memory().read64(pa + i * 8);
                if (level == 1 && (raw & pae::PS)) continue;
                const u64 frame = raw & pae::kFrame4K;
                if (std::find(t.children.begin(), t.children.end(), frame) == t.children.end())
                    t.children.push_back(frame);
            }
        return t;
    }
    t.header = fmt::format("{}  ({})", tableLabel(m_m, pa), kKind[level]);
    t.tooltip = fmt::format("{} {} @ {}", tableLabel(m_m, pa), kKind[level], hex(pa));
    if (via.size() > 1) {
        std::string v;
        for (unsigned i : via) v += (v.empty() ? "" : ",") + std::to_string(i);
        t.header += "  via pgd[" + v + "]";
    }
    // Which present entries to show: all when few; else the first two, the last, and every entry the
    // step or a TLB entry of the subject refers to. Hidden runs become one "... N more ..." row.
    std::set<unsigned> show;
    if (present.size() <= m_o.maxRowsPerTable) {
        show.insert(present.begin(), present.end());
    } else {
        for (std::size_t i = 0; i < present.size() && i < 2; ++i) show.insert(present[i]);
        show.insert(present.back());
        for (unsigned i : present)
            if (m_interesting.count(pa + i * 8)) show.insert(i);
    }
    auto gapRow = [&](unsigned from, std::size_t count, bool allLarge) {
        TableRow g;
        g.id = fmt::format("gap:{}:{}", tableLabel(m_m, pa), from);
        g.role = "entry-gap";
        g.cells = {fmt::format("... {} more {}{} ...", count, allLarge ? "2M " : "", count == 1 ? "entry" : "entries")};
        t.rows.push_back(std::move(g));
    };
    std::size_t hiddenRun = 0;
    unsigned runStart = 0;
    bool runLarge = true;
    for (unsigned i : present) {
        const u64 epa = pa + i * 8;
        const u64 raw = m_m.memory().read64(epa);
        if (!show.count(i)) {
            if (!hiddenRun) {
                runStart = i;
                runLarge = true;
            }
            ++hiddenRun;
            runLarge = runLarge && level == 1 && (raw & pae::PS);
            continue;
        }
        if (hiddenRun) gapRow(runStart, hiddenRun, runLarge);
        hiddenRun = 0;
        TableRow r;
        r.id = entryId(level, epa);
        const bool large = level == 1 && (raw & pae::PS);
        const bool leaf = level == 2 || large;
        const u64 frame = raw & (large ? pae::kFrame2M : pae::kFrame4K);
        std::string linear;
        if (level == 0) linear = hex32(u64{i} << 30);
        else if (level == 1) {
            u64 off = u64{i} << 21;
            linear = via.size() == 1 ? hex32((u64{*via.begin()} << 30) | off) : "+" + hex32(off);
        } else {
            linear = "+" + hex(u64{i} << 12);
        }
        // A next-level table without a present entry is not drawn: the entry says so instead.
        bool emptyTarget = false;
        if (!leaf) emptyTarget = !anyPresent(frame);
        std::string target = leaf ? fmt::format("{} {}", large ? "2M" : "4K", hex32(frame))
                                  : "\xe2\x86\x92 " + tableLabel(m_m, frame) + (emptyTarget ? " (empty)" : "");
        std::string flags = pae::describeEntry(raw, level);
        // A PT's linear addresses follow from its PDE: its rows give the frame and the bits.
        if (level == 2) r.cells = {fmt::format("[{}]", i), target, flags};
        else r.cells = {fmt::format("[{}]", i), linear, target, flags};
        const bool low = level == 0 && i < 3 && k.kernelPmd && frame == k.kernelPmd;
        if (low) r.cells.push_back("LOW MAPPING");
        r.highlight = m_o.highlightEntries.count(epa) != 0;
        if (low) r.role = "entry-low-mapping";
        else if (leaf && (raw & pae::G)) r.role = "entry-global";
        else if (leaf && (raw & pae::US)) r.role = "entry-user";
        else r.role = "entry";
        auto w = m_walkPa.find(epa);
        if (w != m_walkPa.end()) r.walkLevel = w->second;
        r.changed = m_writtenPa.count(epa) != 0;
        r.subject = m_all || m_subj.entries.count(epa) || m_interesting.count(epa) || r.walkLevel >= 0;
        if (!leaf && !emptyTarget) r.target = frame;
        r.tooltip = fmt::format("{} {} @ {}\nraw {}\n{}\n{}", level == 0 ? "PDPTE" : level == 1 ? "PDE" : "PTE", i,
                                hex(epa), hex(raw), flags,
                                leaf ? fmt::format("maps a {} page at frame {}", large ? "2 MiB" : "4 KiB", hex(frame))
                                     : "points to " + tableLabel(m_m, frame) + " @ " + hex(frame));
        t.rows.push_back(std::move(r));
    }
    if (hiddenRun) gapRow(runStart, hiddenRun, runLarge);
    if (present.empty()) {
        TableRow g;
        g.id = t.id + ":empty";
        g.role = "entry-gap";
        g.cells = {"(no present entries)"};
        t.rows.push_back(std::move(g));
    }
    return t;
}

double Builder::tableWidth(const TableSpec& t) const {
    std::vector<std::pair<const std::vector<std::string>*, double>> cells;
    if (!t.columnHeader.empty()) cells.push_back({&t.columnHeader, kContextFont});
    for (const auto& r : t.rows)
        if (r.role != "entry-gap") cells.push_back({&r.cells, fontFor(r.subject)});
    double w = 0;
    columnOffsets(cells, w);
    const double hf = headerFont(t);
    w = std::max(w, textWidth(t.header, hf) + 2 * padFor(hf));
    for (const auto& r : t.rows)
        if (r.role == "entry-gap") w = std::max(w, textWidth(r.cells[0], kContextFont) + 2 * padFor(kContextFont));
    return w;
}

// Appends the table's items to `b` at local y, as wide as the block (or the table, if wider).
void Builder::tableInto(Block& b, const TableSpec& t, double y) {
    const double width = std::max(b.w, tableWidth(t));
    const double top = y;
    const std::size_t boxIndex = b.items.size();
    SceneItem& box = b.add(boxItem(t.id, t.role, 0, y, width, 0, "", t.subject));
    box.cpu = t.cpu;
    box.highlight = t.highlight;
    auto row = [&](std::string id, std::string role, double h, std::vector<std::string> cells, std::vector<double> cellX,
                   double fontSize, bool subj) -> SceneItem& {
        SceneItem it;
        it.id = std::move(id);
        it.kind = ItemKind::Row;
        it.role = std::move(role);
        it.x = 0;
        it.y = y;
        it.w = width;
        it.h = h;
        it.cells = std::move(cells);
        it.cellX = std::move(cellX);
        it.fontSize = fontSize;
        it.parent = t.id;
        it.subject = subj;
        it.cpu = t.cpu;
        y += h;
        return b.add(std::move(it));
    };
    const double hf = headerFont(t);
    SceneItem& header = row(t.id + ".header", "table-header", rowHeight(hf), {t.header}, {padFor(hf)}, hf, t.subject);
    header.bold = true;
    header.tooltip = t.tooltip;

    std::vector<std::pair<const std::vector<std::string>*, double>> cells;
    if (!t.columnHeader.empty()) cells.push_back({&t.columnHeader, kContextFont});
    for (const auto& r : t.rows)
        if (r.role != "entry-gap") cells.push_back({&r.cells, fontFor(r.subject)});
    double dummy = 0;
    const auto off = columnOffsets(cells, dummy);
    auto offsets = [&](std::size_t n) {
        return std::vector<double>(off.begin(), off.begin() + static_cast<long>(std::min(n, off.size())));
    };
    if (!t.columnHeader.empty())
        row(t.id + ".columns", "table-columns", rowHeight(kContextFont), t.columnHeader, offsets(t.columnHeader.size()),
            kContextFont, false);
    for (const auto& r : t.rows) {
        const double f = fontFor(r.subject);
        SceneItem& it = row(r.id, r.role, rowHeight(f), r.cells,
                            r.role == "entry-gap" ? std::vector<double>{padFor(f)} : offsets(r.cells.size()), f, r.subject);
        it.walkLevel = r.walkLevel;
        it.changed = r.changed;
        it.tooltip = r.tooltip;
        it.highlight = r.highlight;
        if (r.target) m_entryArrows.push_back({r.id, r.target});
    }
    y += 4;
    b.items[boxIndex].h = y - top;
    b.w = std::max(b.w, width);
    b.h = std::max(b.h, y);
    for (const u64 child : t.children) m_headerArrows.push_back({t.id, child});
}

// Tables by level, in the order of the machine's table graph: PDPTs (CR3s, mm pgds, the trampoline)
// by address, then each level in the order its parents reference it. Independent of the step.
std::vector<std::vector<u64>> Builder::tableLevels() const {
    std::vector<std::vector<u64>> levels(3);
    std::vector<u64>& pdpts = levels[0];
    auto addPdpt = [&](u64 pa) {
        if (pa && std::find(pdpts.begin(), pdpts.end(), pa) == pdpts.end()) pdpts.push_back(pa);
    };
    for (const auto& c : m_m.cpus())
        if (c.state != CpuState::Offline && c.regs.pagingOn()) addPdpt(c.regs.cr3 & pae::kCr3PdptMask);
    for (const auto& mm : m_m.mms()) addPdpt(mm.pgd);
    addPdpt(m_m.kernel().trampolinePgDir);
    std::sort(pdpts.begin(), pdpts.end());
    std::set<u64> seen(pdpts.begin(), pdpts.end());
    for (int level = 0; level < 2; ++level)
        for (u64 pa : levels[static_cast<std::size_t>(level)]) {
            const unsigned n = level == 0 ? 4 : 512;
            for (unsigned i = 0; i < n; ++i) {
                const u64 raw = m_m.memory().read64(pa + i * 8);
                if (!(raw & pae::P) || (level == 1 && (raw & pae::PS))) continue;
                const u64 frame = raw & pae::kFrame4K;
                if (seen.count(frame) || !anyPresent(frame)) continue;
                seen.insert(frame);
                levels[static_cast<std::size_t>(level) + 1].push_back(frame);
            }
        }
    return levels;
}

bool Builder::anyPresent(u64 frame) const {
    auto f = m_anyPresent.find(frame);
    if (f != m_anyPresent.end()) return f->second;
    bool any = false;
    if (m_m.memory().hasFrame(frame & ~u64{0xfff}))
        for (unsigned j = 0; j < 512 && !any; ++j)
            if (m_m.memory().read64(frame + j * 8) & pae::P) any = true;
    m_anyPresent.emplace(frame, any);
    return any;
}

SceneItem Builder::arrow(std::string id, std::string role, ScenePoint a, ScenePoint b) const {
    SceneItem it;
    it.id = std::move(id);
    it.kind = ItemKind::Arrow;
    it.role = std::move(role);
    it.points = {a, b};
    it.fontSize = 0;
    return it;
}

void Builder::arrows() {
    std::unordered_map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < m_s.items.size(); ++i) at.emplace(m_s.items[i].id, i);
    auto item = [&](const std::string& id) -> const SceneItem* {
        auto f = at.find(id);
        return f == at.end() ? nullptr : &m_s.items[f->second];
    };
    auto rightMid = [](const SceneItem& it) { return ScenePoint{it.x + it.w, it.y + it.h / 2}; };
    auto leftMid = [](const SceneItem& it) { return ScenePoint{it.x, it.y + it.h / 2}; };
    std::vector<SceneItem> out;
    // A target not to the right of its source (a table below in the same column) is reached round the
    // right-hand side, into its right edge, instead of by a line back across the column.
    auto route = [&](SceneItem& a, const SceneItem& to) {
        const ScenePoint s0 = a.points.front();
        if (to.x > s0.x + 8) return;
        const ScenePoint e{to.x + to.w, to.y + to.h / 2};
        const double gx = std::max(s0.x, e.x) + 14;
        a.points = {s0, {gx, s0.y}, {gx, e.y}, e};
    };
    // CR3 -> PDPT, in the CPU's colour; lit when the CPU walked.
    for (const auto& c : m_m.cpus()) {
        const u64 pdpt = c.regs.cr3 & pae::kCr3PdptMask;
        const std::string rid = fmt::format("cpu{}.cr3", c.id);
        const SceneItem* from = item(rid);
        const SceneItem* to = item(tableId(m_m, pdpt) + ".header");
        if (c.state == CpuState::Offline || !c.regs.pagingOn() || !from || !to) continue;
        SceneItem a = arrow("arrow:" + rid, m_walkCpus.count(c.id) ? "arrow-walk" : "arrow-cr3", rightMid(*from),
                            leftMid(*to));
        a.from = rid;
        a.to = tableId(m_m, pdpt);
        a.cpu = c.id;
        if (m_walkCpus.count(c.id)) a.walkLevel = 0;
        a.changed = m_cr3Changed.count(c.id) != 0;
        a.subject = m_all || m_subj.cpus.count(c.id) != 0;
        out.push_back(std::move(a));
    }
    for (const auto& [rid, tpa] : m_entryArrows) {
        const SceneItem* from = item(rid);
        const SceneItem* to = item(tableId(m_m, tpa) + ".header");
        if (!from || !to) continue;
        SceneItem a = arrow("arrow:" + rid, from->role == "entry-low-mapping" ? "arrow-low-mapping" : "arrow",
                            rightMid(*from), leftMid(*to));
        a.from = rid;
        a.to = tableId(m_m, tpa);
        if (from->walkLevel >= 0) {
            a.walkLevel = from->walkLevel + 1;
            a.role = "arrow-walk";
        }
        a.changed = from->changed;
        a.subject = from->subject;
        route(a, *to);
        out.push_back(std::move(a));
    }
    for (const auto& [tid, child] : m_headerArrows) {
        const SceneItem* from = item(tid + ".header");
        const SceneItem* to = item(tableId(m_m, child) + ".header");
        if (!from || !to) continue;
        SceneItem a = arrow("arrow:" + tid + "->" + tableId(m_m, child), "arrow-context", rightMid(*from), leftMid(*to));
        a.from = tid;
        a.to = tableId(m_m, child);
        route(a, *to);
        out.push_back(std::move(a));
    }
    // Figure links: address fields -> the entry they select.
    for (const FigureLink& l : m_links) {
        const SceneItem* from = item(l.from);
        const SceneItem* to = item(l.to);
        if (!to && !l.fallback.empty()) to = item(l.fallback);
        if (!from || !to) continue;
        // Beside it on the same level: straight across.
        if (to->x >= from->x + from->w && to->y < from->y + from->h && from->y < to->y + to->h) {
            const double y = (std::max(from->y, to->y) + std::min(from->y + from->h, to->y + to->h)) / 2;
            SceneItem ar = arrow(l.id, l.role, {from->x + from->w, y}, {to->x, y});
            ar.from = l.from;
            ar.to = l.to;
            ar.walkLevel = l.walkLevel;
            ar.subject = l.subject;
            out.push_back(std::move(ar));
            continue;
        }
        // Out of the field's top or bottom edge, straight into the nearer side of the target.
        const bool below = to->y + to->h / 2 > from->y + from->h;
        const ScenePoint a{from->x + from->w / 2, below ? from->y + from->h : from->y};
        const bool inside = a.x >= to->x && a.x <= to->x + to->w;
        const ScenePoint b = inside ? ScenePoint{a.x, below ? to->y : to->y + to->h}
                                    : (a.x < to->x ? leftMid(*to) : rightMid(*to));
        SceneItem ar = arrow(l.id, l.role, a, b);
        ar.from = l.from;
        ar.to = l.to;
        ar.walkLevel = l.walkLevel;
        ar.subject = l.subject;
        out.push_back(std::move(ar));
    }
    // IPIs: from the initiator's card to each target's, round the left gutter, in the initiator's colour.
    int n = 0;
    for (const Event& e : m_o.events) {
        if (e.kind != EventKind::IpiSend) continue;
        const SceneItem* from = item(fmt::format("cpu{}", e.cpu));
        const SceneItem* to = item(fmt::format("cpu{}", e.other));
        if (!from || !to) continue;
        const double gx = from->x - kGutter * (0.35 + 0.12 * (n % 4));
        const ScenePoint a{from->x, from->y + std::min(from->h / 2, 30.0)};
        const ScenePoint b{to->x, to->y + std::min(to->h / 2, 30.0) + 6};
        SceneItem ar = arrow(fmt::format("ipi:{}:cpu{}->cpu{}", n, e.cpu, e.other), "ipi", a, b);
        ar.points = {a, {gx, a.y}, {gx, b.y}, b};
        if (to->x >= from->x + from->w) {  // a card in a further column: straight across the gap between them
            const double y = std::min(from->y, to->y) + 12 + 8 * (n % 4);
            ar.points = {{from->x + from->w, y}, {to->x, y}};
        } else if (from->x >= to->x + to->w) {
            const double y = std::min(from->y, to->y) + 12 + 8 * (n % 4);
            ar.points = {{from->x, y}, {to->x + to->w, y}};
        }
        ar.from = from->id;
        ar.to = to->id;
        ar.cpu = e.cpu;
        ar.subject = true;
        ar.tooltip = "IPI " + e.detail;
        out.push_back(std::move(ar));
        ++n;
    }
    for (auto& a : out) m_s.items.push_back(std::move(a));
}

void Builder::flushes() {
    std::map<int, std::vector<std::pair<FlushKind, std::string>>> pending;
    for (const Event& e : m_o.events) {
        if (e.kind == EventKind::TlbInvalidate) pending[e.cpu].push_back({e.flush, fmt::format("tlb:cpu{}:#{}", e.cpu, e.entryId)});
        if (e.kind != EventKind::TlbFlush) continue;
        SceneFlush f;
        f.cpu = e.cpu;
        f.kind = e.flush;
        f.va = static_cast<u32>(e.va);
        auto& p = pending[e.cpu];
        for (auto it = p.begin(); it != p.end();)
            if (it->first == e.flush) {
                f.removed.push_back(it->second);
                it = p.erase(it);
            } else {
                ++it;
            }
        if (e.flush == FlushKind::NonGlobal && e.cpu >= 0 && e.cpu < static_cast<int>(m_m.cpus().size()))
            for (const TlbEntry& t : m_m.cpu(e.cpu).tlb.entries())
                if (t.global) f.spared.push_back(fmt::format("tlb:cpu{}:#{}", e.cpu, t.id));
        m_s.flushes.push_back(std::move(f));
    }
    for (auto& [cpu, p] : pending)
        for (auto& [kind, id] : p) {
            SceneFlush f;
            f.cpu = cpu;
            f.kind = kind;
            f.removed.push_back(id);
            m_s.flushes.push_back(std::move(f));
        }
}

struct Placed {
    double x, y, w, h;
};

Scene Builder::build() {
    m_subj = computeSubject(m_m, m_o.events, m_o);
    m_all = m_subj.empty();
    collectEvents();
    const double designH = kDesignHeight;
    const double th = m_o.targetHeight > 0 ? m_o.targetHeight : 1080;
    const double tw = m_o.targetWidth > 0 ? m_o.targetWidth : 1920;
    const double designW = std::clamp(designH * tw / th, designH * 0.75, designH * 4);
    m_s.targetWidth = tw;
    m_s.targetHeight = th;
    m_s.subjectFont = kSubjectFont;
    m_s.contextFont = kContextFont;
    m_s.title = m_o.title;

    double top = kMargin;
    if (!m_o.title.empty()) {
        // Aligned with the CPU column: a camera framing a subject that starts there shows the title's start.
        m_s.items.push_back(textItem("title", "title", kMargin + kGutter, top, m_o.title, kTitleFont, true, "", false));
        m_s.items.back().h = rowHeight(kTitleFont);
        top += rowHeight(kTitleFont) + kGap * 0.5;
    }
    const double availH = designH - top - kMargin;

    // Columns of blocks: CPUs, then the three table levels.
    m_levels = tableLevels();
    const auto& levels = m_levels;
    for (u64 pdpt : levels[0])
        for (unsigned i = 0; i < 4; ++i) {
            const u64 e = m_m.memory().read64(pdpt + i * 8);
            if (e & pae::P) m_via[e & pae::kFrame4K].insert(i);
        }
    std::vector<std::vector<Block>> columns;
    {
        std::vector<Block> cpus;
        for (const auto& c : m_m.cpus()) cpus.push_back(cpuBlock(c));
        columns.push_back(std::move(cpus));
    }
    for (int level = 0; level < 3; ++level) {
        std::vector<Block> col;
        for (u64 pa : levels[static_cast<std::size_t>(level)]) {
            Block b;
            b.id = tableId(m_m, pa);
            const TableSpec t = pageTable(pa, level);
            b.subject = t.subject;
            tableInto(b, t, 0);
            col.push_back(std::move(b));
        }
        if (!col.empty()) columns.push_back(std::move(col));
    }
    // Each column becomes one or more stacked blocks no taller than the canvas.
    auto stack = [&](std::vector<Block>& col) {
        std::vector<Block> chunks;
        Block cur;
        double y = 0;
        for (Block& b : col) {
            if (y > 0 && y + b.h > availH) {
                cur.h = y - kGap;
                chunks.push_back(std::move(cur));
                cur = Block{};
                y = 0;
            }
            b.place(0, y);
            cur.subject = cur.subject || b.subject;
            cur.w = std::max(cur.w, b.w);
            y += b.h + kGap;
            for (auto& it : b.items) cur.items.push_back(std::move(it));
        }
        if (y > 0) {
            cur.h = y - kGap;
            chunks.push_back(std::move(cur));
        }
        return chunks;
    };
    std::vector<Placed> placed;
    double contentR = kMargin + kGutter, contentB = top;
    auto put = [&](Block& b, double bx, double by) {
        b.place(bx, by);
        placed.push_back({bx, by, b.w, b.h});
        contentR = std::max(contentR, bx + b.w);
        contentB = std::max(contentB, by + b.h);
        for (auto& it : b.items) m_s.items.push_back(std::move(it));
    };
    // Skyline placement: the position (right of or below what is placed) that grows the picture least
    // beyond the design size, then the highest, then the leftmost. `minX`: not left of it (a table level
    // stays right of the CPUs, so its arrows run left to right).
    auto skyline = [&](Block& b, double minX, double gap) {
        std::vector<double> xs = {minX};
        for (const Placed& p : placed)
            if (p.x + p.w + gap >= minX) xs.push_back(p.x + p.w + gap);
        double bestCost = 1e18, bx = minX, by = top;
        for (double cx : xs) {
            double cy = top;
            for (const Placed& p : placed)
                if (p.x < cx + b.w + kGap && cx < p.x + p.w + kGap) cy = std::max(cy, p.y + p.h + kGap);
            const double r = std::max(contentR, cx + b.w), btm = std::max(contentB, cy + b.h);
            const double grow = std::max({1.0, (r + kMargin) / designW, (btm + kMargin) / designH});
            const double cost = grow * 1e7 + cy + cx * 1e-3;
            if (cost < bestCost) {
                bestCost = cost;
                bx = cx;
                by = cy;
            }
        }
        put(b, bx, by);
    };
    double cpuRight = kMargin + kGutter;
    for (std::size_t ci = 0; ci < columns.size(); ++ci) {
        for (Block& chunk : stack(columns[ci])) {
            if (ci == 0) {
                put(chunk, cpuRight, top);  // the CPUs: fixed slots at the left
                cpuRight += chunk.w + kGap;
            } else {
                // Right of the CPUs on a wide canvas; below them when the canvas is narrow and that grows it least.
                skyline(chunk, kMargin + kGutter, kColGap);
            }
        }
    }

    // Figures and legend, where they grow the picture least.
    std::vector<Block> extra;
    if (m_o.figures) {
        for (Block& b : multimatchFigures(m_m, m_o.events)) extra.push_back(std::move(b));
        for (Block& b : addressFigures(m_m, m_o.events, m_links)) extra.push_back(std::move(b));
    }
    if (m_o.legend) extra.push_back(legendBlock());
    for (Block& b : extra) skyline(b, kMargin + kGutter, kGap);

    arrows();
    flushes();
    for (const SceneItem& it : m_s.items)
        for (const ScenePoint& p : it.points) {
            contentR = std::max(contentR, p.x + 4);
            contentB = std::max(contentB, p.y + 4);
        }

    // At least the design size, and exactly the target's aspect ratio (grown in the short direction), so
    // that fitting the whole machine to the canvas leaves no band unused.
    m_s.width = std::max(designW, contentR + kMargin);
    m_s.height = std::max(designH, contentB + kMargin);
    const double aspect = designW / designH;
    if (m_s.width / m_s.height < aspect) m_s.width = m_s.height * aspect;
    else m_s.height = m_s.width / aspect;
    m_s.bounds = {0, 0, m_s.width, m_s.height};
    // The camera's frame: every subject item (arrows by their points).
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (const SceneItem& it : m_s.items) {
        if (!it.subject) continue;
        if (it.kind == ItemKind::Arrow) continue;
        x0 = std::min(x0, it.x);
        y0 = std::min(y0, it.y);
        x1 = std::max(x1, it.x + it.w);
        y1 = std::max(y1, it.y + it.h);
    }
    if (x1 > x0) {
        const double m = kMargin;
        // The margin stops at the title's bottom, so a camera fitting the frame never cuts the title in half.
        const double titleBottom = m_o.title.empty() ? 0.0 : kMargin + rowHeight(kTitleFont);
        x0 = std::max(0.0, x0 - m);
        y0 = y0 >= titleBottom ? std::max(titleBottom, y0 - m) : std::max(0.0, y0 - m);
        x1 = std::min(m_s.width, x1 + m);
        y1 = std::min(m_s.height, y1 + m);
        m_s.subjectBounds = {x0, y0, x1 - x0, y1 - y0};
    } else {
        m_s.subjectBounds = m_s.bounds;
    }
    m_s.subject = m_subj;
    return std::move(m_s);
}

}  // namespace

const SceneItem* Scene::find(std::string_view id) const {
    for (const auto& it : items)
        if (it.id == id) return &it;
    return nullptr;
}

Scene buildScene(const Machine& m, const SceneOptions& opt) {
    Builder b(m, opt);
    return b.build();
}

SceneDiff diffScenes(const Scene& a, const Scene& b) {
    SceneDiff d;
    std::map<std::string_view, const SceneItem*> ia, ib;
    for (const auto& it : a.items) ia[it.id] = &it;
    for (const auto& it : b.items) ib[it.id] = &it;
    for (const auto& it : b.items) {
        auto f = ia.find(it.id);
        if (f == ia.end()) d.added.push_back(it.id);
        else if (!(*f->second == it)) d.changed.push_back(it.id);
    }
    for (const auto& it : a.items)
        if (!ib.count(it.id)) d.removed.push_back(it.id);
    return d;
}

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
// Machine snapshot -> scene description: the layout every view and export draws.
//
// Layout, for a target canvas (SceneOptions::targetWidth/Height): the scene is kDesignHeight units high
// and as wide as the target's aspect ratio allows. The blocks (CPU cards with their TLBs, the
// page-directory-pointer tables, page directories, page tables, the step's figures) keep one stable
// order. The step's subject is packed first, under the title: in newspaper columns (by level, or
// flowing) or two shelves, whichever shape the camera framing it can draw largest; the context (a CPU
// outside the subject a two-line card, a table outside it a header) goes in columns right of it or under
// it, whichever grows the picture least. When a busy step's subject cannot be drawn at kMinSubjectScale
// (24 px text on a 1080-pixel canvas), its lesser parts become context (subjectTier). Walk arrows that
// would cross a block are routed round it. No two blocks overlap. Deterministic.
#include "tlblab/diagram.hpp"

#include "scene_build.hpp"
#include "tlblab/walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <queue>
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

namespace {

// The fields every item has: what it is, where, and whose.
SceneItem placedItem(std::string id, ItemKind kind, Role role, SceneRect r, std::string parent, bool subject) {
    SceneItem it;
    it.id = std::move(id);
    it.kind = kind;
    it.role = role;
    it.x = r.x;
    it.y = r.y;
    it.w = r.w;
    it.h = r.h;
    it.parent = std::move(parent);
    it.subject = subject;
    return it;
}

}  // namespace

SceneItem textItem(std::string id, Role role, double x, double y, const std::string& text, double font,
                   bool bold, std::string parent, bool subject) {
    SceneItem t = placedItem(std::move(id), ItemKind::Text, role, {x, y, textWidth(text, font), font * 1.35},
                             std::move(parent), subject);
    t.cells = {text};
    t.fontSize = font;
    t.bold = bold;
    return t;
}

SceneItem boxItem(std::string id, Role role, double x, double y, double w, double h, std::string parent,
                  bool subject) {
    return placedItem(std::move(id), ItemKind::Box, role, {x, y, w, h}, std::move(parent), subject);
}

SceneItem rowItem(std::string id, Role role, SceneRect r, std::vector<std::string> cells, std::vector<double> cellX,
                  double font, std::string parent, bool subject) {
    SceneItem row = placedItem(std::move(id), ItemKind::Row, role, r, std::move(parent), subject);
    row.cells = std::move(cells);
    row.cellX = std::move(cellX);
    row.fontSize = font;
    return row;
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
    std::string id;
    Role role = Role::Entry;
    std::vector<std::string> cells;
    std::string tooltip;
    int walkLevel = -1;
    bool changed = false;
    bool subject = false;
    bool highlight = false;
    u64 target = 0;  // next-level table (physical address), 0 if none
    SceneRef ref;
};

struct TableSpec {
    std::string id, header;
    Role role = Role::Table;
    std::vector<std::string> columnHeader;  // optional
    std::vector<TableRow> rows;
    bool subject = false;
    bool highlight = false;
    int cpu = -1;
    std::string tooltip;
    std::vector<u64> children;  // next-level tables its present entries point to (for a header-only table)
    SceneRef ref;
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

class CardLayout;
class ItemIndex;

class Builder {
public:
    Builder(const Machine& m, const SceneOptions& o) : m_m(m), m_o(o) {}
    Scene build();

private:
    void collectEvents();         // once per scene: what the step's events touched
    void collectTlbInteresting();  // per tier: entries behind its subject TLB entries, multimatches
    Block cpuBlock(const Cpu& c);
    void cardRegisters(CardLayout& card, const Cpu& c) const;
    TableSpec tlbTable(const Cpu& c) const;
    TableRow tlbRow(const Cpu& c, const TlbEntry& e) const;
    TableSpec pageTable(u64 pa, int level) const;
    std::vector<unsigned> presentEntries(u64 pa, int level) const;
    void headerOnly(TableSpec& t, u64 pa, int level, const std::vector<unsigned>& present) const;
    std::set<unsigned> shownEntries(u64 pa, const std::vector<unsigned>& present) const;
    TableRow entryRow(u64 pa, int level, unsigned i, const std::set<unsigned>& via) const;
    void tableInto(Block& b, const TableSpec& t, double y);
    double tableWidth(const TableSpec& t) const;
    std::string cr3Text(const Cpu& c, bool compact) const;
    std::vector<std::string> cpuLines(const Cpu& c) const;
    std::vector<std::vector<u64>> tableLevels() const;
    bool anyPresent(u64 frame) const;
    mutable std::unordered_map<u64, bool> m_anyPresent;  // table frame -> has a present entry (memoised)
    std::vector<std::vector<u64>> m_levels;
    StepSubject subjectTier(const StepSubject& full, int tier) const;
    void arrows();
    void cr3Arrows(const ItemIndex& index, std::vector<SceneItem>& out) const;
    void tableArrows(const ItemIndex& index, std::vector<SceneItem>& out) const;
    SceneItem linkArrow(const FigureLink& l, const SceneItem& from, const SceneItem* note, const SceneItem& to,
                        const ItemIndex& index) const;
    void ipiArrows(const ItemIndex& index, std::vector<SceneItem>& out) const;
    bool crossesFigureBelow(const SceneItem& fig, double notesBottom, ScenePoint a, ScenePoint b) const;
    void besideFigure(SceneItem& ar, const SceneItem& field, const SceneItem& note, const ItemIndex& index) const;
    void flushes();
    double addTitle();
    std::vector<Block> makeBlocks(bool addressFigs, std::vector<int>& group);
    std::vector<Block> tieredBlocks(double top, double designW, std::vector<ScenePoint>& pos);
    SceneRect subjectFrame() const;
    SceneItem arrow(std::string id, Role role, ScenePoint a, ScenePoint b) const;

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
    // Entries that must not vanish into a "... N more" row: those the step's events name (walked,
    // written, highlighted; found once per scene: a step can write a million entries) and those
    // behind the tier's subject TLB entries and any multimatch (per tier).
    std::set<u64> m_eventInteresting, m_tlbInteresting;
    bool interesting(u64 pa) const { return m_eventInteresting.count(pa) || m_tlbInteresting.count(pa); }
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
    for (const auto& [pa, l] : m_walkPa) m_eventInteresting.insert(pa);
    m_eventInteresting.insert(m_writtenPa.begin(), m_writtenPa.end());
    for (u64 pa : m_o.highlightEntries) m_eventInteresting.insert(pa);
}

void Builder::collectTlbInteresting() {
    m_tlbInteresting.clear();
    m_multimatch.clear();
    for (const Cpu& c : m_m.cpus()) {
        const auto entries = c.tlb.entries();
        for (const TlbEntry& t : entries) {
            if (m_subj.tlb.count({c.id, t.id})) {
                if (t.pdeAddr) m_tlbInteresting.insert(t.pdeAddr);
                if (t.pteAddr) m_tlbInteresting.insert(t.pteAddr);
            }
            // Two valid entries for one linear address: the erratum 383 multimatch.
            for (const TlbEntry& u : entries)
                if (u.id != t.id && (t.covers(u.va) || u.covers(t.va))) {
                    m_multimatch.insert({c.id, t.id});
                    if (t.pdeAddr) m_tlbInteresting.insert(t.pdeAddr);
                    if (t.pteAddr) m_tlbInteresting.insert(t.pteAddr);
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

Role cpuRole(CpuState state) {
    switch (state) {
    case CpuState::Halted: return Role::Halted;
    case CpuState::Offline: return Role::CpuOffline;
    case CpuState::Booting: return Role::CpuBooting;
    default: return Role::CpuCard;
    }
}

// A CPU card's lines and register rows, top to bottom in the card's local coordinates. Each takes its
// natural width; finish() makes them all as wide as the card.
class CardLayout {
public:
    CardLayout(Block& b, std::string id, int cpu, double pad) : m_b(b), m_id(std::move(id)), m_cpu(cpu), m_pad(pad) {
        m_y = pad * 0.6;
    }

    void row(SceneRef::Reg reg, std::string rid, Role role, const std::string& text, bool subj, bool changed,
             const std::string& tip, bool hl) {
        const double f = fontFor(subj);
        // The first row under the card's lines leaves their descenders ("active_mm") room: a highlighted
        // row's outline would cover them.
        if (m_lastText > 0) m_y += m_lastText * 0.15;
        m_lastText = 0;
        SceneItem r = rowItem(std::move(rid), role, {0, m_y, textWidth(text, f) + 2 * padFor(f), rowHeight(f)}, {text},
                              {padFor(f)}, f, m_id, subj);
        r.changed = changed;
        r.tooltip = tip;
        r.highlight = hl;
        r.cpu = m_cpu;
        r.ref = {SceneRef::Kind::Register, m_cpu, reg};
        m_rows.push_back(m_b.items.size());
        m_b.add(std::move(r));
        m_y += rowHeight(f);
    }

    void text(std::string tid, Role role, const std::string& text, bool subj, bool bold, double font = 0) {
        const double f = font > 0 ? font : fontFor(subj);
        m_texts.push_back(m_b.items.size());
        SceneItem& t = m_b.add(textItem(std::move(tid), role, m_pad, m_y, text, f, bold, m_id, subj));
        t.h = rowHeight(f);
        t.cpu = m_cpu;
        m_y += rowHeight(f);
        m_lastText = f;
    }

    // The bottom padding; returns the card's height.
    double close() {
        m_y += m_pad * 0.6;
        return m_y;
    }

    double naturalWidth() const {
        double w = 0;
        for (std::size_t i : m_rows) w = std::max(w, m_b.items[i].w);
        for (std::size_t i : m_texts) w = std::max(w, m_b.items[i].w + 2 * m_pad);
        return w;
    }

    void setWidth(double w) {
        for (std::size_t i : m_rows) m_b.items[i].w = w;
        for (std::size_t i : m_texts) m_b.items[i].w = w - 2 * m_pad;
    }

private:
    Block& m_b;
    std::string m_id;
    int m_cpu;
    double m_pad;
    double m_y = 0;
    double m_lastText = 0;  // font of the line just above, while no row has followed it
    std::vector<std::size_t> m_rows, m_texts;
};

std::string cr3Tooltip(const Cpu& c) {
    std::string tip = "CR3 " + hex32(c.regs.cr3);
    for (unsigned k = 0; k < 4; ++k)
        tip += fmt::format("\nPDPTE{} register {} {}", k, hex(c.regs.pdpte[k]), pae::describeEntry(c.regs.pdpte[k], 0));
    return tip;
}

// A subject card's lines (task, active_mm, kernel call stack) and its registers.
void Builder::cardRegisters(CardLayout& card, const Cpu& c) const {
    const std::string id = fmt::format("cpu{}", c.id);
    const auto lines = cpuLines(c);
    const bool taskSubj = m_taskChanged.count(c.id) != 0;
    for (std::size_t li = 0; li < lines.size(); ++li)
        card.text(fmt::format("{}.line{}", id, li + 1), Role::CardText, lines[li], taskSubj && li < 2, false);
    const std::string cr3Id = id + ".cr3";
    card.row(SceneRef::Reg::Cr3, cr3Id, Role::Register, cr3Text(c, false), true, m_cr3Changed.count(c.id) != 0,
             cr3Tooltip(c), m_o.highlightRegisters.count(cr3Id) != 0);
    const std::string cr4Id = id + ".cr4";
    const bool cr4Subj = m_cr4Changed.count(c.id) || m_o.highlightRegisters.count(cr4Id);
    card.row(SceneRef::Reg::Cr4, cr4Id, Role::Register,
             fmt::format("CR4.PGE {}  CR4 {}", c.regs.pge() ? 1 : 0, hex32(c.regs.cr4)), cr4Subj,
             m_cr4Changed.count(c.id) != 0,
             fmt::format("CR4 {}: PAE {} PSE {} PGE {}", hex32(c.regs.cr4), (c.regs.cr4 & pae::CR4_PAE) ? 1 : 0,
                         (c.regs.cr4 & pae::CR4_PSE) ? 1 : 0, c.regs.pge() ? 1 : 0),
             m_o.highlightRegisters.count(cr4Id) != 0);
    if (!c.mc0Status) return;
    card.row(SceneRef::Reg::Mc0Status, id + ".mc0", Role::MceRegister, "MC0_STATUS " + hex(c.mc0Status), true, true,
             pae::describeMc0Status(c.mc0Status), false);
    card.row(SceneRef::Reg::McgStatus, id + ".mcg", Role::MceRegister,
             fmt::format("MCG_STATUS {}{}", hex(c.mcgStatus), (c.mcgStatus & pae::MCG_STATUS_MCIP) ? " (MCIP)" : ""),
             true, true, "", false);
}

// A subject CPU: its card in full and its TLB under it. A context CPU: a compact card (name and state,
// the CR3 table, the TLB count).
Block Builder::cpuBlock(const Cpu& c) {
    Block b;
    const std::string id = fmt::format("cpu{}", c.id);
    b.id = id;
    const bool subj = m_all || m_subj.cpus.count(c.id) != 0;
    b.subject = subj;
    const std::size_t cardIndex = b.items.size();
    SceneItem& card0 = b.add(boxItem(id, cpuRole(c.state), 0, 0, 0, 0, "", subj));
    card0.cpu = c.id;
    card0.ref = {SceneRef::Kind::Cpu, c.id};
    card0.changed = m_stateChanged.count(c.id) != 0;
    card0.highlight = m_o.highlightCpus.count(c.id) != 0;
    card0.fontSize = fontFor(subj);

    std::string state = cpuStateName(c.state);
    for (auto& ch : state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CardLayout card(b, id, c.id, padFor(fontFor(subj)));
    // A context card's name and state stay text on a projector (>= 12 px at 1280x720 when the camera frames
    // a busy subject), not a grey bar: a larger font than the rest of the context.
    card.text(id + ".title", Role::CardTitle, fmt::format("CPU {}  {}", c.id, state), subj, true, subj ? 0 : kContextTitleFont);
    if (subj) {
        cardRegisters(card, c);
    } else {
        const std::string cr3Id = id + ".cr3";
        card.row(SceneRef::Reg::Cr3, cr3Id, Role::Register, cr3Text(c, true) + fmt::format("  TLB {}", c.tlb.entries().size()),
                 false, m_cr3Changed.count(c.id) != 0, cr3Tooltip(c), m_o.highlightRegisters.count(cr3Id) != 0);
    }
    const double cardH = card.close();
    double w = card.naturalWidth();
    TableSpec tlb;
    if (subj) {
        tlb = tlbTable(c);
        w = std::max(w, tableWidth(tlb));
    }
    card.setWidth(w);
    b.items[cardIndex].w = w;
    b.items[cardIndex].h = cardH;
    b.w = w;
    if (subj) tableInto(b, tlb, cardH + kGap * 0.4);
    else b.h = cardH;
    return b;
}

// One TLB entry of CPU c as a row: id, linear address, size, frame, bits, origin.
TableRow Builder::tlbRow(const Cpu& c, const TlbEntry& e) const {
    TableRow r;
    r.id = fmt::format("tlb:cpu{}:#{}", c.id, e.id);
    r.ref.kind = SceneRef::Kind::TlbEntry;
    r.ref.cpu = c.id;
    r.ref.tlbId = e.id;
    const bool mm = m_multimatch.count({c.id, e.id}) != 0;
    // The role is the entry's own kind; the lesson's highlight is an outline over it.
    if (mm) r.role = Role::Multimatch;
    else if (e.origin == Origin::Speculative) r.role = Role::TlbEntrySpeculative;
    else if (e.global) r.role = Role::TlbEntryGlobal;
    else if (e.user) r.role = Role::TlbEntryUser;
    else r.role = Role::TlbEntry;
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
    return r;
}

TableSpec Builder::tlbTable(const Cpu& c) const {
    TableSpec t;
    t.id = fmt::format("tlbtable:cpu{}", c.id);
    t.role = Role::TlbTable;
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
    for (const auto& e : shown) t.rows.push_back(tlbRow(c, e));
    if (hidden) {
        TableRow g;
        g.id = fmt::format("tlbgap:cpu{}", c.id);
        g.role = Role::EntryGap;
        g.cells = {fmt::format("... {} older {} ...", hidden, hidden == 1 ? "entry" : "entries")};
        t.rows.push_back(std::move(g));
    }
    return t;
}

const char* const kTableKind[] = {"PDPT", "PD", "PT"};

std::vector<unsigned> Builder::presentEntries(u64 pa, int level) const {
    const unsigned n = level == 0 ? 4 : 512;
    std::vector<unsigned> present;
    for (unsigned i = 0; i < n; ++i)
        if (m_m.memory().read64(pae::entryAddress(pa, i)) & pae::P) present.push_back(i);
    return present;
}

// A table drawn as its header only: name, kind, how many entries; arrows leave from the header to the
// next-level tables its present entries point to.
void Builder::headerOnly(TableSpec& t, u64 pa, int level, const std::vector<unsigned>& present) const {
    const bool collapsed = m_o.collapsedTables.count(tableLabel(m_m, pa)) != 0;
    t.header = fmt::format("{} ({}, {} present{})", tableLabel(m_m, pa), kTableKind[level], present.size(),
                           collapsed ? ", collapsed" : "");
    t.subject = false;
    if (level == 2) return;
    for (unsigned i : present) {
        const u64 raw = m_m.memory().read64(pae::entryAddress(pa, i));
        if (level == 1 && (raw & pae::PS)) continue;
        const u64 frame = raw & pae::kFrame4K;
        if (std::find(t.children.begin(), t.children.end(), frame) == t.children.end()) t.children.push_back(frame);
    }
}

// Which present entries to show: all when few; else the first two, the last, and every entry the step
// or a TLB entry of the subject refers to.
std::set<unsigned> Builder::shownEntries(u64 pa, const std::vector<unsigned>& present) const {
    std::set<unsigned> show;
    if (present.size() <= m_o.maxRowsPerTable) {
        show.insert(present.begin(), present.end());
        return show;
    }
    for (std::size_t i = 0; i < present.size() && i < 2; ++i) show.insert(present[i]);
    show.insert(present.back());
    for (unsigned i : present)
        if (interesting(pae::entryAddress(pa, i))) show.insert(i);
    return show;
}

// The linear address an entry maps (a PD reached by one PDPT index: in full; else relative).
std::string entryLinear(int level, unsigned i, const std::set<unsigned>& via) {
    if (level == 0) return hex32(u64{i} << 30);
    if (level == 1) {
        const u64 off = u64{i} << 21;
        return via.size() == 1 ? hex32((u64{*via.begin()} << 30) | off) : "+" + hex32(off);
    }
    return "+" + hex(u64{i} << 12);
}

// One present entry of table `pa` as a row: index, linear address, where it leads, its bits.
TableRow Builder::entryRow(u64 pa, int level, unsigned i, const std::set<unsigned>& via) const {
    const u64 epa = pae::entryAddress(pa, i);
    const u64 raw = m_m.memory().read64(epa);
    TableRow r;
    r.id = entryId(level, epa);
    r.ref.kind = SceneRef::Kind::TableEntry;
    r.ref.level = level;
    r.ref.pa = epa;
    const bool large = level == 1 && (raw & pae::PS);
    const bool leaf = level == 2 || large;
    const u64 frame = raw & (large ? pae::kFrame2M : pae::kFrame4K);
    // A next-level table without a present entry is not drawn: the entry says so instead.
    const bool emptyTarget = !leaf && !anyPresent(frame);
    const std::string target = leaf ? fmt::format("{} {}", large ? "2M" : "4K", hex32(frame))
                                    : "\xe2\x86\x92 " + tableLabel(m_m, frame) + (emptyTarget ? " (empty)" : "");
    const std::string flags = pae::describeEntry(raw, level);
    // A PT's linear addresses follow from its PDE: its rows give the frame and the bits.
    if (level == 2) r.cells = {fmt::format("[{}]", i), target, flags};
    else r.cells = {fmt::format("[{}]", i), entryLinear(level, i, via), target, flags};
    const u64 kernelPmd = m_m.kernel().kernelPmd;
    const bool low = level == 0 && i < 3 && kernelPmd && frame == kernelPmd;
    if (low) r.cells.emplace_back("LOW MAPPING");
    r.highlight = m_o.highlightEntries.count(epa) != 0;
    if (low) r.role = Role::EntryLowMapping;
    else if (leaf && (raw & pae::G)) r.role = Role::EntryGlobal;
    else if (leaf && (raw & pae::US)) r.role = Role::EntryUser;
    else r.role = Role::Entry;
    if (auto w = m_walkPa.find(epa); w != m_walkPa.end()) r.walkLevel = w->second;
    r.changed = m_writtenPa.count(epa) != 0;
    r.subject = m_all || m_subj.entries.count(epa) || interesting(epa) || r.walkLevel >= 0;
    if (!leaf && !emptyTarget) r.target = frame;
    r.tooltip = fmt::format("{} {} @ {}\nraw {}\n{}\n{}", level == 0 ? "PDPTE" : level == 1 ? "PDE" : "PTE", i,
                            hex(epa), hex(raw), flags,
                            leaf ? fmt::format("maps a {} page at frame {}", large ? "2 MiB" : "4 KiB", hex(frame))
                                 : "points to " + tableLabel(m_m, frame) + " @ " + hex(frame));
    return r;
}

// A run of hidden entries, as one "... N more ..." row.
TableRow gapRow(const std::string& table, unsigned from, std::size_t count, bool allLarge) {
    TableRow g;
    g.id = fmt::format("gap:{}:{}", table, from);
    g.role = Role::EntryGap;
    g.cells = {fmt::format("... {} more {}{} ...", count, allLarge ? "2M " : "", count == 1 ? "entry" : "entries")};
    return g;
}

TableSpec Builder::pageTable(u64 pa, int level) const {
    TableSpec t;
    t.id = tableId(m_m, pa);
    t.ref.kind = SceneRef::Kind::Table;
    t.ref.level = level;
    t.ref.pa = pa;
    t.subject = m_all || m_subj.tables.count(pa) != 0;
    t.tooltip = fmt::format("{} {} @ {}", tableLabel(m_m, pa), kTableKind[level], hex(pa));
    const std::vector<unsigned> present = presentEntries(pa, level);
    if (!t.subject || m_o.collapsedTables.count(tableLabel(m_m, pa))) {
        headerOnly(t, pa, level, present);
        return t;
    }
    std::set<unsigned> via;
    if (level == 1)
        if (auto v = m_via.find(pa); v != m_via.end()) via = v->second;
    t.header = fmt::format("{}  ({})", tableLabel(m_m, pa), kTableKind[level]);
    if (via.size() > 1) {
        std::string v;
        for (unsigned i : via) v += (v.empty() ? "" : ",") + std::to_string(i);
        t.header += "  via pgd[" + v + "]";
    }
    const std::set<unsigned> show = shownEntries(pa, present);
    std::size_t hiddenRun = 0;
    unsigned runStart = 0;
    bool runLarge = true;
    for (unsigned i : present) {
        if (!show.count(i)) {
            if (!hiddenRun) {
                runStart = i;
                runLarge = true;
            }
            ++hiddenRun;
            runLarge = runLarge && level == 1 && (m_m.memory().read64(pae::entryAddress(pa, i)) & pae::PS);
            continue;
        }
        if (hiddenRun) t.rows.push_back(gapRow(tableLabel(m_m, pa), runStart, hiddenRun, runLarge));
        hiddenRun = 0;
        t.rows.push_back(entryRow(pa, level, i, via));
    }
    if (hiddenRun) t.rows.push_back(gapRow(tableLabel(m_m, pa), runStart, hiddenRun, runLarge));
    if (present.empty()) {
        TableRow g;
        g.id = t.id + ":empty";
        g.role = Role::EntryGap;
        g.cells = {"(no present entries)"};
        t.rows.push_back(std::move(g));
    }
    return t;
}

// The column offsets of a table's column names and entry rows (gap rows span the table).
std::vector<double> tableColumns(const TableSpec& t, double& width) {
    std::vector<std::pair<const std::vector<std::string>*, double>> cells;
    if (!t.columnHeader.empty()) cells.emplace_back(&t.columnHeader, kNoteFont);
    for (const auto& r : t.rows)
        if (r.role != Role::EntryGap) cells.emplace_back(&r.cells, fontFor(r.subject));
    return columnOffsets(cells, width);
}

double Builder::tableWidth(const TableSpec& t) const {
    double w = 0;
    tableColumns(t, w);
    const double hf = headerFont(t);
    w = std::max(w, textWidth(t.header, hf) + 2 * padFor(hf));
    for (const auto& r : t.rows)
        if (r.role == Role::EntryGap) w = std::max(w, textWidth(r.cells[0], kContextFont) + 2 * padFor(kContextFont));
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
    box.ref = t.ref;
    auto row = [&](std::string id, Role role, double h, std::vector<std::string> cells, std::vector<double> cellX,
                   double fontSize, bool subj) -> SceneItem& {
        SceneItem& it = b.add(rowItem(std::move(id), role, {0, y, width, h}, std::move(cells), std::move(cellX), fontSize, t.id, subj));
        it.cpu = t.cpu;
        y += h;
        return it;
    };
    const double hf = headerFont(t);
    SceneItem& header = row(t.id + ".header", Role::TableHeader, rowHeight(hf), {t.header}, {padFor(hf)}, hf, t.subject);
    header.bold = true;
    header.tooltip = t.tooltip;

    double dummy = 0;
    const auto off = tableColumns(t, dummy);
    auto offsets = [&](std::size_t n) {
        return std::vector<double>(off.begin(), off.begin() + static_cast<long>(std::min(n, off.size())));
    };
    if (!t.columnHeader.empty())
        row(t.id + ".columns", Role::TableColumns, rowHeight(kNoteFont), t.columnHeader, offsets(t.columnHeader.size()),
            kNoteFont, false);
    for (const auto& r : t.rows) {
        const double f = fontFor(r.subject);
        SceneItem& it = row(r.id, r.role, rowHeight(f), r.cells,
                            r.role == Role::EntryGap ? std::vector<double>{padFor(f)} : offsets(r.cells.size()), f, r.subject);
        it.walkLevel = r.walkLevel;
        it.changed = r.changed;
        it.tooltip = r.tooltip;
        it.highlight = r.highlight;
        it.ref = r.ref;
        if (r.target) m_entryArrows.emplace_back(r.id, r.target);
    }
    y += 4;
    b.items[boxIndex].h = y - top;
    b.w = std::max(b.w, width);
    b.h = std::max(b.h, y);
    for (const u64 child : t.children) m_headerArrows.emplace_back(t.id, child);
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
                const u64 raw = m_m.memory().read64(pae::entryAddress(pa, i));
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
            if (m_m.memory().read64(pae::entryAddress(frame, j)) & pae::P) any = true;
    m_anyPresent.emplace(frame, any);
    return any;
}

// ---- orthogonal routing of the walk's arrows -----------------------------------------------------

// Whether the open segment a-b passes through the inside of r (edges and corners do not count).
bool segmentCrosses(ScenePoint a, ScenePoint b, const SceneRect& r) {
    const double x0 = std::min(a.x, b.x), x1 = std::max(a.x, b.x), y0 = std::min(a.y, b.y), y1 = std::max(a.y, b.y);
    if (x1 <= r.x || x0 >= r.x + r.w || y1 <= r.y || y0 >= r.y + r.h) return false;
    if (a.x == b.x || a.y == b.y) return true;  // axis-parallel and overlapping the inside
    // Clip the line to the rectangle (Liang-Barsky).
    double t0 = 0, t1 = 1;
    const double dx = b.x - a.x, dy = b.y - a.y;
    auto clip = [&](double p, double q) {
        if (p == 0) return q > 0;
        const double t = q / p;
        if (p < 0) t0 = std::max(t0, t);
        else t1 = std::min(t1, t);
        return t0 < t1;
    };
    return clip(-dx, a.x - r.x) && clip(dx, r.x + r.w - a.x) && clip(-dy, a.y - r.y) && clip(dy, r.y + r.h - a.y) &&
           t1 - t0 > 1e-6;
}

// The grid a route runs on: the lines through the route's ends and along the obstacles' edges, with which
// of its points, and of the segments right of and below each point, are clear of every obstacle.
struct RouteGrid {
    std::vector<double> xs, ys;
    std::vector<char> freeP, freeR, freeD;  // by point index i * ys.size() + j

    RouteGrid(ScenePoint a, ScenePoint b, const std::vector<SceneRect>& obs) : xs{a.x, b.x}, ys{a.y, b.y} {
        for (const SceneRect& r : obs) {
            xs.push_back(r.x);
            xs.push_back(r.x + r.w);
            ys.push_back(r.y);
            ys.push_back(r.y + r.h);
        }
        std::sort(xs.begin(), xs.end());
        xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
        std::sort(ys.begin(), ys.end());
        ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
        auto inside = [&](double x, double y) {
            for (const SceneRect& r : obs)
                if (x > r.x && x < r.x + r.w && y > r.y && y < r.y + r.h) return true;
            return false;
        };
        const std::size_t nx = xs.size(), ny = ys.size();
        freeP.resize(nx * ny);
        freeR.resize(nx * ny);
        freeD.resize(nx * ny);
        for (std::size_t i = 0; i < nx; ++i)
            for (std::size_t j = 0; j < ny; ++j) {
                const std::size_t k = i * ny + j;
                freeP[k] = !inside(xs[i], ys[j]);
                freeR[k] = i + 1 < nx && !inside((xs[i] + xs[i + 1]) / 2, ys[j]);
                freeD[k] = j + 1 < ny && !inside(xs[i], (ys[j] + ys[j + 1]) / 2);
            }
    }

    std::size_t point(ScenePoint p) const {
        const auto i = static_cast<std::size_t>(std::lower_bound(xs.begin(), xs.end(), p.x) - xs.begin());
        const auto j = static_cast<std::size_t>(std::lower_bound(ys.begin(), ys.end(), p.y) - ys.begin());
        return i * ys.size() + j;
    }
    ScenePoint at(std::size_t k) const { return {xs[k / ys.size()], ys[k % ys.size()]}; }

    // The point one step from point k in direction d (0 +x, 1 +y, 2 -x, 3 -y) along a free segment, or SIZE_MAX.
    std::size_t step(std::size_t k, int d) const {
        const std::size_t ny = ys.size(), i = k / ny, j = k % ny;
        std::size_t next = SIZE_MAX;
        if (d == 0 && freeR[k]) next = k + ny;
        else if (d == 2 && i > 0 && freeR[k - ny]) next = k - ny;
        else if (d == 1 && freeD[k]) next = k + 1;
        else if (d == 3 && j > 0 && freeD[k - 1]) next = k - 1;
        return next != SIZE_MAX && freeP[next] ? next : SIZE_MAX;
    }
};

// The grid points of the cheapest path from point s leaving in direction `out` to point t entering in
// direction `in` (a bend costs kBend units of length), from s to t; empty if there is none. Dijkstra over
// (point, direction) states.
std::vector<ScenePoint> cheapestGridPath(const RouteGrid& g, std::size_t s, int out, std::size_t t, int in) {
    constexpr double kBend = 60;
    const std::size_t n = g.freeP.size() * 4;
    std::vector<double> dist(n, 1e18);
    std::vector<std::size_t> prev(n, SIZE_MAX);
    using Q = std::pair<double, std::size_t>;
    std::priority_queue<Q, std::vector<Q>, std::greater<>> q;
    auto relax = [&](std::size_t from, std::size_t to, double d) {
        if (d < dist[to]) {
            dist[to] = d;
            prev[to] = from;
            q.push({d, to});
        }
    };
    const std::size_t s0 = s * 4 + static_cast<std::size_t>(out);
    dist[s0] = 0;
    q.push({0, s0});
    std::size_t goal = SIZE_MAX;
    while (!q.empty()) {
        auto [d, st] = q.top();
        q.pop();
        if (d > dist[st]) continue;
        const std::size_t k = st / 4;
        const int dir = static_cast<int>(st % 4);
        if (k == t && dir == in) {
            goal = st;
            break;
        }
        for (int nd = 0; nd < 4; ++nd) {
            if ((nd + 2) % 4 == dir) continue;  // no U-turn in place
            const std::size_t nk = g.step(k, nd);
            if (nk == SIZE_MAX) continue;
            const ScenePoint p = g.at(k), np = g.at(nk);
            const double len = std::abs(np.x - p.x) + std::abs(np.y - p.y);
            relax(st, nk * 4 + static_cast<std::size_t>(nd), d + len + (nd != dir ? kBend : 0));
        }
        // Turning in place towards the entry direction at the target.
        if (k == t && dir != in) relax(st, k * 4 + static_cast<std::size_t>(in), d + kBend);
    }
    if (goal == SIZE_MAX) return {};
    std::vector<ScenePoint> pts;
    for (std::size_t st = goal; st != SIZE_MAX; st = prev[st]) {
        const ScenePoint p = g.at(st / 4);
        if (pts.empty() || !(pts.back() == p)) pts.push_back(p);
    }
    std::reverse(pts.begin(), pts.end());
    return pts;
}

// A path's corners only: the points where it turns, and its ends.
std::vector<ScenePoint> cornersOf(const std::vector<ScenePoint>& pts) {
    std::vector<ScenePoint> out;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        if (i > 0 && i + 1 < pts.size()) {
            const ScenePoint &p = out.back(), &c = pts[i], &n = pts[i + 1];
            if ((p.x == c.x && c.x == n.x) || (p.y == c.y && c.y == n.y)) continue;
        }
        out.push_back(pts[i]);
    }
    return out;
}

// An orthogonal path from a to b round the obstacles (each grown by `clear`), on the grid of their edges:
// fewest bends, then shortest. `out` / `in`: the direction leaving a and entering b (0 +x, 1 +y, 2 -x, 3 -y).
// Empty if there is none.
std::vector<ScenePoint> orthogonalRoute(ScenePoint a, int out, ScenePoint b, int in, const std::vector<SceneRect>& obstacles,
                                        double clear) {
    // The first and last legs: straight out of a and into b, by the clearance. An obstacle round either end
    // (the figure holding a field) does not count.
    static const double kDx[] = {1, 0, -1, 0}, kDy[] = {0, 1, 0, -1};
    const ScenePoint a1{a.x + kDx[out] * clear * 1.5, a.y + kDy[out] * clear * 1.5};
    const ScenePoint b1{b.x - kDx[in] * clear * 1.5, b.y - kDy[in] * clear * 1.5};
    std::vector<SceneRect> obs;
    for (const SceneRect& r : obstacles) {
        const SceneRect g{r.x - clear, r.y - clear, r.w + 2 * clear, r.h + 2 * clear};
        auto holds = [&](ScenePoint p) { return p.x > g.x && p.x < g.x + g.w && p.y > g.y && p.y < g.y + g.h; };
        if (!holds(a1) && !holds(b1)) obs.push_back(g);
    }
    const RouteGrid grid(a1, b1, obs);
    const std::size_t s = grid.point(a1), t = grid.point(b1);
    if (!grid.freeP[s] || !grid.freeP[t]) return {};
    std::vector<ScenePoint> pts = cheapestGridPath(grid, s, out, t, in);
    if (pts.empty()) return {};
    pts.insert(pts.begin(), a);
    if (!(pts.back() == b)) pts.push_back(b);
    return cornersOf(pts);
}

SceneItem Builder::arrow(std::string id, Role role, ScenePoint a, ScenePoint b) const {
    SceneItem it;
    it.id = std::move(id);
    it.kind = ItemKind::Arrow;
    it.role = role;
    it.points = {a, b};
    it.fontSize = 0;
    return it;
}

// The scene's items by id (the first of an id), and the top-level block holding an item.
class ItemIndex {
public:
    explicit ItemIndex(const std::vector<SceneItem>& items) : m_items(items) {
        for (std::size_t i = 0; i < items.size(); ++i) m_at.emplace(items[i].id, i);
    }
    const SceneItem* find(const std::string& id) const {
        auto f = m_at.find(id);
        return f == m_at.end() ? nullptr : &m_items[f->second];
    }
    const SceneItem* root(const std::string& id) const {
        const SceneItem* it = find(id);
        for (int guard = 0; it && !it->parent.empty() && guard < 8; ++guard) it = find(it->parent);
        return it;
    }

private:
    const std::vector<SceneItem>& m_items;
    std::unordered_map<std::string, std::size_t> m_at;
};

ScenePoint rightMid(const SceneItem& it) { return {it.x + it.w, it.y + it.h / 2}; }
ScenePoint leftMid(const SceneItem& it) { return {it.x, it.y + it.h / 2}; }

// An arrow from its source row or register to a table's header: a target to the right is reached by an
// elbow (across, down or up in the gap before the target, across) rather than a diagonal through the
// picture; a target not to the right of its source (a table below in the same column) round the right-hand
// side, into its right edge, instead of by a line back across the column.
void elbow(SceneItem& a, const SceneItem& to) {
    const ScenePoint s0 = a.points.front();
    if (to.x > s0.x + 8) {
        const ScenePoint e0 = a.points.back();
        if (std::abs(e0.y - s0.y) < 1) return;
        const double xm = e0.x - s0.x > 2.5 * kColGap ? e0.x - kColGap * 0.35 : (s0.x + e0.x) / 2;
        a.points = {s0, {xm, s0.y}, {xm, e0.y}, e0};
        return;
    }
    const ScenePoint e{to.x + to.w, to.y + to.h / 2};
    const double gx = std::max(s0.x, e.x) + 14;
    a.points = {s0, {gx, s0.y}, {gx, e.y}, e};
}

// CR3 -> PDPT, in the CPU's colour; lit when the CPU walked.
void Builder::cr3Arrows(const ItemIndex& index, std::vector<SceneItem>& out) const {
    for (const auto& c : m_m.cpus()) {
        const u64 pdpt = c.regs.cr3 & pae::kCr3PdptMask;
        const std::string rid = fmt::format("cpu{}.cr3", c.id);
        const SceneItem* from = index.find(rid);
        const SceneItem* to = index.find(tableId(m_m, pdpt) + ".header");
        if (c.state == CpuState::Offline || !c.regs.pagingOn() || !from || !to) continue;
        const bool walked = m_walkCpus.count(c.id) != 0;
        SceneItem a = arrow("arrow:" + rid, walked ? Role::ArrowWalk : Role::ArrowCr3, rightMid(*from), leftMid(*to));
        a.from = rid;
        a.to = tableId(m_m, pdpt);
        a.cpu = c.id;
        if (walked) a.walkLevel = 0;
        a.changed = m_cr3Changed.count(c.id) != 0;
        a.subject = m_all || m_subj.cpus.count(c.id) != 0;
        elbow(a, *to);
        out.push_back(std::move(a));
    }
}

// A drawn entry -> the table it points to (on the walk path: lit, one level further); a header-only table
// -> each table its entries point to.
void Builder::tableArrows(const ItemIndex& index, std::vector<SceneItem>& out) const {
    for (const auto& [rid, tpa] : m_entryArrows) {
        const SceneItem* from = index.find(rid);
        const SceneItem* to = index.find(tableId(m_m, tpa) + ".header");
        if (!from || !to) continue;
        SceneItem a = arrow("arrow:" + rid, from->role == Role::EntryLowMapping ? Role::ArrowLowMapping : Role::Arrow,
                            rightMid(*from), leftMid(*to));
        a.from = rid;
        a.to = tableId(m_m, tpa);
        if (from->walkLevel >= 0) {
            a.walkLevel = from->walkLevel + 1;
            a.role = Role::ArrowWalk;
        }
        a.changed = from->changed;
        a.subject = from->subject;
        elbow(a, *to);
        out.push_back(std::move(a));
    }
    for (const auto& [tid, child] : m_headerArrows) {
        const SceneItem* from = index.find(tid + ".header");
        const SceneItem* to = index.find(tableId(m_m, child) + ".header");
        if (!from || !to) continue;
        SceneItem a = arrow("arrow:" + tid + "->" + tableId(m_m, child), Role::ArrowContext, rightMid(*from), leftMid(*to));
        a.from = tid;
        a.to = tableId(m_m, child);
        elbow(a, *to);
        out.push_back(std::move(a));
    }
}

// Whether the segment a-b passes through a field's bit-range note of figure `fig`.
bool crossesANote(const ItemIndex& index, const std::string& fig, ScenePoint a, ScenePoint b) {
    for (const char* f : {"0", "1", "2", "offset"})
        if (const SceneItem* n = index.find(fig + ".field:" + f + ".bits"); n && segmentCrosses(a, b, {n->x, n->y, n->w, n->h}))
            return true;
    return false;
}

// Whether the segment a-b passes through a part of figure `fig` under its fields' notes (the frame, the
// fault and its error-code bits, the caption).
bool Builder::crossesFigureBelow(const SceneItem& fig, double notesBottom, ScenePoint a, ScenePoint b) const {
    for (const SceneItem& it : m_s.items)
        if (it.parent == fig.id && it.y >= notesBottom && segmentCrosses(a, b, {it.x, it.y, it.w, it.h})) return true;
    return false;
}

// A field's arrow to a target beside its figure that the straight line would draw through the frame or the
// fault under the fields goes round them: the outermost field on the target's side straight out of its
// side, another field's under the notes to the figure's side; then down or up in the gap before the
// target (the outermost's nearer the target, so the two do not cross), and across into it.
void Builder::besideFigure(SceneItem& ar, const SceneItem& field, const SceneItem& note, const ItemIndex& index) const {
    const SceneItem* fig = index.find(field.parent);
    const ScenePoint a = ar.points.front(), b = ar.points.back();
    if (!fig || !crossesFigureBelow(*fig, a.y, a, b)) return;
    const bool left = b.x <= fig->x;
    if (!left && b.x < fig->x + fig->w) return;
    bool outermost = true;
    for (const char* f : {"0", "1", "2", "offset"})
        if (const SceneItem* o = index.find(fig->id + ".field:" + f); o && o != &field)
            outermost = outermost && (left ? o->x > field.x : o->x < field.x);
    const double gap = left ? fig->x - b.x : b.x - (fig->x + fig->w);
    const double xm = b.x + (left ? 1 : -1) * gap * (outermost ? 0.35 : 0.65);
    if (outermost) {
        const ScenePoint s{left ? field.x : field.x + field.w, field.y + field.h / 2};
        ar.points = {s, {xm, s.y}, {xm, b.y}, b};
    } else {
        const double yl = note.y + note.h + 5;
        ar.points = {a, {a.x, yl}, {xm, yl}, {xm, b.y}, b};
    }
}

// A figure's address field -> the entry it selects: straight across when the entry is beside it on the
// same level; else out of the field's top edge, or out from under its bit-range note `note` (the field's
// label, not to be crossed), straight into the nearer side of the target.
SceneItem Builder::linkArrow(const FigureLink& l, const SceneItem& from, const SceneItem* note, const SceneItem& to,
                             const ItemIndex& index) const {
    ScenePoint a, b;
    if (to.x >= from.x + from.w && to.y < from.y + from.h && from.y < to.y + to.h) {
        const double y = (std::max(from.y, to.y) + std::min(from.y + from.h, to.y + to.h)) / 2;
        a = {from.x + from.w, y};
        b = {to.x, y};
    } else {
        const bool below = to.y + to.h / 2 > from.y + from.h;
        const double bottom = note ? note->y + note->h : from.y + from.h;
        a = {from.x + from.w / 2, below ? bottom : from.y};
        const bool inside = a.x >= to.x && a.x <= to.x + to.w;
        b = inside ? ScenePoint{a.x, below ? to.y : to.y + to.h} : (a.x < to.x ? leftMid(to) : rightMid(to));
    }
    SceneItem ar = arrow(l.id, l.role, a, b);
    if (note && a.y == note->y + note->h && crossesANote(index, from.parent, a, b)) {
        // A target beside the figure at the level of its notes: under the notes to the figure's side, then
        // across in the gap before the target.
        const SceneItem* fig = index.find(from.parent);
        const double yl = a.y + 5;
        const double xm = b.x < a.x ? (fig->x + b.x) / 2 : (fig->x + fig->w + b.x) / 2;
        ar.points = {a, {a.x, yl}, {xm, yl}, {xm, b.y}, b};
    } else if (note && a.y == note->y + note->h) {
        besideFigure(ar, from, *note, index);
    }
    ar.from = l.from;
    ar.to = to.id;
    ar.walkLevel = l.walkLevel;
    ar.subject = l.subject;
    return ar;
}

// IPIs: from the initiator's card to each target's, round the left gutter, in the initiator's colour; to a
// card in a further column, straight across the gap between them.
void Builder::ipiArrows(const ItemIndex& index, std::vector<SceneItem>& out) const {
    int n = 0;
    for (const Event& e : m_o.events) {
        if (e.kind != EventKind::IpiSend) continue;
        const SceneItem* from = index.find(fmt::format("cpu{}", e.cpu));
        const SceneItem* to = index.find(fmt::format("cpu{}", e.other));
        if (!from || !to) continue;
        const double gx = from->x - kGutter * (0.35 + 0.12 * (n % 4));
        const ScenePoint a{from->x, from->y + std::min(from->h / 2, 30.0)};
        const ScenePoint b{to->x, to->y + std::min(to->h / 2, 30.0) + 6};
        SceneItem ar = arrow(fmt::format("ipi:{}:cpu{}->cpu{}", n, e.cpu, e.other), Role::Ipi, a, b);
        ar.points = {a, {gx, a.y}, {gx, b.y}, b};
        const double y = std::min(from->y, to->y) + 12 + 8 * (n % 4);
        if (to->x >= from->x + from->w) ar.points = {{from->x + from->w, y}, {to->x, y}};
        else if (from->x >= to->x + to->w) ar.points = {{from->x, y}, {to->x + to->w, y}};
        ar.from = from->id;
        ar.to = to->id;
        ar.cpu = e.cpu;
        ar.subject = true;
        ar.tooltip = "IPI " + e.detail;
        out.push_back(std::move(ar));
        ++n;
    }
}

// The side of r that p lies on, as a direction (0 +x, 1 +y, 2 -x, 3 -y): leaving it, outwards; entering,
// the direction of travel into that side.
int sideOf(const SceneItem& r, ScenePoint p, bool leaving) {
    const double e = 0.5;
    int d = 3;
    if (std::abs(p.x - (r.x + r.w)) < e) d = 0;
    else if (std::abs(p.x - r.x) < e) d = 2;
    else if (std::abs(p.y - (r.y + r.h)) < e) d = 1;
    return leaving ? d : (d + 2) % 4;
}

// Where an orthogonal path out of figure `fig` leaves it: a point just outside the figure inserted on the
// segment that crosses its border; returns that point's index (nothing if the path leaves it diagonally).
std::optional<std::size_t> figureExit(std::vector<ScenePoint>& pts, const SceneItem& fig) {
    auto outside = [&](ScenePoint p) { return p.x < fig.x || p.x > fig.x + fig.w || p.y < fig.y || p.y > fig.y + fig.h; };
    constexpr double kOut = 8;
    for (std::size_t k = 0; k + 1 < pts.size(); ++k) {
        const ScenePoint p = pts[k], q = pts[k + 1];
        if (!outside(q)) continue;
        ScenePoint e = p;
        if (p.y == q.y) e.x = q.x < p.x ? std::max(q.x, fig.x - kOut) : std::min(q.x, fig.x + fig.w + kOut);
        else if (p.x == q.x) e.y = q.y < p.y ? std::max(q.y, fig.y - kOut) : std::min(q.y, fig.y + fig.h + kOut);
        else return std::nullopt;
        if (!outside(e)) return std::nullopt;
        if (e == q) return k + 1;
        pts.insert(pts.begin() + static_cast<long>(k) + 1, e);
        return k + 1;
    }
    return std::nullopt;
}

// A walk arrow that would cross a block it does not join (a CPU card, a table, a figure) goes round the
// blocks near it instead, in the gaps between them. `roots`: the top-level blocks.
void routeRoundBlocks(SceneItem& a, const ItemIndex& index, const std::vector<const SceneItem*>& roots) {
    const SceneItem* fromRoot = index.root(a.from);
    const SceneItem* toRoot = index.root(a.to);
    const SceneItem* fromItem = index.find(a.from);
    const SceneItem* toItem = index.find(a.to);
    if (!fromItem || !toItem) return;
    // The arrow ends at the target's header when it points at a table.
    if (const SceneItem* h = index.find(a.to + ".header")) toItem = h;
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (const ScenePoint& p : a.points) {
        x0 = std::min(x0, p.x - 300);
        y0 = std::min(y0, p.y - 300);
        x1 = std::max(x1, p.x + 300);
        y1 = std::max(y1, p.y + 300);
    }
    const SceneRect near{x0, y0, x1 - x0, y1 - y0};
    std::vector<SceneRect> obstacles, others;
    for (const SceneItem* r : roots) {
        if (!near.intersects({r->x, r->y, r->w, r->h})) continue;
        obstacles.push_back({r->x, r->y, r->w, r->h});
        if (r != fromRoot && r != toRoot) others.push_back(obstacles.back());
    }
    // An arrow out of a figure's field keeps its way out of the figure (linkArrow, besideFigure: round the
    // figure's frame and fault) to just outside it; only the rest is routed.
    std::vector<ScenePoint> pts = a.points;
    std::size_t first = 0;
    if (fromItem->role == Role::AddrField && fromRoot && pts.size() > 2)
        if (const auto e = figureExit(pts, *fromRoot)) first = *e;
    bool crosses = false;
    for (std::size_t k = first; k + 1 < pts.size() && !crosses; ++k)
        for (const SceneRect& r : others)
            if (segmentCrosses(pts[k], pts[k + 1], r)) {
                crosses = true;
                break;
            }
    if (!crosses) return;
    const ScenePoint p0 = pts[first], p1 = pts.back();
    int out = sideOf(*fromItem, p0, true);
    if (first > 0) {
        const ScenePoint q = pts[first - 1];
        out = p0.x > q.x ? 0 : p0.y > q.y ? 1 : p0.x < q.x ? 2 : 3;
    }
    // Out from under a figure field's bit-range note (linkArrow): downwards.
    if (const SceneItem* note = index.find(a.from + ".bits"); note && std::abs(p0.y - (note->y + note->h)) < 0.5) out = 1;
    auto routed = orthogonalRoute(p0, out, p1, sideOf(*toItem, p1, false), obstacles, 7);
    if (routed.empty()) return;
    routed.insert(routed.begin(), pts.begin(), pts.begin() + static_cast<long>(first));
    a.points = std::move(routed);
}

void Builder::arrows() {
    const ItemIndex index(m_s.items);
    std::vector<SceneItem> out;
    cr3Arrows(index, out);
    tableArrows(index, out);
    for (const FigureLink& l : m_links) {
        const SceneItem* from = index.find(l.from);
        const SceneItem* to = index.find(l.to);
        if (!to && !l.fallback.empty()) to = index.find(l.fallback);
        if (from && to) out.push_back(linkArrow(l, *from, index.find(l.from + ".bits"), *to, index));
    }
    ipiArrows(index, out);
    std::vector<const SceneItem*> roots;
    for (const SceneItem& it : m_s.items)
        if (it.parent.empty() && it.kind != ItemKind::Arrow && it.role != Role::Title) roots.push_back(&it);
    for (SceneItem& a : out)
        if (a.role == Role::ArrowWalk && a.points.size() >= 2) routeRoundBlocks(a, index, roots);
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

// Blocks in newspaper columns: top to bottom, a new column when the next block would pass `colH` (or,
// with `byGroup`, when the group changes: CPUs, PDPTs, PDs, PTs, figures each in their own columns).
// The smallest scale at which the camera may draw the subject (framedScale): its text then stays at
// least kSubjectFont * 2/3 of the design size (24 px on a 1080-pixel-high canvas, 16 px on a 720 one);
// a little above, for the title's room.
constexpr double kMinSubjectScale = 0.69;
constexpr int kLastTier = 3;

struct Packing {
    std::vector<ScenePoint> pos;  // of each packed block, from the packing's top left
    double w = 0, h = 0;
};

Packing newspaper(const std::vector<Block>& blocks, const std::vector<int>& group, const std::vector<std::size_t>& idx,
                  double colH, bool byGroup) {
    Packing p;
    double x = 0, y = 0, colW = 0;
    int prev = -1;
    for (std::size_t i : idx) {
        const Block& b = blocks[i];
        if (y > 0 && (y + b.h > colH + 0.01 || (byGroup && group[i] != prev))) {
            x += colW + kColGap;
            y = 0;
            colW = 0;
        }
        p.pos.push_back({x, y});
        y += b.h + kGap;
        colW = std::max(colW, b.w);
        p.h = std::max(p.h, y - kGap);
        p.w = std::max(p.w, x + colW);
        prev = group[i];
    }
    return p;
}

// How large the camera can draw a packing of w x h, framed with its margins, on a canvas of w0 x h0
// (1 = at the design scale).
double framedScale(double w, double h, double w0, double h0) {
    return std::min(w0 / (w + 2 * kMargin), h0 / (h + 2 * kMargin));
}

// The packings of blocks `idx` in newspaper columns, for every column height that changes where a column
// breaks, in columns by level and flowing: those no other packing beats in both width and height.
std::vector<std::pair<Packing, bool>> packings(const std::vector<Block>& blocks, const std::vector<int>& group,
                                               const std::vector<std::size_t>& idx) {
    std::vector<double> heights;
    double tallest = 0;
    for (std::size_t i : idx) tallest = std::max(tallest, blocks[i].h);
    for (std::size_t a = 0; a < idx.size(); ++a) {
        double h = 0;
        for (std::size_t b = a; b < idx.size(); ++b) {
            h += blocks[idx[b]].h + (b > a ? kGap : 0);
            if (h >= tallest) heights.push_back(h);
        }
    }
    std::sort(heights.begin(), heights.end());
    heights.erase(std::unique(heights.begin(), heights.end()), heights.end());
    // A machine of many CPUs drawn whole: a sample of the heights is enough (and keeps a step fast).
    if (heights.size() > 48) {
        std::vector<double> some;
        for (std::size_t k = 0; k < 48; ++k) some.push_back(heights[k * (heights.size() - 1) / 47]);
        heights = std::move(some);
    }
    std::vector<std::pair<Packing, bool>> all;
    for (bool byGroup : {true, false})
        for (double colH : heights) all.emplace_back(newspaper(blocks, group, idx, colH, byGroup), byGroup);
    std::vector<std::pair<Packing, bool>> front;
    for (std::size_t i = 0; i < all.size(); ++i) {
        bool beaten = false;
        for (std::size_t j = 0; j < all.size() && !beaten; ++j) {
            const Packing &a = all[i].first, &b = all[j].first;
            // Beaten: the other is no larger either way and smaller one way (or equal and by level, first).
            const bool le = b.w <= a.w + 1e-9 && b.h <= a.h + 1e-9;
            const bool lt = b.w < a.w - 1e-9 || b.h < a.h - 1e-9;
            beaten = le && (lt || (j < i && all[j].second == all[i].second) || (all[j].second && !all[i].second));
        }
        if (!beaten) front.push_back(all[i]);
    }
    return front;
}

// The subject's packing that the camera can draw largest on a canvas of w0 x h0: newspaper columns (by
// level, the classic left-to-right picture, unless flowing the levels together draws it clearly larger),
// or two such shelves one above the other (the tables over the figures).
Packing packSubject(const std::vector<Block>& blocks, const std::vector<int>& group, const std::vector<std::size_t>& idx,
                    double w0, double h0) {
    if (idx.empty()) return {};
    Packing best;
    double bestScore = -1;
    for (auto& [p, byGroup] : packings(blocks, group, idx)) {
        const double score = framedScale(p.w, p.h, w0, h0) * (byGroup ? 1.1 : 1.0);
        if (score > bestScore + 1e-9) {
            bestScore = score;
            best = p;
        }
    }
    if (idx.size() > 12) return best;
    for (std::size_t j = 1; j < idx.size(); ++j) {
        const std::vector<std::size_t> first(idx.begin(), idx.begin() + static_cast<long>(j));
        const std::vector<std::size_t> second(idx.begin() + static_cast<long>(j), idx.end());
        const auto top = packings(blocks, group, first), bottom = packings(blocks, group, second);
        for (const auto& [a, ag] : top)
            for (const auto& [b, bg] : bottom) {
                const double w = std::max(a.w, b.w), h = a.h + 2 * kGap + b.h;
                const double score = framedScale(w, h, w0, h0);
                if (score <= bestScore + 1e-9) continue;
                bestScore = score;
                best = a;
                for (ScenePoint q : b.pos) best.pos.push_back({q.x, q.y + a.h + 2 * kGap});
                best.w = w;
                best.h = h;
            }
    }
    return best;
}

// The context: in columns right of the subject or under it, whichever grows the picture least beyond the
// design size (on a tie: right of it). Positions are absolute.
Packing packContext(const std::vector<Block>& blocks, const std::vector<int>& group, const std::vector<std::size_t>& idx,
                    const Packing& subject, double left, double top, double designW, double designH, double availH) {
    double tallest = 0;
    for (std::size_t i : idx) tallest = std::max(tallest, blocks[i].h);
    struct Option {
        double x, y, colH;
    };
    std::vector<Option> options;
    const double rightX = subject.w > 0 ? left + subject.w + kColGap : left;
    options.push_back({rightX, top, std::max({subject.h, availH, tallest})});
    if (subject.h > 0) {
        const double belowY = top + subject.h + kGap * 2;
        options.push_back({left, belowY, std::max(top + availH - belowY, tallest)});
        options.push_back({left, belowY, std::max(availH / 2, tallest)});
    }
    Packing best;
    double bestGrow = 1e18;
    for (const Option& o : options) {
        Packing p = newspaper(blocks, group, idx, o.colH, false);
        const double r = std::max(left + subject.w, o.x + p.w) + kMargin;
        const double b = std::max(top + subject.h, o.y + p.h) + kMargin;
        const double grow = std::max({1.0, r / designW, b / designH});
        if (grow < bestGrow - 1e-9) {
            bestGrow = grow;
            for (ScenePoint& q : p.pos) {
                q.x += o.x;
                q.y += o.y;
            }
            best = std::move(p);
        }
    }
    return best;
}
// The subject of a busy step, reduced (tier 1: the step's main CPU alone, the one with the most events;
// tier 2: no address figures either; tier 3: only the main CPU's walks under its CR3 at the step's end).
// The rest of the step stays drawn, as context.
StepSubject Builder::subjectTier(const StepSubject& full, int tier) const {
    std::map<int, int> count;
    for (const Event& e : m_o.events)
        if (e.kind != EventKind::Output && full.cpus.count(e.cpu)) ++count[e.cpu];
    int main = full.cpus.empty() ? -1 : *full.cpus.begin();
    for (const auto& [cpu, n] : count)
        if (n > count[main]) main = cpu;
    if (main < 0) return full;
    const Cpu& mc = m_m.cpu(main);
    const u64 cr3 = mc.regs.cr3 & pae::kCr3PdptMask;
    EventList events;
    for (const Event& e : m_o.events) {
        if (e.cpu >= 0 && e.cpu != main) continue;
        if (tier >= 3 && e.kind == EventKind::Walk && e.count > 0 && e.trace[0].entryPa - u64{e.trace[0].index} * 8 != cr3)
            continue;
        events.push_back(e);
    }
    SceneOptions o;
    if (m_o.highlightCpus.count(main)) o.highlightCpus = {main};
    for (const std::string& r : m_o.highlightRegisters)
        if (r.rfind(fmt::format("cpu{}.", main), 0) == 0) o.highlightRegisters.insert(r);
    o.highlightEntries = m_o.highlightEntries;
    for (const TlbEntry& t : mc.tlb.entries())
        if (m_o.highlightTlbEntries.count(t.id)) o.highlightTlbEntries.insert(t.id);
    StepSubject s = computeSubject(m_m, events, o);
    s.cpus = {main};  // not the other ends of its IPIs
    for (auto it = s.tlb.begin(); it != s.tlb.end();) it = it->first == main ? std::next(it) : s.tlb.erase(it);
    s.tables.insert(cr3);
    return s;
}

// The title, aligned with the CPU column (a camera framing a subject that starts there shows the title's
// start); returns the top of the blocks under it.
double Builder::addTitle() {
    double top = kMargin;
    if (m_o.title.empty()) return top;
    m_s.items.push_back(textItem("title", Role::Title, kMargin + kGutter, top, m_o.title, kTitleFont, true, "", false));
    m_s.items.back().h = rowHeight(kTitleFont);
    return top + rowHeight(kTitleFont) + kGap * 0.5;
}

// The blocks in their stable order: CPUs, the three table levels, the figures (the address figures only
// with `addressFigs`), the legend; `group` says which of those each is (0 CPUs, 1-3 table levels,
// 4 figures, 5 legend).
std::vector<Block> Builder::makeBlocks(bool addressFigs, std::vector<int>& group) {
    std::vector<Block> blocks;
    group.clear();
    for (const auto& c : m_m.cpus()) {
        blocks.push_back(cpuBlock(c));
        group.push_back(0);
    }
    for (int level = 0; level < 3; ++level)
        for (u64 pa : m_levels[static_cast<std::size_t>(level)]) {
            Block b;
            b.id = tableId(m_m, pa);
            const TableSpec t = pageTable(pa, level);
            b.subject = t.subject;
            tableInto(b, t, 0);
            blocks.push_back(std::move(b));
            group.push_back(level + 1);
        }
    auto addAll = [&](std::vector<Block> more, int g) {
        for (Block& b : more) {
            blocks.push_back(std::move(b));
            group.push_back(g);
        }
    };
    if (m_o.figures) addAll(multimatchFigures(m_m, m_o.events), 4);
    if (m_o.figures && addressFigs) addAll(addressFigures(m_m, m_o.events, m_links), 4);
    if (m_o.legend) {
        blocks.push_back(legendBlock());
        blocks.back().subject = false;
        group.push_back(5);
    }
    return blocks;
}

// The subject first: its blocks packed as a group whose shape best fits the canvas, so the camera framing
// it draws its text large and fills the canvas; then the context beside or under it. Returns the blocks'
// positions; `sp` is the subject's packing.
std::vector<ScenePoint> layOut(const std::vector<Block>& blocks, const std::vector<int>& group, double top,
                               double designW, Packing& sp) {
    std::vector<std::size_t> subj, ctx;
    for (std::size_t i = 0; i < blocks.size(); ++i) (blocks[i].subject ? subj : ctx).push_back(i);
    const double left = kMargin + kGutter;
    std::vector<ScenePoint> pos(blocks.size());
    sp = packSubject(blocks, group, subj, designW, kDesignHeight);
    for (std::size_t k = 0; k < subj.size(); ++k) pos[subj[k]] = {left + sp.pos[k].x, top + sp.pos[k].y};
    if (!ctx.empty()) {
        const double availH = kDesignHeight - top - kMargin;
        const Packing cp = packContext(blocks, group, ctx, sp, left, top, designW, kDesignHeight, availH);
        for (std::size_t k = 0; k < ctx.size(); ++k) pos[ctx[k]] = cp.pos[k];
    }
    return pos;
}

// The blocks of the scene at its tier, laid out: the subject drawn large enough (kMinSubjectScale); when
// the whole subject of a busy step cannot be, its lesser parts become context, one tier at a time
// (subjectTier): then the step's main CPU alone.
std::vector<Block> Builder::tieredBlocks(double top, double designW, std::vector<ScenePoint>& pos) {
    const StepSubject full = m_subj;
    const Scene titled = m_s;
    std::vector<Block> blocks;
    collectEvents();
    for (int tier = 0;; ++tier) {
        m_s = titled;
        if (tier > 0) m_subj = subjectTier(full, tier);
        m_links.clear();
        m_entryArrows.clear();
        m_headerArrows.clear();
        collectTlbInteresting();
        std::vector<int> group;
        blocks = makeBlocks(tier < 2, group);
        Packing sp;
        pos = layOut(blocks, group, top, designW, sp);
        if (m_all || tier >= kLastTier || sp.pos.empty() ||
            framedScale(sp.w, sp.h, designW, kDesignHeight) >= kMinSubjectScale)
            return blocks;
    }
}

// The camera's frame: every subject item but the arrows, with a margin that stops at the title's bottom
// (so a camera fitting the frame never cuts the title in half); the whole scene if there is none.
SceneRect Builder::subjectFrame() const {
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (const SceneItem& it : m_s.items) {
        if (!it.subject || it.kind == ItemKind::Arrow) continue;
        x0 = std::min(x0, it.x);
        y0 = std::min(y0, it.y);
        x1 = std::max(x1, it.x + it.w);
        y1 = std::max(y1, it.y + it.h);
    }
    if (x1 <= x0) return m_s.bounds;
    const double m = kMargin;
    const double titleBottom = m_o.title.empty() ? 0.0 : kMargin + rowHeight(kTitleFont);
    x0 = std::max(0.0, x0 - m);
    y0 = y0 >= titleBottom ? std::max(titleBottom, y0 - m) : std::max(0.0, y0 - m);
    x1 = std::min(m_s.width, x1 + m);
    y1 = std::min(m_s.height, y1 + m);
    return {x0, y0, x1 - x0, y1 - y0};
}

Scene Builder::build() {
    m_subj = computeSubject(m_m, m_o.events, m_o);
    m_all = m_subj.empty();
    const double designH = kDesignHeight;
    const double th = m_o.targetHeight > 0 ? m_o.targetHeight : 1080;
    const double tw = m_o.targetWidth > 0 ? m_o.targetWidth : 1920;
    const double designW = std::clamp(designH * tw / th, designH * 0.75, designH * 4);
    m_s.targetWidth = tw;
    m_s.targetHeight = th;
    m_s.subjectFont = kSubjectFont;
    m_s.contextFont = kContextFont;
    m_s.title = m_o.title;
    const double top = addTitle();

    m_levels = tableLevels();
    for (u64 pdpt : m_levels[0])
        for (unsigned i = 0; i < 4; ++i) {
            const u64 e = m_m.memory().read64(pae::entryAddress(pdpt, i));
            if (e & pae::P) m_via[e & pae::kFrame4K].insert(i);
        }
    std::vector<ScenePoint> pos;
    std::vector<Block> blocks = tieredBlocks(top, designW, pos);
    double contentR = kMargin + kGutter, contentB = top;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        Block& b = blocks[i];
        b.place(pos[i].x, pos[i].y);
        contentR = std::max(contentR, pos[i].x + b.w);
        contentB = std::max(contentB, pos[i].y + b.h);
        for (auto& it : b.items) m_s.items.push_back(std::move(it));
    }
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
    m_s.subjectBounds = subjectFrame();
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

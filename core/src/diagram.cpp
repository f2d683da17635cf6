// SPDX-License-Identifier: GPL-3.0-or-later
// Machine snapshot -> scene description: the layout every view and export draws.
//
// Layout (left to right): one column of CPU cards, each followed by its TLB table; then the
// page-directory-pointer tables, the page directories and the page tables, each table placed
// near the first entry pointing at it. Arrows join each CPU's CR3 to its PDPT and each entry to
// the next level. Deterministic: the same machine and options give the same scene.
#include "tlblab/diagram.hpp"

#include "tlblab/walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace tlblab {

namespace {

constexpr double kMargin = 24;
constexpr double kRowFont = 18;
constexpr double kHeaderFont = 20;
constexpr double kTitleFont = 24;
constexpr double kRowH = 30;
constexpr double kHeaderH = 36;
constexpr double kPad = 10;
constexpr double kColGap = 110;  // room for arrows between columns
constexpr double kTableGap = 28;
constexpr std::size_t kWrap = 40;  // characters per line of wrapped card text

double textWidth(std::string_view s, double font) {
    // Count code points, not bytes ("→" is one character wide).
    std::size_t n = 0;
    for (unsigned char ch : s)
        if ((ch & 0xc0) != 0x80) ++n;
    return static_cast<double>(n) * font * kCharWidth;
}

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

// Column offsets for rows whose cells are given, from the widest cell of each column.
std::vector<double> columnOffsets(const std::vector<std::vector<std::string>>& rows, double font, double& width) {
    std::vector<double> w;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.resize(i + 1, 0.0);
            w[i] = std::max(w[i], textWidth(r[i], font));
        }
    std::vector<double> off;
    double x = kPad;
    for (double cw : w) {
        off.push_back(x);
        x += cw + font * 1.2;
    }
    width = x - font * 1.2 + kPad;
    return off;
}

struct TableRow {
    std::string id, role;
    std::vector<std::string> cells;
    std::string tooltip;
    int walkLevel = -1;
    bool changed = false;
    u64 target = 0;  // next-level table (physical address), 0 if none
    std::string arrowRole = "arrow";
};

struct TableSpec {
    std::string id, role = "table", header;
    std::vector<std::string> columnHeader;  // optional
    std::vector<TableRow> rows;
    bool highlighted = false;
};

class Builder {
public:
    Builder(const Machine& m, const SceneOptions& o) : m_m(m), m_o(o) {}
    Scene build();

private:
    void collectEvents();
    void addCpu(const Cpu& c, double x, double& y, double width);
    TableSpec tlbTable(const Cpu& c) const;
    TableSpec pageTable(u64 pa, int level) const;
    double tableWidth(const TableSpec& t) const;
    double tableHeight(const TableSpec& t) const;
    void placeTable(const TableSpec& t, double x, double y, double width);
    double cpuCardWidth(const Cpu& c) const;
    std::string cr3Text(const Cpu& c) const;
    std::vector<std::string> cpuLines(const Cpu& c) const;

    const Machine& m_m;
    const SceneOptions& m_o;
    Scene m_s;
    // From the step's events.
    std::map<u64, int> m_walkPa;           // entry physical address -> walk level
    std::set<int> m_walkCpus;              // CPUs that walked (their CR3 arrow lights up)
    std::set<u64> m_writtenPa;             // table entries written
    std::set<std::pair<int, u32>> m_filled;  // (cpu, entry id) filled this step
    std::set<int> m_cr3Changed, m_cr4Changed, m_stateChanged;
    std::set<u64> m_interesting;           // entries that must not vanish into a "... N more" row
    std::map<std::pair<int, u32>, bool> m_multimatch;
    // Geometry of placed items, for arrows.
    std::map<std::string, std::pair<ScenePoint, ScenePoint>> m_rowEnds;  // id -> (left mid, right mid)
    std::map<u64, ScenePoint> m_tableIn;  // table pa -> arrow target point
    struct RowInfo {
        std::string role;
        int walkLevel = -1;
        bool changed = false;
    };
    std::map<std::string, RowInfo> m_rowInfo;  // placed rows, for their arrows
    std::map<u64, std::set<unsigned>> m_via;  // page directory -> PDPT indices of the drawn PDPTs reaching it
};

void Builder::collectEvents() {
    for (const Event& e : m_o.events) {
        switch (e.kind) {
        case EventKind::Walk: {
            if (e.cpu < 0 || e.cpu >= static_cast<int>(m_m.cpus().size())) break;
            // The walk is recomputed on the snapshot: memory and PDPTE registers give the same path
            // the step read (A/D updates change no address).
            WalkResult w = walk(m_m.memory(), m_m.cpu(e.cpu).regs, static_cast<u32>(e.va));
            for (int l = 0; l < w.levels && l < static_cast<int>(e.count == 0 ? 3 : e.count); ++l)
                m_walkPa[w.trace[static_cast<std::size_t>(l)].entryPa] = l;
            m_walkCpus.insert(e.cpu);
            break;
        }
        case EventKind::TableWrite: m_writtenPa.insert(e.pa); break;
        case EventKind::TlbFill: m_filled.insert({e.cpu, e.entryId}); break;
        case EventKind::Cr3Write: m_cr3Changed.insert(e.cpu); break;
        case EventKind::Cr4Write: m_cr4Changed.insert(e.cpu); break;
        case EventKind::CpuState: m_stateChanged.insert(e.cpu); break;
        default: break;
        }
    }
    for (const auto& [pa, l] : m_walkPa) m_interesting.insert(pa);
    for (u64 pa : m_writtenPa) m_interesting.insert(pa);
    for (u64 pa : m_o.highlightEntries) m_interesting.insert(pa);
    for (const Cpu& c : m_m.cpus()) {
        const auto entries = c.tlb.entries();
        for (const TlbEntry& t : entries) {
            if (t.pdeAddr) m_interesting.insert(t.pdeAddr);
            if (t.pteAddr) m_interesting.insert(t.pteAddr);
            // Two valid entries for one linear address: the erratum 383 multimatch.
            for (const TlbEntry& u : entries)
                if (u.id != t.id && (t.covers(u.va) || u.covers(t.va))) m_multimatch[{c.id, t.id}] = true;
        }
    }
}

std::vector<std::string> Builder::cpuLines(const Cpu& c) const {
    std::vector<std::string> lines;
    std::string task = "-";
    if (c.currentTask >= 0) task = m_m.tasks()[static_cast<std::size_t>(c.currentTask)].name;
    std::string mm = c.activeMm >= 0 ? m_m.mms()[static_cast<std::size_t>(c.activeMm)].name : "-";
    lines.push_back(fmt::format("CPL {}   task {}", c.cpl, task));
    lines.push_back(fmt::format("active_mm {}{}", mm, c.tlbState == TlbState::Lazy ? "  (lazy TLB)" : ""));
    if (!c.callStack.empty()) {
        std::string stack;
        for (const auto& f : c.callStack) stack += (stack.empty() ? "" : " > ") + f;
        for (auto& l : wrap("kernel: " + stack, kWrap)) lines.push_back(l);
    }
    if (!c.waitingFor.empty())
        for (auto& l : wrap("waits for " + c.waitingFor, kWrap)) lines.push_back(l);
    return lines;
}

std::string Builder::cr3Text(const Cpu& c) const {
    if (!c.regs.pagingOn()) return fmt::format("CR3 {}  (paging off)", hex32(c.regs.cr3));
    const u64 pdpt = c.regs.cr3 & pae::kCr3PdptMask;
    if (m_m.tableName(pdpt).empty() && !m_m.memory().hasFrame(pdpt))
        return fmt::format("CR3 {}  (no table)", hex32(c.regs.cr3));
    return fmt::format("CR3 {} -> {}", hex32(c.regs.cr3), tableLabel(m_m, pdpt));
}

double Builder::cpuCardWidth(const Cpu& c) const {
    double w = textWidth(fmt::format("CPU {}  {}", c.id, "booting"), kTitleFont) + 2 * kPad;
    for (const auto& l : cpuLines(c)) w = std::max(w, textWidth(l, kRowFont) + 2 * kPad);
    std::string cr3 = cr3Text(c);
    w = std::max(w, textWidth(cr3, kRowFont) + 2 * kPad);
    return w;
}

void Builder::addCpu(const Cpu& c, double x, double& y, double width) {
    const std::string id = fmt::format("cpu{}", c.id);
    const double top = y;
    std::string role = "cpu-card";
    if (c.state == CpuState::Halted) role = "halted";
    else if (c.state == CpuState::Offline) role = "cpu-offline";
    else if (c.state == CpuState::Booting) role = "cpu-booting";
    if (m_o.highlightCpus.count(c.id) && c.state != CpuState::Halted) role = "cpu-card-highlight";

    SceneItem card;
    card.id = id;
    card.kind = ItemKind::Box;
    card.role = role;
    card.x = x;
    card.y = y;
    card.w = width;
    card.changed = m_stateChanged.count(c.id) != 0;
    std::size_t cardIndex = m_s.items.size();
    m_s.items.push_back(card);

    SceneItem title;
    title.id = id + ".title";
    title.kind = ItemKind::Text;
    title.role = "card-title";
    title.x = x + kPad;
    title.y = y + 6;
    title.h = kHeaderH;
    title.w = width - 2 * kPad;
    title.fontSize = kTitleFont;
    title.bold = true;
    std::string state = cpuStateName(c.state);
    for (auto& ch : state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    title.cells = {fmt::format("CPU {}  {}", c.id, state)};
    title.parent = id;
    m_s.items.push_back(title);
    y += kHeaderH + 6;

    auto addRow = [&](const std::string& rid, const std::string& rrole, const std::string& text, bool changed,
                      const std::string& tip) {
        SceneItem r;
        r.id = rid;
        r.kind = ItemKind::Row;
        r.role = rrole;
        r.x = x;
        r.y = y;
        r.w = width;
        r.h = kRowH;
        r.cells = {text};
        r.cellX = {kPad};
        r.fontSize = kRowFont;
        r.changed = changed;
        r.tooltip = tip;
        r.parent = id;
        m_s.items.push_back(r);
        y += kRowH;
        return r;
    };
    const auto lines = cpuLines(c);
    for (std::size_t li = 0; li < lines.size(); ++li) {
        const std::string& l = lines[li];
        SceneItem t;
        t.id = fmt::format("{}.line{}", id, li + 1);
        t.kind = ItemKind::Text;
        t.role = "card-text";
        t.x = x + kPad;
        t.y = y;
        t.w = width - 2 * kPad;
        t.h = kRowH;
        t.cells = {l};
        t.fontSize = kRowFont;
        t.parent = id;
        m_s.items.push_back(t);
        y += kRowH;
    }
    const std::string cr3Id = id + ".cr3";
    std::string pdptes;
    for (unsigned k = 0; k < 4; ++k)
        pdptes += fmt::format("\nPDPTE{} register {} {}", k, hex(c.regs.pdpte[k]), pae::describeEntry(c.regs.pdpte[k], 0));
    addRow(cr3Id, m_o.highlightRegisters.count(cr3Id) ? "register-highlight" : "register", cr3Text(c),
           m_cr3Changed.count(c.id) != 0, "CR3 " + hex32(c.regs.cr3) + pdptes);
    m_rowEnds[cr3Id] = {{x, y - kRowH / 2}, {x + width, y - kRowH / 2}};
    const std::string cr4Id = id + ".cr4";
    addRow(cr4Id, m_o.highlightRegisters.count(cr4Id) ? "register-highlight" : "register",
           fmt::format("CR4.PGE {}   CR4 {}", c.regs.pge() ? 1 : 0, hex32(c.regs.cr4)), m_cr4Changed.count(c.id) != 0,
           fmt::format("CR4 {}: PAE {} PSE {} PGE {}", hex32(c.regs.cr4), (c.regs.cr4 & pae::CR4_PAE) ? 1 : 0,
                       (c.regs.cr4 & pae::CR4_PSE) ? 1 : 0, c.regs.pge() ? 1 : 0));
    if (c.mc0Status) {
        addRow(id + ".mc0", "mce-register", "MC0_STATUS " + hex(c.mc0Status), true,
               pae::describeMc0Status(c.mc0Status));
        addRow(id + ".mcg", "mce-register", fmt::format("MCG_STATUS {}{}", hex(c.mcgStatus),
                                                         (c.mcgStatus & pae::MCG_STATUS_MCIP) ? " (MCIP)" : ""),
               true, "");
    }
    y += kPad;
    m_s.items[cardIndex].h = y - top;
}

TableSpec Builder::tlbTable(const Cpu& c) const {
    TableSpec t;
    t.id = fmt::format("tlbtable:cpu{}", c.id);
    t.role = "tlb-table";
    auto entries = c.tlb.entries();
    t.header = fmt::format("cpu{} TLB: {} {}", c.id, entries.size(), entries.size() == 1 ? "entry" : "entries");
    if (entries.empty()) return t;
    t.columnHeader = {"#", "linear", "size", "frame", "bits", "origin", "age (steps)"};
    // Newest first; always keep highlighted, new and multimatch entries.
    std::vector<TlbEntry> sorted = entries;
    std::stable_sort(sorted.begin(), sorted.end(), [](const TlbEntry& a, const TlbEntry& b) {
        return a.step != b.step ? a.step > b.step : a.id > b.id;
    });
    std::vector<TlbEntry> shown;
    std::size_t hidden = 0;
    for (const auto& e : sorted) {
        bool keep = m_o.highlightTlbEntries.count(e.id) || m_filled.count({c.id, e.id}) ||
                    m_multimatch.count({c.id, e.id});
        if (keep || shown.size() < m_o.maxTlbRows) shown.push_back(e);
        else ++hidden;
    }
    std::sort(shown.begin(), shown.end(), [](const TlbEntry& a, const TlbEntry& b) { return a.va != b.va ? a.va < b.va : a.id < b.id; });
    for (const auto& e : shown) {
        TableRow r;
        r.id = fmt::format("tlb:cpu{}:#{}", c.id, e.id);
        const bool mm = m_multimatch.count({c.id, e.id}) != 0;
        if (mm) r.role = "multimatch";
        else if (m_o.highlightTlbEntries.count(e.id)) r.role = "entry-highlight";
        else if (e.origin == Origin::Speculative) r.role = "tlb-entry-speculative";
        else if (e.global) r.role = "tlb-entry-global";
        else r.role = "tlb-entry";
        std::string bits = fmt::format("{}{} {}{}", e.global ? "G " : "", e.user ? "U" : "S", e.writable ? "RW" : "RO",
                                       e.nx ? " NX" : "");
        const u64 age = m_m.step() >= e.step ? m_m.step() - e.step : 0;
        r.cells = {fmt::format("#{}", e.id), hex32(e.va), pageSizeName(e.size), hex32(e.pa), bits,
                   e.origin == Origin::Speculative ? "SPECULATIVE" : "walk", fmt::format("{}", age)};
        if (mm) r.cells.push_back("MULTIMATCH");
        r.changed = m_filled.count({c.id, e.id}) != 0;
        if (r.changed && m_walkCpus.count(c.id)) r.walkLevel = 3;
        r.tooltip = fmt::format(
            "TLB entry #{} of cpu{}\nlinear {} ({}) -> frame {}\n{}, {}, {}{}\nfilled by {} at step {}; walk under CR3 {}\n"
            "PDE @ {}{}",
            e.id, c.id, hex32(e.va), pageSizeName(e.size), hex(e.pa), e.global ? "global" : "not global",
            e.user ? "user" : "supervisor only", e.writable ? "writable" : "read-only", e.nx ? ", no-execute" : "",
            originName(e.origin), e.step, hex32(e.cr3), hex(e.pdeAddr), e.pteAddr ? ", PTE @ " + hex(e.pteAddr) : "");
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
    static const char* kKind[] = {"PDPT", "PD", "PT"};
    const auto& k = m_m.kernel();
    // Which PDPT indices reach this page directory (for its linear addresses).
    std::set<unsigned> via;
    if (level == 1)
        if (auto v = m_via.find(pa); v != m_via.end()) via = v->second;
    t.header = fmt::format("{}  {} @ {}", tableLabel(m_m, pa), kKind[level], hex(pa));
    if (via.size() > 1) {
        std::string v;
        for (unsigned i : via) v += (v.empty() ? "" : ",") + std::to_string(i);
        t.header += "  via pgd[" + v + "]";
    }
    const unsigned n = level == 0 ? 4 : 512;
    std::vector<unsigned> present;
    for (unsigned i = 0; i < n; ++i)
        if (m_m.memory().read64(pa + i * 8) & pae::P) present.push_back(i);
    if (m_o.collapsedTables.count(tableLabel(m_m, pa))) {
        t.header += fmt::format("  [{} present, collapsed]", present.size());
        return t;
    }
    // Which present entries to show: all when few; else the first two, the last, and every
    // entry the step or a TLB entry refers to. Hidden runs become one "... N more ..." row.
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
        if (!leaf) {
            emptyTarget = true;
            for (unsigned j = 0; j < 512 && emptyTarget; ++j)
                if (m_m.memory().read64(frame + j * 8) & pae::P) emptyTarget = false;
        }
        std::string target = leaf ? fmt::format("{} {}", large ? "2M" : "4K", hex32(frame))
                                  : "-> " + tableLabel(m_m, frame) + (emptyTarget ? " (empty)" : "");
        std::string flags = pae::describeEntry(raw, level);
        r.cells = {fmt::format("[{}]", i), linear, target, flags};
        const bool low = level == 0 && i < 3 && k.kernelPmd && frame == k.kernelPmd;
        if (low) {
            r.cells.push_back("LOW MAPPING");
            r.arrowRole = "arrow-low-mapping";
        }
        if (m_o.highlightEntries.count(epa)) r.role = "entry-highlight";
        else if (low) r.role = "entry-low-mapping";
        else r.role = "entry";
        auto w = m_walkPa.find(epa);
        if (w != m_walkPa.end()) r.walkLevel = w->second;
        r.changed = m_writtenPa.count(epa) != 0;
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
    std::vector<std::vector<std::string>> cells;
    if (!t.columnHeader.empty()) cells.push_back(t.columnHeader);
    for (const auto& r : t.rows)
        if (r.role != "entry-gap") cells.push_back(r.cells);
    double w = 0;
    columnOffsets(cells, kRowFont, w);
    w = std::max(w, textWidth(t.header, kHeaderFont) + 2 * kPad);
    for (const auto& r : t.rows)
        if (r.role == "entry-gap") w = std::max(w, textWidth(r.cells[0], kRowFont) + 2 * kPad);
    return w;
}

double Builder::tableHeight(const TableSpec& t) const {
    return kHeaderH + (t.columnHeader.empty() ? 0 : kRowH) + static_cast<double>(t.rows.size()) * kRowH + 4;
}

void Builder::placeTable(const TableSpec& t, double x, double y, double width) {
    SceneItem box;
    box.id = t.id;
    box.kind = ItemKind::Box;
    box.role = t.role;
    box.x = x;
    box.y = y;
    box.w = width;
    box.h = tableHeight(t);
    m_s.items.push_back(box);

    // Every line of the table (header, column names, entries) is a Row item of the table's width.
    auto row = [&](std::string id, std::string role, double top, double h, std::vector<std::string> cells,
                   std::vector<double> cellX, double fontSize) -> SceneItem& {
        SceneItem it;
        it.id = std::move(id);
        it.kind = ItemKind::Row;
        it.role = std::move(role);
        it.x = x;
        it.y = top;
        it.w = width;
        it.h = h;
        it.cells = std::move(cells);
        it.cellX = std::move(cellX);
        it.fontSize = fontSize;
        it.parent = t.id;
        m_s.items.push_back(std::move(it));
        return m_s.items.back();
    };
    row(t.id + ".header", "table-header", y, kHeaderH, {t.header}, {kPad}, kHeaderFont).bold = true;
    double yy = y + kHeaderH;

    std::vector<std::vector<std::string>> cells;
    if (!t.columnHeader.empty()) cells.push_back(t.columnHeader);
    for (const auto& r : t.rows)
        if (r.role != "entry-gap") cells.push_back(r.cells);
    double dummy = 0;
    const auto off = columnOffsets(cells, kRowFont, dummy);

    if (!t.columnHeader.empty()) {
        row(t.id + ".columns", "table-columns", yy, kRowH, t.columnHeader,
            std::vector<double>(off.begin(), off.begin() + static_cast<long>(t.columnHeader.size())), kRowFont);
        yy += kRowH;
    }
    for (const auto& r : t.rows) {
        SceneItem& it = row(r.id, r.role, yy, kRowH, r.cells,
                            r.role == "entry-gap"
                                ? std::vector<double>{kPad}
                                : std::vector<double>(off.begin(), off.begin() + static_cast<long>(r.cells.size())),
                            kRowFont);
        it.walkLevel = r.walkLevel;
        it.changed = r.changed;
        it.tooltip = r.tooltip;
        m_rowEnds[r.id] = {{x, yy + kRowH / 2}, {x + width, yy + kRowH / 2}};
        m_rowInfo[r.id] = {r.role, r.walkLevel, r.changed};
        yy += kRowH;
    }
}

Scene Builder::build() {
    collectEvents();
    const auto& cpus = m_m.cpus();
    double y = kMargin;
    if (!m_o.title.empty()) {
        SceneItem t;
        t.id = "title";
        t.kind = ItemKind::Text;
        t.role = "title";
        t.x = kMargin;
        t.y = y;
        t.h = kHeaderH;
        t.fontSize = kTitleFont + 4;
        t.bold = true;
        t.cells = {m_o.title};
        t.w = textWidth(m_o.title, t.fontSize);
        m_s.items.push_back(t);
        y += kHeaderH + 12;
    }
    // Machine-check banner, across the top: unmistakable, and never hiding a table.
    std::vector<const Cpu*> mce;
    for (const auto& c : cpus)
        if (c.mc0Status) mce.push_back(&c);
    std::size_t bannerIndex = m_s.items.size();
    for (const Cpu* c : mce) {
        SceneItem b;
        b.id = fmt::format("mce:cpu{}", c->id);
        b.kind = ItemKind::Box;
        b.role = "mce-overlay";
        b.x = kMargin;
        b.y = y;
        b.fontSize = kTitleFont;
        b.bold = true;
        b.cells.push_back(fmt::format("MACHINE CHECK on CPU {}: uncorrectable, CPU halted", c->id));
        b.cells.push_back("MC0_STATUS " + hex(c->mc0Status));
        // The decoded status, clause by clause ("VAL UC EN ...; error code ...; ..."), never split mid-clause.
        {
            const std::string d = pae::describeMc0Status(c->mc0Status);
            std::string line;
            for (std::size_t pos = 0; pos < d.size();) {
                std::size_t end = d.find("; ", pos);
                std::string clause = d.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
                pos = end == std::string::npos ? d.size() : end + 2;
                if (!line.empty() && line.size() + 2 + clause.size() > 90) {
                    b.cells.push_back(line + ";");
                    line.clear();
                }
                line += (line.empty() ? "" : "; ") + clause;
            }
            if (!line.empty()) b.cells.push_back(line);
        }
        if (m_m.kernel().panicked) b.cells.push_back(m_m.kernel().panicMessage);
        b.h = 14 + static_cast<double>(b.cells.size()) * (kTitleFont * 1.35) + 8;
        b.tooltip = pae::describeMc0Status(c->mc0Status);
        b.changed = m_stateChanged.count(c->id) != 0;
        m_s.items.push_back(b);
        y += b.h + 16;
    }

    // Left column: CPU cards with their TLB tables.
    double leftW = 0;
    std::vector<TableSpec> tlbs;
    for (const auto& c : cpus) {
        leftW = std::max(leftW, cpuCardWidth(c));
        tlbs.push_back(tlbTable(c));
        leftW = std::max(leftW, tableWidth(tlbs.back()));
    }
    const double contentTop = y;
    for (std::size_t i = 0; i < cpus.size(); ++i) {
        addCpu(cpus[i], kMargin, y, leftW);
        y += 10;
        placeTable(tlbs[i], kMargin, y, leftW);
        y += tableHeight(tlbs[i]) + 2 * kTableGap;
    }
    double bottom = y;

    // Page tables: PDPTs in use (CR3 values, mm pgds, the trampoline), then what they point at.
    std::vector<u64> pdpts;
    auto addPdpt = [&](u64 pa) {
        if (pa && std::find(pdpts.begin(), pdpts.end(), pa) == pdpts.end()) pdpts.push_back(pa);
    };
    for (const auto& c : cpus)
        if (c.state != CpuState::Offline && c.regs.pagingOn()) addPdpt(c.regs.cr3 & pae::kCr3PdptMask);
    for (const auto& mm : m_m.mms()) addPdpt(mm.pgd);
    addPdpt(m_m.kernel().trampolinePgDir);
    std::sort(pdpts.begin(), pdpts.end());
    for (u64 pdpt : pdpts)
        for (unsigned i = 0; i < 4; ++i) {
            const u64 e = m_m.memory().read64(pdpt + i * 8);
            if (e & pae::P) m_via[e & pae::kFrame4K].insert(i);
        }

    double colX = kMargin + leftW + kColGap;
    std::vector<u64> current = pdpts;
    std::set<u64> placed;
    double right = colX;
    std::vector<std::pair<std::string, u64>> arrowsTo;  // row id -> target table
    for (int level = 0; level < 3 && !current.empty(); ++level) {
        std::vector<TableSpec> specs;
        double colW = 0;
        for (u64 pa : current) {
            specs.push_back(pageTable(pa, level));
            colW = std::max(colW, tableWidth(specs.back()));
        }
        double yy = contentTop;
        std::vector<u64> next;
        for (std::size_t i = 0; i < current.size(); ++i) {
            const u64 pa = current[i];
            // Near the first entry pointing at it.
            double want = yy;
            for (const auto& [rid, tpa] : arrowsTo)
                if (tpa == pa) {
                    want = std::max(yy, m_rowEnds[rid].second.y - kHeaderH / 2);
                    break;
                }
            placeTable(specs[i], colX, want, colW);
            m_tableIn[pa] = {colX, want + kHeaderH / 2};
            placed.insert(pa);
            yy = want + tableHeight(specs[i]) + kTableGap;
            for (const auto& r : specs[i].rows)
                if (r.target) {
                    arrowsTo.push_back({r.id, r.target});
                    if (!placed.count(r.target) && std::find(next.begin(), next.end(), r.target) == next.end())
                        next.push_back(r.target);
                }
        }
        bottom = std::max(bottom, yy);
        right = colX + colW;
        colX += colW + kColGap;
        current = next;
    }

    // Arrows: CR3 -> PDPT, entry -> next table. Drawn after the boxes, so on top of them.
    for (const auto& c : cpus) {
        const u64 pdpt = c.regs.cr3 & pae::kCr3PdptMask;
        if (c.state == CpuState::Offline || !c.regs.pagingOn() || !m_tableIn.count(pdpt)) continue;
        const std::string rid = fmt::format("cpu{}.cr3", c.id);
        SceneItem a;
        a.id = "arrow:" + rid;
        a.kind = ItemKind::Arrow;
        a.role = m_walkCpus.count(c.id) ? "arrow-walk" : "arrow";
        a.points = {m_rowEnds[rid].second, m_tableIn[pdpt]};
        a.from = rid;
        a.to = tableId(m_m, pdpt);
        if (m_walkCpus.count(c.id)) a.walkLevel = 0;
        a.changed = m_cr3Changed.count(c.id) != 0;
        m_s.items.push_back(a);
    }
    for (const auto& [rid, tpa] : arrowsTo) {
        if (!m_tableIn.count(tpa)) continue;
        const RowInfo& row = m_rowInfo[rid];
        SceneItem a;
        a.id = "arrow:" + rid;
        a.kind = ItemKind::Arrow;
        a.role = row.role == "entry-low-mapping" ? "arrow-low-mapping" : "arrow";
        a.points = {m_rowEnds[rid].second, m_tableIn[tpa]};
        a.from = rid;
        a.to = tableId(m_m, tpa);
        if (row.walkLevel >= 0) {
            a.walkLevel = row.walkLevel + 1;
            a.role = "arrow-walk";
        }
        a.changed = row.changed;
        m_s.items.push_back(a);
    }

    m_s.width = std::max(right, kMargin + leftW) + kMargin;
    for (std::size_t i = bannerIndex; i < bannerIndex + mce.size(); ++i) m_s.items[i].w = m_s.width - 2 * kMargin;
    m_s.height = bottom + kMargin - kTableGap;
    m_s.title = m_o.title;
    // The machine-check wash over the halted CPU's card goes last, on top.
    for (const Cpu* c : mce) {
        const SceneItem* card = m_s.find(fmt::format("cpu{}", c->id));
        if (!card) continue;
        SceneItem w;
        w.id = fmt::format("mce-wash:cpu{}", c->id);
        w.kind = ItemKind::Box;
        w.role = "mce-wash";
        w.x = card->x - 6;
        w.y = card->y - 6;
        w.w = card->w + 12;
        w.h = card->h + 12;
        w.parent = card->id;
        m_s.items.push_back(w);
    }
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

// SPDX-License-Identifier: GPL-3.0-or-later
// Compare-mode differences and the canvas's event overlays (scene_compare.hpp).
#include "tlblab/scene_compare.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace tlblab {

namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The kind of difference an item can show in compare mode ("" = not compared).
std::string compareKind(const SceneItem& it) {
    const std::string_view id = it.id;
    if (id.size() > 4 && id.substr(id.size() - 4) == ".cr3" && startsWith(id, "cpu")) return "cr3";
    if (startsWith(id, "tlb:")) return "tlb";
    if (startsWith(id, "pdpte:") || startsWith(id, "pde:") || startsWith(id, "pte:")) return "entry";
    if (startsWith(id, "mce:") && id.find('.') == std::string_view::npos) return "mce";  // the box, not its lines
    if (startsWith(id, "cpu") && id.size() > 6 && id.substr(id.size() - 6) == ".title") return "cpu";
    return "";
}

// "tlb:cpu1:#3" -> "cpu1"; the key of a TLB entry by what it holds, not by its id.
std::string tlbKey(const SceneItem& it) {
    const auto colon = it.id.find(':', 4);
    std::string key = it.id.substr(0, colon == std::string::npos ? it.id.size() : colon);
    // Columns: #id, linear, size, frame, bits, origin, age[, MULTIMATCH]; the id and age are per run.
    for (std::size_t i = 1; i < it.cells.size() && i <= 5; ++i) key += "|" + it.cells[i];
    return key;
}

std::string contentOf(const SceneItem& it) {
    std::string s = roleName(it.role);
    for (const auto& c : it.cells) s += "|" + c;
    return s;
}

void diffSide(const Scene& mine, const Scene& other, std::vector<CompareMark>& out) {
    std::map<std::string, const SceneItem*> byId, byTlb;
    for (const auto& it : other.items) {
        const std::string k = compareKind(it);
        if (k.empty()) continue;
        if (k == "tlb") byTlb.emplace(tlbKey(it), &it);
        else byId.emplace(it.id, &it);
    }
    for (const auto& it : mine.items) {
        const std::string k = compareKind(it);
        if (k.empty() || it.w <= 0 || it.h <= 0) continue;
        CompareMark m{it.id, k, SceneRect{it.x, it.y, it.w, it.h}, false};
        if (k == "tlb") {
            auto f = byTlb.find(tlbKey(it));
            if (f == byTlb.end()) {
                m.onlyHere = true;
                out.push_back(m);
            }
            continue;
        }
        auto f = byId.find(it.id);
        if (f == byId.end()) {
            // A table entry or machine-check box the other side does not draw at all (its table may be
            // collapsed there: only entries that the other side shows in some form count).
            if (k == "mce" || k == "cr3") {
                m.onlyHere = true;
                out.push_back(m);
            }
            continue;
        }
        if (contentOf(*f->second) != contentOf(it)) out.push_back(m);
    }
}

void rect(std::vector<PaintPrim>& out, double x, double y, double w, double h, const std::string& fill,
          const std::string& stroke, double width, bool dashed, double opacity = 1.0) {
    out.push_back(rectPrim({x, y, w, h}, {.fill = fill, .stroke = stroke, .strokeWidth = width, .dashed = dashed,
                                          .fillOpacity = opacity}));
}

}  // namespace

CompareDiff diffForCompare(const Scene& a, const Scene& b) {
    CompareDiff d;
    diffSide(a, b, d.a);
    diffSide(b, a, d.b);
    return d;
}

void paintCompareMarks(const std::vector<CompareMark>& marks, Theme theme, std::vector<PaintPrim>& out) {
    // A thick dashed ring in the "changed" colour, outside the item, so the item's own style stays
    // visible; a tinted wash on the item itself for an entry the other variant lacks.
    const std::string c = meaningColor(theme, Meaning::Changed);
    for (const auto& m : marks) {
        const double line = std::clamp(m.rect.h * 0.14, 3.0, 6.0);
        const double pad = line + 2;
        if (m.onlyHere && m.what != "mce") rect(out, m.rect.x, m.rect.y, m.rect.w, m.rect.h, c, "none", 0, false, 0.18);
        rect(out, m.rect.x - pad, m.rect.y - pad, m.rect.w + 2 * pad, m.rect.h + 2 * pad, "none", c, line, true);
    }
}

void paintFlushSweep(const SceneRect& table, double progress, const std::vector<SceneRect>& spared, Theme theme,
                     int cpu, std::vector<PaintPrim>& out) {
    progress = std::clamp(progress, 0.0, 1.0);
    const std::string line = cpuColor(theme, cpu);
    const double y = table.y + table.h * progress;
    const double band = std::max(6.0, table.h * 0.04);
    // The swept part is washed, the line itself is a solid bar across the table.
    rect(out, table.x, table.y, table.w, y - table.y, line, "none", 0, false, 0.12);
    rect(out, table.x - band, y - band / 2, table.w + 2 * band, band, line, "none", 0, false, 0.9);
    const std::string keep = meaningColor(theme, Meaning::Global);
    for (const auto& s : spared) {
        if (s.y + s.h / 2 > y) continue;  // not reached yet
        const double pad = std::max(3.0, s.h * 0.15);
        rect(out, s.x - pad, s.y - pad, s.w + 2 * pad, s.h + 2 * pad, "none", keep, std::max(3.0, s.h * 0.16), false);
    }
}

void paintIpiToken(ScenePoint from, ScenePoint to, double progress, Theme theme, int cpu, double size,
                   std::vector<PaintPrim>& out) {
    progress = std::clamp(progress, 0.0, 1.0);
    const std::string c = cpuColor(theme, cpu);
    const ScenePoint at{from.x + (to.x - from.x) * progress, from.y + (to.y - from.y) * progress};
    PaintPrim trail;
    trail.kind = PaintPrim::Kind::Path;
    trail.points = {from, at};
    trail.stroke = c;
    trail.strokeWidth = std::max(2.0, size * 0.15);
    trail.dashed = true;
    out.push_back(trail);
    // The token: a diamond (an interrupt message on its way).
    PaintPrim tok;
    tok.kind = PaintPrim::Kind::Polygon;
    const double r = size / 2;
    tok.points = {{at.x, at.y - r}, {at.x + r, at.y}, {at.x, at.y + r}, {at.x - r, at.y}};
    tok.fill = c;
    out.push_back(tok);
}

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
// The teaching figures of a step, as scene items: the linear address split into its PAE fields (the
// Intel SDM's PAE figure), the multimatch ruler and the decoded machine check (scenario-facts.md sections
// 2 and 8), and the colour legend.
#include "scene_build.hpp"

#include "tlblab/walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace tlblab::scene {

namespace {

constexpr double kS = kSubjectFont;
constexpr double kC = kNoteFont;  // the figures' notes

// A Box of text lines, sized to them (lineBaseline's geometry: 10 above, 8 below).
SceneItem linesBox(std::string id, Role role, double x, double y, std::vector<std::string> lines, double font,
                   std::string parent, bool subject, double minW = 0) {
    double w = minW;
    for (const auto& l : lines) w = std::max(w, textWidth(l, font) + 24);
    SceneItem b = boxItem(std::move(id), role, x, y, w, 10 + static_cast<double>(lines.size()) * font * 1.35 + 8,
                          std::move(parent), subject);
    b.cells = std::move(lines);
    b.fontSize = font;
    return b;
}

double boxHeight(std::size_t lines, double font) { return 10 + static_cast<double>(lines) * font * 1.35 + 8; }

// Finalises a figure block: the container Box round every item, with a margin.
void frame(Block& b, double w, double h) {
    b.items.front().w = w;
    b.items.front().h = h;
    b.w = w;
    b.h = h;
}

struct Access {
    int cpu = -1;
    u32 va = 0;
    const Event* walk = nullptr;     // the last walk of this address in the step
    const Event* hit = nullptr;      // a TLB hit completing it
    const Event* fault = nullptr;    // the page fault it raised
    const Event* done = nullptr;     // AccessDone / Translate
    bool translate = false;
};

const char* levelName(int l) { return l == 0 ? "PDPTE" : l == 1 ? "PDE" : "PTE"; }

std::string entryRowId(int level, u64 pa) {
    static const char* kPrefix[] = {"pdpte", "pde", "pte"};
    return fmt::format("{}:{:#x}", kPrefix[level], pa);
}

Block addressFigure(const Machine& m, const Access& a, int k, std::vector<FigureLink>& links) {
    Block b;
    const std::string id = fmt::format("addr:{}", k);
    b.id = id;
    b.subject = true;
    b.add(boxItem(id, Role::AddrFigure, 0, 0, 0, 0, "", true));
    b.items.back().cpu = a.cpu;

    // The trace: from the step's walk, or (translate, TLB hit) the walk the snapshot gives.
    std::array<WalkTraceStep, 3> trace{};
    int levels = 0, failLevel = -1;
    u32 errorCode = 0;
    PageSize size = PageSize::K4;
    u64 frameBase = 0;
    bool ok = false;
    if (a.walk) {
        trace = a.walk->trace;
        levels = static_cast<int>(std::min<u32>(a.walk->count, 3));
        failLevel = a.walk->failLevel;
        size = a.walk->size;
        ok = failLevel < 0;
        if (ok && a.walk->pa) frameBase = a.walk->pa & ~u64{pageBytes(size) - 1};
    } else if (a.cpu >= 0 && a.cpu < static_cast<int>(m.cpus().size())) {
        const WalkResult w = walk(m.memory(), m.cpu(a.cpu).regs, a.va);
        levels = w.levels;
        for (int l = 0; l < w.levels; ++l) {
            const WalkLevel& t = w.trace[static_cast<std::size_t>(l)];
            trace[static_cast<std::size_t>(l)] = {t.level, t.index, t.entryPa, t.raw};
        }
        failLevel = w.ok() ? -1 : w.failLevel;
        errorCode = w.errorCode;
        size = w.size;
        ok = w.ok();
        frameBase = w.frame;
    }
    if (a.hit) {
        size = a.hit->size;
        frameBase = a.hit->pa;
    }
    const bool large = ok && size == PageSize::M2;
    if (a.fault) {
        errorCode = a.fault->count;
        // A protection fault (P = 1) after a complete walk shows at the leaf.
        if (failLevel < 0 && (errorCode & pae::PF_P)) failLevel = std::max(0, levels - 1);
    }

    const bool speculative = a.walk && a.walk->origin == Origin::Speculative;
    std::string what = a.translate ? "translate" : a.done ? a.done->detail : speculative ? "speculate" : "access";
    // A hit says which entry, after the address (short: the title sets the figure's width).
    std::string title = fmt::format("cpu{} {} {}", a.cpu, what, hex32(a.va));
    if (a.hit && !a.walk) title += ", TLB #" + std::to_string(a.hit->entryId);

    struct Field {
        std::string name, bits, value;
        int level;
    };
    const unsigned i0 = pae::pdptIndex(a.va), i1 = pae::pdIndex(a.va), i2 = pae::ptIndex(a.va);
    std::vector<Field> fields = {{"PDPTE", "31:30", fmt::format("[{}]", i0), 0},
                                 {"PDE", "29:21", fmt::format("[{}]", i1), 1}};
    if (large) fields.push_back({"offset", "20:0", hex(a.va & 0x1fffff), 2});
    else {
        fields.push_back({"PTE", "20:12", fmt::format("[{}]", i2), 2});
        fields.push_back({"offset", "11:0", hex(a.va & 0xfff), 3});
    }
    // The fields along the top edge, so their arrows leave the figure straight away (to the tables above or
    // beside it), each field's bit range under it; the frame (or the fault) below; the title as a caption
    // at the bottom.
    double x = 12;
    const double yField = 10;
    const double fieldH = boxHeight(2, kS);
    const double yBits = yField + fieldH + 2;
    double right = 12 + textWidth(title, kS);
    std::string offsetId;
    for (const Field& f : fields) {
        const std::string fid = fmt::format("{}.field:{}", id, f.name == "offset" ? "offset" : std::to_string(f.level));
        SceneItem box = linesBox(fid, Role::AddrField, x, yField, {f.name, f.value}, kS, id, true, 118);
        box.walkLevel = f.level;
        box.cpu = a.cpu;
        box.tooltip = fmt::format("linear bits {} = {}", f.bits, f.value);
        b.add(textItem(fid + ".bits", Role::FigureNote, x + 4, yBits, "bits " + f.bits, kC, false, id, false)).h =
            rowHeight(kC);
        const double w = std::max(box.w, textWidth("bits " + f.bits, kC) + 8);
        box.w = w;
        // The entry it selects, if the walk read it.
        if (f.name != "offset" && f.level < levels) {
            const WalkTraceStep& t = trace[static_cast<std::size_t>(f.level)];
            FigureLink l;
            l.id = fmt::format("arrow:{}.{}", id, f.level);
            l.from = fid;
            l.to = entryRowId(f.level, t.entryPa);
            l.role = Role::ArrowWalk;
            l.walkLevel = f.level;
            // An entry the tables do not draw: the PDPTE registers of the CPU (level 0), else its table.
            l.fallback = f.level == 0 ? fmt::format("cpu{}.cr3", a.cpu) : std::string();
            links.push_back(l);
            box.tooltip += fmt::format("\nselects {} {} @ {} = {}", levelName(f.level), t.index, hex(t.entryPa), hex(t.raw));
        }
        if (f.name == "offset") offsetId = fid;
        b.add(std::move(box));
        x += w + 8;
    }
    right = std::max(right, x);
    double y = yBits + rowHeight(kC) + 10;
    const int lastLevel = large ? 2 : 3;
    if (ok && !(a.fault && (errorCode & pae::PF_P))) {
        // The frame and the physical address: where the offset lands.
        const u64 pa = frameBase | (a.va & (pageBytes(size) - 1));
        SceneItem fr = linesBox(id + ".frame", Role::AddrFrame, 12, y,
                                {fmt::format("{} frame {}", large ? "2 MiB" : "4 KiB", hex32(frameBase)),
                                 fmt::format("+ offset = {}", hex32(pa))},
                                kS, id, true);
        fr.walkLevel = lastLevel;
        right = std::max(right, fr.x + fr.w);
        y += fr.h + 12;
        b.add(std::move(fr));
        FigureLink l;
        l.id = fmt::format("arrow:{}.offset", id);
        l.from = offsetId;
        l.to = id + ".frame";
        l.role = Role::ArrowWalk;
        l.walkLevel = lastLevel;
        links.push_back(l);
    }
    if (failLevel >= 0 || a.fault) {
        const int at = std::max(0, failLevel);
        const bool reserved = errorCode & pae::PF_RSVD;
        const bool prot = (errorCode & pae::PF_P) && !reserved;
        const std::string why = reserved ? "reserved bit set" : prot ? "access not allowed" : "not present";
        SceneItem fb = linesBox(id + ".fault", Role::Fault, 12, y,
                                {fmt::format("#PF at the {}: {}", levelName(at), why),
                                 fmt::format("error code {}", hex(errorCode))},
                                kS, id, true);
        fb.walkLevel = at;
        fb.tooltip = pae::describeErrorCode(errorCode);
        right = std::max(right, fb.x + fb.w);
        y += fb.h + 8;
        b.add(std::move(fb));
        // The error code's bits (scenario-facts.md section 2: P 0, W/R 1, U/S 2, RSVD 3, I/D 4).
        struct Bit {
            const char* name;
            u32 mask;
            const char* one;
            const char* zero;
        };
        static const Bit kBits[] = {{"P", pae::PF_P, "protection", "not present"},
                                    {"W/R", pae::PF_WR, "write", "read"},
                                    {"U/S", pae::PF_US, "user", "supervisor"},
                                    {"RSVD", pae::PF_RSVD, "reserved bit", "-"},
                                    {"I/D", pae::PF_ID, "fetch", "data"}};
        double bx = 12;
        double bh = 0;
        for (const Bit& bit : kBits) {
            const bool set = errorCode & bit.mask;
            SceneItem e = linesBox(fmt::format("{}.ec:{}", id, bit.name), set ? Role::EcBitSet : Role::EcBit, bx, y,
                                   {fmt::format("{} {}", bit.name, set ? 1 : 0), set ? bit.one : bit.zero}, kS, id, true);
            e.walkLevel = at;
            bx += e.w + 6;
            bh = e.h;
            b.add(std::move(e));
        }
        right = std::max(right, bx);
        y += bh + 8;
    }
    b.add(textItem(id + ".title", Role::FigureTitle, 12, y, title, kS, true, id, true)).h = rowHeight(kS);
    y += rowHeight(kS);
    frame(b, right + 12, y + 8);
    return b;
}

}  // namespace

std::vector<Block> addressFigures(const Machine& m, const EventList& events, std::vector<FigureLink>& links) {
    // One figure per (cpu, address) of the step, in the order of their first event; at most two.
    std::vector<Access> acc;
    auto find = [&](int cpu, u32 va) -> Access& {
        for (Access& a : acc)
            if (a.cpu == cpu && a.va == va) return a;
        acc.push_back(Access{cpu, va});
        return acc.back();
    };
    for (const Event& e : events) {
        const u32 va = static_cast<u32>(e.va);
        switch (e.kind) {
        case EventKind::Walk: find(e.cpu, va).walk = &e; break;
        case EventKind::TlbHit: find(e.cpu, va).hit = &e; break;
        case EventKind::PageFault: find(e.cpu, va).fault = &e; break;
        case EventKind::AccessDone: find(e.cpu, va).done = &e; break;
        case EventKind::Translate: {
            Access& a = find(e.cpu, va);
            a.done = &e;
            a.translate = true;
            break;
        }
        default: break;
        }
    }
    std::vector<Block> out;
    int k = 0;
    for (const Access& a : acc) {
        if (a.cpu < 0 || a.cpu >= static_cast<int>(m.cpus().size())) continue;
        if (k == 2) break;
        out.push_back(addressFigure(m, a, k++, links));
    }
    return out;
}

namespace {

// The range bar of a TLB entry in the multimatch figure, in the colour of its kind.
Role rangeRole(const TlbEntry& e) {
    if (e.origin == Origin::Speculative) return Role::MmRangeSpeculative;
    if (e.global) return Role::MmRangeGlobal;
    if (e.user) return Role::MmRangeUser;
    return Role::MmRangePlain;
}

Block multimatchFigure(const Cpu& c, u32 va) {
    Block b;
    const std::string id = fmt::format("mm:cpu{}", c.id);
    b.id = id;
    b.subject = true;
    b.add(boxItem(id, Role::MmFigure, 0, 0, 0, 0, "", true)).cpu = c.id;
    std::vector<TlbEntry> hits;
    for (const TlbEntry& t : c.tlb.entries())
        if (t.covers(va)) hits.push_back(t);
    std::sort(hits.begin(), hits.end(), [](const TlbEntry& x, const TlbEntry& y) {
        return pageBytes(x.size) != pageBytes(y.size) ? pageBytes(x.size) > pageBytes(y.size) : x.id < y.id;
    });
    const std::string title = fmt::format("two TLB entries of cpu{} match {}", c.id, hex32(va));
    b.add(textItem(id + ".title", Role::FigureTitle, 12, 8, title, kS, true, id, true)).h = rowHeight(kS);
    double right = 12 + textWidth(title, kS) + 12;
    double y = 8 + rowHeight(kS) + 4;
    if (hits.size() < 2) {
        frame(b, right, y + 8);
        return b;
    }
    const TlbEntry& big = hits[0];
    const TlbEntry& small = hits[1];
    auto rangeText = [](const TlbEntry& e) {
        return fmt::format("#{} {} {}-{}", e.id, e.size == PageSize::M2 ? "2 MiB" : "4 KiB", hex32(e.va),
                           hex32(u64{e.va} + pageBytes(e.size) - 1));
    };
    // The ruler: the big entry's range as a bar; the small page a mark at its place inside it.
    const double rulerW = std::max(620.0, textWidth(rangeText(big) + "  G S", kS) + 24);
    SceneItem bar = linesBox(id + ".range:big", rangeRole(big), 12, y,
                             {rangeText(big) + (big.global ? "  G" : "") + (big.user ? " U" : " S")}, kS, id, true, rulerW);
    bar.tooltip = "the larger entry's range";
    const double barH = bar.h;
    b.add(std::move(bar));
    y += barH;
    const double span = static_cast<double>(pageBytes(big.size));
    const double off = static_cast<double>(small.va - big.va);
    double mx = 12 + rulerW * off / span;
    const double mw = std::max(14.0, rulerW * pageBytes(small.size) / span);
    mx = std::min(mx, 12 + rulerW - mw);
    SceneItem mark = boxItem(id + ".range:small", rangeRole(small), mx, y, mw, 22, id, true);
    mark.tooltip = rangeText(small);
    b.add(std::move(mark));
    // Ruler ends and the small page's label under the mark (kept inside the ruler's width).
    b.add(textItem(id + ".tick:start", Role::FigureNote, 12, y + 24, hex32(big.va), kC, false, id, false)).h = rowHeight(kC);
    const std::string endText = hex32(u64{big.va} + pageBytes(big.size) - 1);
    b.add(textItem(id + ".tick:end", Role::FigureNote, 12 + rulerW - textWidth(endText, kC), y + 24, endText, kC, false, id,
                   false))
        .h = rowHeight(kC);
    y += 24 + rowHeight(kC);
    const std::string smallText = rangeText(small) + (small.global ? "  G" : "") + (small.user ? " U" : " S");
    double lx = std::clamp(mx, 12.0, std::max(12.0, 12 + rulerW - textWidth(smallText, kS) - 24));
    SceneItem lab = linesBox(id + ".label:small", rangeRole(small), lx, y, {smallText}, kS, id, true);
    right = std::max(right, std::max(12 + rulerW, lab.x + lab.w) + 12);
    y += lab.h + 12;
    b.add(std::move(lab));

    // What differs between the two entries.
    struct Diff {
        const char* key;
        std::string name, a, b;
    };
    auto origin = [](const TlbEntry& e) { return std::string(e.origin == Origin::Speculative ? "speculative" : "walk"); };
    const std::vector<Diff> diffs = {
        {"size", "size", big.size == PageSize::M2 ? "2 MiB" : "4 KiB", small.size == PageSize::M2 ? "2 MiB" : "4 KiB"},
        {"us", "U/S", big.user ? "user" : "supervisor", small.user ? "user" : "supervisor"},
        {"g", "G", big.global ? "1 (global)" : "0", small.global ? "1 (global)" : "0"},
        {"frame", "frame", hex32(big.pa), hex32(small.pa)},
        {"origin", "origin", origin(big), origin(small)},
    };
    std::vector<std::vector<std::string>> cells = {{"", fmt::format("#{}", big.id), fmt::format("#{}", small.id)}};
    for (const Diff& d : diffs) cells.push_back({d.name, d.a, d.b});
    std::vector<double> colW(3, 0.0);
    for (const auto& r : cells)
        for (std::size_t i = 0; i < 3; ++i) colW[i] = std::max(colW[i], textWidth(r[i], kS));
    std::vector<double> cellX = {12, 12 + colW[0] + kS, 12 + colW[0] + colW[1] + 2 * kS};
    const double tableW = cellX[2] + colW[2] + 12;
    auto row = [&](std::string rid, Role role, std::vector<std::string> rc, double font, bool subj) {
        SceneItem r;
        r.id = std::move(rid);
        r.kind = ItemKind::Row;
        r.role = role;
        r.x = 12;
        r.y = y;
        r.w = tableW;
        r.h = rowHeight(font);
        r.cells = std::move(rc);
        r.cellX = cellX;
        r.fontSize = font;
        r.parent = id;
        r.subject = subj;
        y += r.h;
        b.add(std::move(r));
    };
    row(id + ".diff:head", Role::TableColumns, cells[0], kS, true);
    for (std::size_t i = 0; i < diffs.size(); ++i)
        row(fmt::format("{}.diff:{}", id, diffs[i].key), diffs[i].a != diffs[i].b ? Role::MmDiff : Role::MmSame, cells[i + 1],
            kS, true);
    right = std::max(right, 12 + tableW + 12);
    frame(b, right, y + 12);
    return b;
}

// MC0_STATUS decoded field by field (scenario-facts.md section 8).
Block machineCheckBox(const Machine& m, const Cpu& c, bool subject) {
    Block b;
    const std::string id = fmt::format("mce:cpu{}", c.id);
    b.id = id;
    b.subject = subject;
    const double f = fontFor(subject);
    SceneItem& box = b.add(boxItem(id, Role::MceOverlay, 0, 0, 0, 0, "", subject));
    box.cpu = c.id;
    box.tooltip = pae::describeMc0Status(c.mc0Status);
    const u64 st = c.mc0Status;
    // The box's own lines: what happened and the raw status; the decode follows, field by field.
    box.cells = {fmt::format("MACHINE CHECK on cpu{}: CPU halted", c.id), "MC0_STATUS " + hex(st)};
    box.fontSize = f;
    box.bold = false;
    double right = 0;
    for (const auto& l : box.cells) right = std::max(right, 12 + textWidth(l, f) + 12);
    double y = 10 + 2 * f * 1.35 + 4;
    auto line = [&](std::string lid, Role role, const std::string& text, bool bold) {
        SceneItem& t = b.add(textItem(std::move(lid), role, 12, y, text, f, bold, id, subject));
        t.h = rowHeight(f);
        right = std::max(right, 12 + t.w + 12);
        y += rowHeight(f);
    };
    struct Bit {
        const char* name;
        int bit;
    };
    static const Bit kBits[] = {{"VAL", 63}, {"OVER", 62}, {"UC", 61}, {"EN", 60}, {"MISCV", 59}, {"ADDRV", 58}, {"PCC", 57}};
    double x = 12, bh = 0;
    y += 2;
    for (const Bit& bit : kBits) {
        const bool set = (st >> bit.bit) & 1;
        SceneItem e = linesBox(fmt::format("{}.bit:{}", id, bit.name), set ? Role::MceBitSet : Role::MceBitClear, x, y,
                               {bit.name, fmt::format("{}={}", bit.bit, set ? 1 : 0)}, f, id, subject);
        e.tooltip = fmt::format("MC0_STATUS bit {} ({}) = {}", bit.bit, bit.name, set ? 1 : 0);
        x += e.w + 4;
        bh = e.h;
        b.add(std::move(e));
    }
    right = std::max(right, x + 8);
    y += bh + 6;
    const unsigned ec = static_cast<unsigned>(st & 0xffff);
    const unsigned ext = static_cast<unsigned>((st >> 16) & 0x1f);
    const bool tlbErr = (ec & 0xfff0) == 0x0010;
    line(id + ".ec", Role::MceText, fmt::format("error code {:#06x}{}", ec, tlbErr ? " = TLB error" : ""), false);
    if (tlbErr) {
        const unsigned tt = (ec >> 2) & 3, ll = ec & 3;
        line(id + ".ec:ttll", Role::MceText,
             fmt::format("TT {:02b}{}  LL {:02b}{}", tt, tt == 1 ? " = data" : "", ll, ll == 1 ? " = L1" : ""), false);
    }
    std::string extName;
    if (tlbErr && ((ec >> 2) & 3) == 1 && ext != 0 && ext != 2) extName = " = L1 TLB multimatch";
    else if (tlbErr && ext == 2) extName = " = locked miss";
    else if (tlbErr && ext == 0) extName = " = parity";
    line(id + ".ext", Role::MceText, fmt::format("extended code {:#x}{}", ext, extName), false);
    line(id + ".mcg", Role::MceText,
         fmt::format("MCG_STATUS.MCIP = {}{}", (c.mcgStatus & pae::MCG_STATUS_MCIP) ? 1 : 0,
                     (c.mcgStatus & pae::MCG_STATUS_MCIP) ? " (in progress)" : ""),
         false);
    if (m.kernel().panicked) line(id + ".panic", Role::MceText, m.kernel().panicMessage, true);
    frame(b, right, y + 10);
    return b;
}

}  // namespace

std::vector<Block> multimatchFigures(const Machine& m, const EventList& events) {
    std::vector<Block> out;
    std::set<int> seen, mcNow;
    for (const Event& e : events) {
        if (e.kind == EventKind::MachineCheck) mcNow.insert(e.cpu);
        if (e.kind != EventKind::Multimatch || e.cpu < 0 || e.cpu >= static_cast<int>(m.cpus().size())) continue;
        if (!seen.insert(e.cpu).second) continue;
        out.push_back(multimatchFigure(m.cpu(e.cpu), static_cast<u32>(e.va)));
    }
    // The machine-check box stays while MC0_STATUS holds the error; it is the subject at its step.
    for (const Cpu& c : m.cpus())
        if (c.mc0Status) out.push_back(machineCheckBox(m, c, mcNow.count(c.id) != 0));
    return out;
}

namespace {

Role legendRole(Meaning m) {
    switch (m) {
    case Meaning::Global: return Role::LegendGlobal;
    case Meaning::User: return Role::LegendUser;
    case Meaning::Speculative: return Role::LegendSpeculative;
    case Meaning::LowMapping: return Role::LegendLowMapping;
    case Meaning::Conflict: return Role::LegendConflict;
    case Meaning::WalkPath: return Role::LegendWalk;
    case Meaning::Changed: return Role::LegendChanged;
    case Meaning::Highlight: return Role::LegendHighlight;
    }
    return Role::Legend;
}

}  // namespace

Block legendBlock() {
    Block b;
    b.id = "legend";
    b.add(boxItem("legend", Role::Legend, 0, 0, 0, 0, "", false));
    const double f = kContextFont;
    b.add(textItem("legend.title", Role::FigureNote, 10, 6, "colours", f, true, "legend", false)).h = rowHeight(f);
    static const Meaning kAll[] = {Meaning::Global,   Meaning::User,    Meaning::Speculative, Meaning::LowMapping,
                                   Meaning::Conflict, Meaning::WalkPath, Meaning::Changed,    Meaning::Highlight};
    double colW = 0;
    for (Meaning m : kAll) colW = std::max(colW, 34 + textWidth(meaningLabel(m), f));
    const double y0 = 6 + rowHeight(f);
    int i = 0;
    for (Meaning m : kAll) {
        const int row = i / 2, column = i % 2;  // two legend entries a row
        const double x = 10 + column * (colW + 16);
        const double y = y0 + row * rowHeight(f);
        const std::string mid = std::string("legend:") + meaningName(m);
        b.add(boxItem(mid, legendRole(m), x, y + f * 0.25, 24, f, "legend", false));
        b.add(textItem(mid + ".label", Role::FigureNote, x + 32, y, meaningLabel(m), f, false, "legend", false)).h =
            rowHeight(f);
        ++i;
    }
    frame(b, 10 + 2 * colW + 16 + 10, y0 + 4 * rowHeight(f) + 8);
    return b;
}

}  // namespace tlblab::scene

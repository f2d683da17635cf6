// SPDX-License-Identifier: GPL-3.0-or-later
// The teaching figures of a step, as scene items: the linear address split into its PAE fields (the
// Intel SDM's PAE figure, vol. 3A ch. 4), the multimatch ruler and the decoded machine check (bit names of
// Linux arch/x86/include/asm/mce.h, the TLB multimatch of drivers/edac/mce_amd.c), and the colour legend.
#include "scene_build.hpp"

#include "tlblab/walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace tlblab::scene {

namespace {

constexpr double kS = kSubjectFont;
constexpr double kC = kNoteFont;  // the figures' notes

constexpr double boxHeight(std::size_t lines, double font) { return 10 + static_cast<double>(lines) * font * 1.35 + 8; }

// A Box of text lines, sized to them (lineBaseline's geometry: 10 above, 8 below).
SceneItem linesBox(std::string id, Role role, double x, double y, std::vector<std::string> lines, double font,
                   std::string parent, bool subject, double minW = 0) {
    double w = minW;
    for (const auto& l : lines) w = std::max(w, textWidth(l, font) + 24);
    SceneItem b = boxItem(std::move(id), role, x, y, w, boxHeight(lines.size(), font),
                          std::move(parent), subject);
    b.cells = std::move(lines);
    b.fontSize = font;
    return b;
}

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

// What an address figure shows of its access's walk.
struct FigureWalk {
    std::array<WalkTraceStep, 3> trace{};
    int levels = 0, failLevel = -1;
    u32 errorCode = 0;
    PageSize size = PageSize::K4;
    u64 frameBase = 0;
    bool ok = false;
};

// The walk of the step, or (translate, TLB hit) the walk the snapshot gives; a hit's page, a fault's
// error code.
FigureWalk figureWalk(const Machine& m, const Access& a) {
    FigureWalk fw;
    if (a.walk) {
        fw.trace = a.walk->trace;
        fw.levels = static_cast<int>(std::min<u32>(a.walk->count, 3));
        fw.failLevel = a.walk->failLevel;
        fw.size = a.walk->size;
        fw.ok = fw.failLevel < 0;
        if (fw.ok && a.walk->pa) fw.frameBase = a.walk->pa & ~u64{pageBytes(fw.size) - 1};
    } else if (a.cpu >= 0 && a.cpu < static_cast<int>(m.cpus().size())) {
        const WalkResult w = walk(m.memory(), m.cpu(a.cpu).regs, a.va);
        fw.levels = w.levels;
        for (int l = 0; l < w.levels; ++l) {
            const WalkLevel& t = w.trace[static_cast<std::size_t>(l)];
            fw.trace[static_cast<std::size_t>(l)] = {t.level, t.index, t.entryPa, t.raw};
        }
        fw.failLevel = w.ok() ? -1 : w.failLevel;
        fw.errorCode = w.errorCode;
        fw.size = w.size;
        fw.ok = w.ok();
        fw.frameBase = w.frame;
    }
    if (a.hit) {
        fw.size = a.hit->size;
        fw.frameBase = a.hit->pa;
    }
    if (a.fault) {
        fw.errorCode = a.fault->count;
        // A protection fault (P = 1) after a complete walk shows at the leaf.
        if (fw.failLevel < 0 && (fw.errorCode & pae::PF_P)) fw.failLevel = std::max(0, fw.levels - 1);
    }
    return fw;
}

// The caption: who, what, which address; a hit says which entry, after the address (short: the title sets
// the figure's width).
std::string figureTitle(const Access& a) {
    const bool speculative = a.walk && a.walk->origin == Origin::Speculative;
    const std::string what = a.translate ? "translate" : a.done ? a.done->detail : speculative ? "speculate" : "access";
    std::string title = fmt::format("cpu{} {} {}", a.cpu, what, hex32(a.va));
    if (a.hit && !a.walk) title += ", TLB #" + std::to_string(a.hit->entryId);
    return title;
}

struct AddrField {
    std::string name, bits, value;
    int level;
};

// The linear address's PAE fields (a 2 MiB page has no PTE field and a 21-bit offset).
std::vector<AddrField> addressFields(u32 va, bool large) {
    std::vector<AddrField> fields = {{"PDPTE", "31:30", fmt::format("[{}]", pae::pdptIndex(va)), 0},
                                     {"PDE", "29:21", fmt::format("[{}]", pae::pdIndex(va)), 1}};
    if (large) {
        fields.push_back({"offset", "20:0", hex(va & 0x1fffff), 2});
    } else {
        fields.push_back({"PTE", "20:12", fmt::format("[{}]", pae::ptIndex(va)), 2});
        fields.push_back({"offset", "11:0", hex(va & 0xfff), 3});
    }
    return fields;
}

constexpr double kFieldY = 10;
constexpr double kBitsY = kFieldY + boxHeight(2, kS) + 2;

// One field at x: its box, its bit range under it and, if the walk read the entry it selects, the link to
// that entry. Returns the field's width.
double addField(Block& b, const std::string& id, const AddrField& f, double x, const Access& a, const FigureWalk& fw,
                std::vector<FigureLink>& links) {
    const std::string fid = fmt::format("{}.field:{}", id, f.name == "offset" ? "offset" : std::to_string(f.level));
    SceneItem box = linesBox(fid, Role::AddrField, x, kFieldY, {f.name, f.value}, kS, id, true, 118);
    box.walkLevel = f.level;
    box.cpu = a.cpu;
    box.tooltip = fmt::format("linear bits {} = {}", f.bits, f.value);
    b.add(textItem(fid + ".bits", Role::FigureNote, x + 4, kBitsY, "bits " + f.bits, kC, false, id, false)).h =
        rowHeight(kC);
    box.w = std::max(box.w, textWidth("bits " + f.bits, kC) + 8);
    if (f.name != "offset" && f.level < fw.levels) {
        const WalkTraceStep& t = fw.trace[static_cast<std::size_t>(f.level)];
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
    const double w = box.w;
    b.add(std::move(box));
    return w;
}

// The figure's cursor: the next free y, and the right edge of what it holds so far.
struct FigureCursor {
    double y = 0, right = 0;
};

// The frame and the physical address, where the offset lands (lit as the walk's last step), with the
// offset field's arrow to it.
void addFrame(Block& b, const std::string& id, const Access& a, const FigureWalk& fw, FigureCursor& at,
              std::vector<FigureLink>& links) {
    const bool large = fw.size == PageSize::M2;
    const int lastLevel = large ? 2 : 3;
    const u64 pa = fw.frameBase | (a.va & (pageBytes(fw.size) - 1));
    SceneItem fr = linesBox(id + ".frame", Role::AddrFrame, 12, at.y,
                            {fmt::format("{} frame {}", large ? "2 MiB" : "4 KiB", hex32(fw.frameBase)),
                             fmt::format("+ offset = {}", hex32(pa))},
                            kS, id, true);
    fr.walkLevel = lastLevel;
    at.right = std::max(at.right, fr.x + fr.w);
    at.y += fr.h + 12;
    b.add(std::move(fr));
    FigureLink l;
    l.id = fmt::format("arrow:{}.offset", id);
    l.from = id + ".field:offset";
    l.to = id + ".frame";
    l.role = Role::ArrowWalk;
    l.walkLevel = lastLevel;
    links.push_back(l);
}

// The page fault: where and why, then the error code's bits one box each (Intel SDM vol. 3A ch. 4,
// page-fault error code: P 0, W/R 1, U/S 2, RSVD 3, I/D 4).
void addFault(Block& b, const std::string& id, const FigureWalk& fw, FigureCursor& at) {
    const int level = std::max(0, fw.failLevel);
    const u32 ec = fw.errorCode;
    const bool reserved = ec & pae::PF_RSVD;
    const bool prot = (ec & pae::PF_P) && !reserved;
    const std::string why = reserved ? "reserved bit set" : prot ? "access not allowed" : "not present";
    SceneItem fb = linesBox(id + ".fault", Role::Fault, 12, at.y,
                            {fmt::format("#PF at the {}: {}", levelName(level), why), fmt::format("error code {}", hex(ec))},
                            kS, id, true);
    fb.walkLevel = level;
    fb.tooltip = pae::describeErrorCode(ec);
    at.right = std::max(at.right, fb.x + fb.w);
    at.y += fb.h + 8;
    b.add(std::move(fb));
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
        const bool set = ec & bit.mask;
        SceneItem e = linesBox(fmt::format("{}.ec:{}", id, bit.name), set ? Role::EcBitSet : Role::EcBit, bx, at.y,
                               {fmt::format("{} {}", bit.name, set ? 1 : 0), set ? bit.one : bit.zero}, kS, id, true);
        e.walkLevel = level;
        bx += e.w + 6;
        bh = e.h;
        b.add(std::move(e));
    }
    at.right = std::max(at.right, bx);
    at.y += bh + 8;
}

// The linear address split into its PAE fields along the top edge, so their arrows leave the figure
// straight away (to the tables above or beside it), each field's bit range under it; the frame (or the
// fault) below; the title as a caption at the bottom.
Block addressFigure(const Machine& m, const Access& a, int k, std::vector<FigureLink>& links) {
    Block b;
    const std::string id = fmt::format("addr:{}", k);
    b.id = id;
    b.subject = true;
    b.add(boxItem(id, Role::AddrFigure, 0, 0, 0, 0, "", true));
    b.items.back().cpu = a.cpu;
    const FigureWalk fw = figureWalk(m, a);
    const bool large = fw.ok && fw.size == PageSize::M2;
    const std::string title = figureTitle(a);
    double x = 12;
    for (const AddrField& f : addressFields(a.va, large)) x += addField(b, id, f, x, a, fw, links) + 8;
    FigureCursor at{kBitsY + rowHeight(kC) + 10, std::max(12 + textWidth(title, kS), x)};
    if (fw.ok && !(a.fault && (fw.errorCode & pae::PF_P))) addFrame(b, id, a, fw, at, links);
    if (fw.failLevel >= 0 || a.fault) addFault(b, id, fw, at);
    b.add(textItem(id + ".title", Role::FigureTitle, 12, at.y, title, kS, true, id, true)).h = rowHeight(kS);
    frame(b, at.right + 12, at.y + rowHeight(kS) + 8);
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

std::string rangeText(const TlbEntry& e) {
    return fmt::format("#{} {} {}-{}", e.id, e.size == PageSize::M2 ? "2 MiB" : "4 KiB", hex32(e.va),
                       hex32(u64{e.va} + pageBytes(e.size) - 1));
}

std::string bitsText(const TlbEntry& e) { return std::string(e.global ? "  G" : "") + (e.user ? " U" : " S"); }

// The ruler: the big entry's range as a bar, the small page a mark at its place inside it, the ruler's
// ends and the small page's label under the mark (kept inside the ruler's width).
void addRuler(Block& b, const std::string& id, const TlbEntry& big, const TlbEntry& small, FigureCursor& at) {
    const double rulerW = std::max(620.0, textWidth(rangeText(big) + "  G S", kS) + 24);
    SceneItem bar = linesBox(id + ".range:big", rangeRole(big), 12, at.y, {rangeText(big) + bitsText(big)}, kS, id, true,
                             rulerW);
    bar.tooltip = "the larger entry's range";
    at.y += bar.h;
    b.add(std::move(bar));
    const double span = static_cast<double>(pageBytes(big.size));
    const double off = static_cast<double>(small.va - big.va);
    const double mw = std::max(14.0, rulerW * pageBytes(small.size) / span);
    const double mx = std::min(12 + rulerW * off / span, 12 + rulerW - mw);
    SceneItem mark = boxItem(id + ".range:small", rangeRole(small), mx, at.y, mw, 22, id, true);
    mark.tooltip = rangeText(small);
    b.add(std::move(mark));
    b.add(textItem(id + ".tick:start", Role::FigureNote, 12, at.y + 24, hex32(big.va), kC, false, id, false)).h =
        rowHeight(kC);
    const std::string endText = hex32(u64{big.va} + pageBytes(big.size) - 1);
    b.add(textItem(id + ".tick:end", Role::FigureNote, 12 + rulerW - textWidth(endText, kC), at.y + 24, endText, kC,
                   false, id, false))
        .h = rowHeight(kC);
    at.y += 24 + rowHeight(kC);
    const std::string smallText = rangeText(small) + bitsText(small);
    const double lx = std::clamp(mx, 12.0, std::max(12.0, 12 + rulerW - textWidth(smallText, kS) - 24));
    SceneItem lab = linesBox(id + ".label:small", rangeRole(small), lx, at.y, {smallText}, kS, id, true);
    at.right = std::max(at.right, std::max(12 + rulerW, lab.x + lab.w) + 12);
    at.y += lab.h + 12;
    b.add(std::move(lab));
}

// What differs between the two entries: a row a property, the differing ones marked.
void addDiffTable(Block& b, const std::string& id, const TlbEntry& big, const TlbEntry& small, FigureCursor& at) {
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
    const std::vector<double> cellX = {12, 12 + colW[0] + kS, 12 + colW[0] + colW[1] + 2 * kS};
    const double tableW = cellX[2] + colW[2] + 12;
    auto row = [&](std::string rid, Role role, std::vector<std::string> rc) {
        b.add(rowItem(std::move(rid), role, {12, at.y, tableW, rowHeight(kS)}, std::move(rc), cellX, kS, id, true));
        at.y += rowHeight(kS);
    };
    row(id + ".diff:head", Role::TableColumns, cells[0]);
    for (std::size_t i = 0; i < diffs.size(); ++i)
        row(fmt::format("{}.diff:{}", id, diffs[i].key), diffs[i].a != diffs[i].b ? Role::MmDiff : Role::MmSame,
            cells[i + 1]);
    at.right = std::max(at.right, 12 + tableW + 12);
}

// Two TLB entries of one CPU matching one address: the ruler of their ranges and what differs between them.
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
    FigureCursor at{8 + rowHeight(kS) + 4, 12 + textWidth(title, kS) + 12};
    if (hits.size() < 2) {
        frame(b, at.right, at.y + 8);
        return b;
    }
    addRuler(b, id, hits[0], hits[1], at);
    addDiffTable(b, id, hits[0], hits[1], at);
    frame(b, at.right, at.y + 12);
    return b;
}

// MC0_STATUS decoded field by field (bits as Linux arch/x86/include/asm/mce.h names them: VAL 63, OVER 62,
// UC 61, EN 60, MISCV 59, ADDRV 58, PCC 57; MCA error code 15:0, AMD's extended error code 20:16).
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

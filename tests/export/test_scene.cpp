// SPDX-License-Identifier: GPL-3.0-or-later
// The projector-first scene (issue 11): the step's subject, the layout for a target size (no overlap,
// stable slots, subject and context fonts), the address and multimatch figures, flush data, the one
// painting walk and its SVG/TikZ back ends.
#include "tlblab/diagram.hpp"
#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"
#include "tlblab/paint.hpp"
#include "tlblab/walker.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <cstdlib>
#include <tuple>

using namespace tlblab;

namespace {

Machine play(const std::string& script, EventList& lastEvents) {
    Machine m;
    for (const Op& op : parseScript(script, "test")) {
        lastEvents.clear();
        m.execute(op, &lastEvents);
    }
    return m;
}

Scene sceneOf(const std::string& script, SceneOptions o = {}) {
    EventList ev;
    Machine m = play(script, ev);
    o.events = ev;
    return buildScene(m, o);
}

ExportDocument lessonDoc(const std::string& id, const std::string& variant, const SceneOptions& base = {}) {
    auto path = findLesson(id);
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    LessonRun run(lesson, variant);
    return documentFromLesson(run, 1, run.steps().size(), base);
}

const ExportStep* stepTitled(const ExportDocument& doc, const std::string& part) {
    for (const auto& st : doc.steps)
        if (st.title.find(part) != std::string::npos) return &st;
    return nullptr;
}

const SceneItem& need(const Scene& s, const std::string& id) {
    const SceneItem* it = s.find(id);
    INFO("item " << id);
    REQUIRE(it);
    return *it;
}

bool isAncestor(const Scene& s, const SceneItem& a, const SceneItem& b) {  // a holds b
    const SceneItem* p = &b;
    for (int guard = 0; p && !p->parent.empty() && guard < 8; ++guard) {
        if (p->parent == a.id) return true;
        p = s.find(p->parent);
    }
    return false;
}

// Every pair of drawn rectangles that overlap without one holding the other.
std::vector<std::string> overlaps(const Scene& s) {
    std::vector<const SceneItem*> boxes;
    for (const auto& it : s.items)
        if (it.kind != ItemKind::Arrow && it.w > 0 && it.h > 0) boxes.push_back(&it);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < boxes.size(); ++i)
        for (std::size_t j = i + 1; j < boxes.size(); ++j) {
            const SceneItem& a = *boxes[i];
            const SceneItem& b = *boxes[j];
            const SceneRect ra{a.x, a.y, a.w, a.h}, rb{b.x, b.y, b.w, b.h};
            // Touching edges (rows of one table) are not an overlap: shrink by a hair.
            const SceneRect sa{ra.x + 0.5, ra.y + 0.5, ra.w - 1, ra.h - 1};
            if (!sa.intersects(rb)) continue;
            if (isAncestor(s, a, b) || isAncestor(s, b, a) || (!a.parent.empty() && a.parent == b.parent && a.parent == b.id))
                continue;
            out.push_back(a.id + " x " + b.id);
        }
    return out;
}

const char* kFourK = R"(cpus 1
table t
map t 0x08048000 0x02000000 4K 4K user rw
cpu0 load_cr3 t
cpu0 access 0x08048abc read user
)";

const char* kTwoM = R"(cpus 1
table t
map t 0xc0000000 0x00000000 2M 2M rw global
cpu0 load_cr3 t
cpu0 access 0xc0123456 read kernel
)";

const char* kFault = R"(cpus 1
table t
map t 0x08048000 0x02000000 4K 4K user rw
cpu0 load_cr3 t
cpu0 access 0x08049000 write user
)";

}  // namespace

TEST_CASE("subject of erratum-383's steps: acting CPU, its CR3 chain, the walk, the TLB entries", "[scene][subject]") {
    const ExportDocument doc = lessonDoc("erratum-383", "buggy");
    const ExportStep* mc = stepTitled(doc, "touches its page again");
    REQUIRE(mc);
    const StepSubject& s = mc->scene.subject;
    CHECK(s.machineCheck);
    CHECK(s.cpus.count(1));
    CHECK_FALSE(s.cpus.count(0));  // stopped by the panic: context
    CHECK_FALSE(s.cpus.count(2));
    // Both entries in conflict are the subject, and drawn large.
    int conflicting = 0;
    for (const auto& [cpu, id] : s.tlb)
        if (cpu == 1) {
            const SceneItem& row = need(mc->scene, fmt::format("tlb:cpu1:#{}", id));
            CHECK(row.subject);
            CHECK(row.fontSize == mc->scene.subjectFont);
            if (row.role == Role::Multimatch) ++conflicting;
        }
    CHECK(conflicting == 2);
    // Each item says what it shows, as data: the UI inspects it without parsing its id.
    for (const auto& [cpu, id] : s.tlb) {
        const SceneRef& r = need(mc->scene, fmt::format("tlb:cpu{}:#{}", cpu, id)).ref;
        CHECK(r.kind == SceneRef::Kind::TlbEntry);
        CHECK(r.cpu == cpu);
        CHECK(r.tlbId == id);
    }
    CHECK(need(mc->scene, "cpu1").ref == SceneRef{SceneRef::Kind::Cpu, 1});
    CHECK(need(mc->scene, "cpu1.cr3").ref == SceneRef{SceneRef::Kind::Register, 1, SceneRef::Reg::Cr3});
    CHECK(need(mc->scene, "cpu1.mc0").ref.reg == SceneRef::Reg::Mc0Status);
    const SceneItem& pgd = need(mc->scene, "table:bash pgd");
    CHECK(pgd.ref.kind == SceneRef::Kind::Table);
    CHECK(pgd.ref.level == 0);
    for (const auto& it : mc->scene.items)
        if (it.parent == pgd.id && it.ref.kind == SceneRef::Kind::TableEntry) {
            CHECK(it.ref.level == 0);
            CHECK(it.ref.pa >= pgd.ref.pa);
            CHECK(it.ref.pa < pgd.ref.pa + 32);
            CHECK(it.id == fmt::format("pdpte:{:#x}", it.ref.pa));
        }
    // The walk read bash's PDPT, PD and PT: three tables of the subject, with their entries.
    CHECK(s.tables.size() >= 3);
    CHECK(s.entries.size() >= 3);
    CHECK(need(mc->scene, "table:bash pgd").subject);
    CHECK_FALSE(need(mc->scene, "table:swapper_pg_dir").subject);
    CHECK(need(mc->scene, "cpu1").subject);
    CHECK_FALSE(need(mc->scene, "cpu0").subject);
    // A context CPU is a compact card: title and one CR3/TLB line, no TLB table.
    CHECK(mc->scene.find("tlbtable:cpu0") == nullptr);
    CHECK(need(mc->scene, "cpu0.cr3").cells[0].find("TLB") != std::string::npos);

    const ExportStep* spec = stepTitled(doc, "speculatively");
    REQUIRE(spec);
    bool specFilled = false;
    for (const auto& [cpu, id] : spec->scene.subject.tlb) {
        const SceneItem* row = spec->scene.find(fmt::format("tlb:cpu{}:#{}", cpu, id));
        if (row && row->role == Role::TlbEntrySpeculative) specFilled = true;
    }
    CHECK(specFilled);
    CHECK_FALSE(spec->scene.subject.machineCheck);
}

namespace {

const SceneItem* rootOf(const Scene& s, const SceneItem* it) {
    for (int guard = 0; it && !it->parent.empty() && guard < 8; ++guard) it = s.find(it->parent);
    return it;
}

// Whether the segment a-b passes through the inside of the item's rectangle (sampled finely, so a
// diagonal segment is caught as well as an axis-parallel one; touching an edge does not count).
bool crossesInside(ScenePoint a, ScenePoint b, const SceneItem& r) {
    const double e = 1.0;
    const int n = 200;
    for (int k = 1; k < n; ++k) {
        const double t = static_cast<double>(k) / n;
        const double x = a.x + (b.x - a.x) * t, y = a.y + (b.y - a.y) * t;
        if (x > r.x + e && x < r.x + r.w - e && y > r.y + e && y < r.y + r.h - e) return true;
    }
    return false;
}

// The first walk arrow (the walk's CR3 and entry arrows, the address figure's fields) with a segment
// through a block (a top-level item: a CPU card, a table, a figure, the machine-check box) other than the
// two holding its ends; "" if none.
std::string walkArrowCrossing(const Scene& s) {
    for (const auto& a : s.items) {
        if (a.kind != ItemKind::Arrow || a.role != Role::ArrowWalk) continue;
        const SceneItem* from = rootOf(s, s.find(a.from));
        const SceneItem* to = rootOf(s, s.find(a.to));
        for (const auto& r : s.items) {
            if (!r.parent.empty() || r.kind == ItemKind::Arrow || r.role == Role::Title || &r == from || &r == to) continue;
            for (std::size_t k = 0; k + 1 < a.points.size(); ++k)
                if (crossesInside(a.points[k], a.points[k + 1], r)) return a.id + " crosses " + r.id;
        }
    }
    return "";
}

// The first arrow leaving an address figure's field with a segment through a field's bit-range note
// ("bits 20:0", its own or another's) of that figure or through its frame or fault box; "" if none.
std::string figureArrowCrossing(const Scene& s) {
    auto bits = [](const std::string& id) { return id.size() > 5 && id.substr(id.size() - 5) == ".bits"; };
    for (const auto& a : s.items) {
        if (a.kind != ItemKind::Arrow || a.role != Role::ArrowWalk) continue;
        const SceneItem* field = s.find(a.from);
        if (!field || field->role != Role::AddrField) continue;
        for (const auto& r : s.items) {
            if (r.parent != field->parent || r.id == a.to) continue;
            if (!bits(r.id) && r.role != Role::AddrFrame && r.role != Role::Fault) continue;
            for (std::size_t k = 0; k + 1 < a.points.size(); ++k)
                if (crossesInside(a.points[k], a.points[k + 1], r)) return a.id + " crosses " + r.id;
        }
    }
    return "";
}

}  // namespace

TEST_CASE("layout for every step of every bundled lesson and variant: no overlap, walk arrows round the blocks, "
          "stable slots, fonts",
          "[scene][layout]") {
    std::size_t scenes = 0;
    for (const std::string& path : bundledLessons()) {
        const Lesson lesson = loadLesson(path);
        for (const auto& v : lesson.variants) {
            for (auto [tw, th] : {std::pair{1920.0, 1080.0}, std::pair{1900.0, 780.0}, std::pair{1266.0, 520.0},
                                  std::pair{1383.0, 1080.0}}) {
                SceneOptions base;
                base.targetWidth = tw;
                base.targetHeight = th;
                base.legend = true;
                LessonRun run(lesson, v.name);
                const ExportDocument doc = documentFromLesson(run, 1, run.steps().size(), base);
                std::vector<std::string> prevOrder;
                for (const auto& st : doc.steps) {
                    const Scene& s = st.scene;
                    INFO(lesson.id << " / " << v.name << " / " << st.title << " @ " << tw << "x" << th);
                    ++scenes;
                    CHECK(overlaps(s).empty());
                    if (!overlaps(s).empty()) FAIL_CHECK(overlaps(s).front());
                    if (const std::string c = walkArrowCrossing(s); !c.empty()) FAIL_CHECK(c);
                    if (const std::string c = figureArrowCrossing(s); !c.empty()) FAIL_CHECK(c);
                    // Fonts: subject text at the subject size, context text never below the context size.
                    for (const auto& it : s.items) {
                        if (it.cells.empty()) continue;
                        if (it.subject) CHECK(it.fontSize >= s.subjectFont);
                        CHECK(it.fontSize >= s.contextFont);
                    }
                    // The scene has the target's aspect ratio at least (it grows only if the machine needs it),
                    // the subject's frame lies inside it and holds every subject item.
                    CHECK(s.width / s.height == Approx(tw / th).epsilon(0.001));
                    CHECK(s.subjectBounds.x >= 0);
                    CHECK(s.subjectBounds.x + s.subjectBounds.w <= s.width + 0.01);
                    CHECK(s.subjectBounds.y + s.subjectBounds.h <= s.height + 0.01);
                    for (const auto& it : s.items)
                        if (it.subject && it.kind != ItemKind::Arrow) {
                            CHECK(it.x >= s.subjectBounds.x - 0.01);
                            CHECK(it.x + it.w <= s.subjectBounds.x + s.subjectBounds.w + 0.01);
                        }
                    // Stable slots: the machine's CPUs and tables keep their order from step to step, and in the
                    // picture too (the subject packed first, then the context): within each group, each block
                    // lies right of (a further column) or below (the same column or a lower shelf) the one
                    // before it. (The subject's group takes the top left and the context moves aside, so a
                    // CPU's place is not fixed: the subject must be drawn large on every step.)
                    const SceneItem* prevBlock[2] = {nullptr, nullptr};
                    for (const auto& it : s.items) {
                        if (!it.parent.empty() || (it.id.rfind("cpu", 0) != 0 && it.id.rfind("table:", 0) != 0)) continue;
                        const SceneItem*& p = prevBlock[it.subject ? 1 : 0];
                        if (p) {
                            INFO(p->id << " then " << it.id);
                            CHECK((it.x >= p->x + p->w - 0.01 || it.y >= p->y + p->h - 0.01));
                        }
                        p = &it;
                    }
                    std::vector<std::string> order;
                    for (const auto& it : s.items)
                        if (it.parent.empty() && (it.id.rfind("cpu", 0) == 0 || it.id.rfind("table:", 0) == 0))
                            order.push_back(it.id);
                    std::vector<std::string> a, b;
                    for (const auto& id : order)
                        if (std::find(prevOrder.begin(), prevOrder.end(), id) != prevOrder.end()) a.push_back(id);
                    for (const auto& id : prevOrder)
                        if (std::find(order.begin(), order.end(), id) != order.end()) b.push_back(id);
                    CHECK(a == b);
                    prevOrder = order;
                }
            }
        }
    }
    CHECK(scenes > 50);
}

TEST_CASE("address figure of a 4 KiB walk: 2|9|9|12 fields, each into the entry it selects", "[scene][figure]") {
    const Scene s = sceneOf(kFourK);
    const u32 va = 0x08048abc;
    const SceneItem& f0 = need(s, "addr:0.field:0");
    const SceneItem& f1 = need(s, "addr:0.field:1");
    const SceneItem& f2 = need(s, "addr:0.field:2");
    const SceneItem& off = need(s, "addr:0.field:offset");
    CHECK(f0.cells == std::vector<std::string>{"PDPTE", fmt::format("[{}]", va >> 30)});
    CHECK(f1.cells == std::vector<std::string>{"PDE", fmt::format("[{}]", (va >> 21) & 0x1ff)});
    CHECK(f2.cells == std::vector<std::string>{"PTE", fmt::format("[{}]", (va >> 12) & 0x1ff)});
    CHECK(off.cells == std::vector<std::string>{"offset", "0xabc"});
    CHECK(f0.walkLevel == 0);
    CHECK(f1.walkLevel == 1);
    CHECK(f2.walkLevel == 2);
    CHECK(off.walkLevel == 3);
    CHECK(f0.x + f0.w <= f1.x);  // left to right, bit 31 first
    CHECK(f2.x + f2.w <= off.x);
    // Each level's arrow ends at a drawn entry of that level.
    const char* kPrefix[] = {"pdpte:", "pde:", "pte:"};
    for (int l = 0; l < 3; ++l) {
        const SceneItem& a = need(s, fmt::format("arrow:addr:0.{}", l));
        CHECK(a.walkLevel == l);
        CHECK(a.to.rfind(kPrefix[l], 0) == 0);
        CHECK(s.find(a.to) != nullptr);
        CHECK(s.find(a.to)->walkLevel == l);
    }
    const SceneItem& frame = need(s, "addr:0.frame");
    CHECK(frame.cells == std::vector<std::string>{"4 KiB frame 0x02000000", "+ offset = 0x02000abc"});
    CHECK(need(s, "arrow:addr:0.offset").to == "addr:0.frame");
    CHECK(s.find("addr:0.fault") == nullptr);
}

TEST_CASE("address figure of a 2 MiB walk: 2|9|21, the PDE is the leaf", "[scene][figure]") {
    const Scene s = sceneOf(kTwoM);
    CHECK(need(s, "addr:0.field:0").cells[1] == "[3]");
    CHECK(need(s, "addr:0.field:1").cells[1] == fmt::format("[{}]", (0xc0123456u >> 21) & 0x1ff));
    CHECK(s.find("addr:0.field:2") == nullptr);
    const SceneItem& off = need(s, "addr:0.field:offset");
    CHECK(off.cells[1] == "0x123456");
    CHECK(off.walkLevel == 2);
    CHECK(need(s, "addr:0.frame").cells == std::vector<std::string>{"2 MiB frame 0x00000000", "+ offset = 0x00123456"});
    CHECK(need(s, "addr:0.title").cells[0] == "cpu0 read kernel 0xc0123456");
}

TEST_CASE("address figure of a page fault: where the walk stopped, the error code bit by bit", "[scene][figure]") {
    const Scene s = sceneOf(kFault);
    const SceneItem& fault = need(s, "addr:0.fault");
    // 0x08049000 has a PDE (the page table of 0x08048000) but no PTE: the walk stops at level 2.
    CHECK(fault.walkLevel == 2);
    CHECK(fault.cells[0] == "#PF at the PTE: not present");
    CHECK(fault.cells[1] == "error code 0x6");  // W/R = 1 (write), U/S = 1 (user), P = 0
    CHECK(need(s, "addr:0.ec:P").cells == std::vector<std::string>{"P 0", "not present"});
    CHECK(need(s, "addr:0.ec:W/R").cells == std::vector<std::string>{"W/R 1", "write"});
    CHECK(need(s, "addr:0.ec:U/S").cells == std::vector<std::string>{"U/S 1", "user"});
    CHECK(need(s, "addr:0.ec:RSVD").cells[0] == "RSVD 0");
    CHECK(need(s, "addr:0.ec:I/D").cells[0] == "I/D 0");
    CHECK(need(s, "addr:0.ec:W/R").role == Role::EcBitSet);
    CHECK(need(s, "addr:0.ec:P").role == Role::EcBit);
    CHECK(s.find("addr:0.frame") == nullptr);
}

TEST_CASE("walk events carry their trace; WalkResult::errorCode is set", "[scene][walk]") {
    EventList ev;
    Machine m = play(kFault, ev);
    const Event* w = nullptr;
    for (const Event& e : ev)
        if (e.kind == EventKind::Walk) w = &e;
    REQUIRE(w);
    CHECK(w->count == 3);
    CHECK(w->failLevel == 2);
    CHECK(w->trace[1].level == 1);
    CHECK(w->trace[1].index == ((0x08049000u >> 21) & 0x1ff));
    CHECK(w->trace[2].index == ((0x08049000u >> 12) & 0x1ff));
    CHECK(w->trace[2].raw == 0);
    const WalkResult r = walk(m.memory(), m.cpu(0).regs, 0x08049000);
    CHECK(r.fail == WalkFail::NotPresent);
    CHECK(r.errorCode == 0);
    // A reserved bit: error code P | RSVD.
    PhysMemory mem;
    PagingRegs regs;
    regs.cr0 = pae::CR0_PG;
    regs.cr4 = pae::CR4_PAE;
    regs.pdpte[0] = 0x1000 | pae::P;
    mem.write64(0x1000, pae::P | pae::PS | (u64{1} << 13));  // bit 13: reserved in a 2 MiB PDE
    const WalkResult rr = walk(mem, regs, 0x0);
    CHECK(rr.fail == WalkFail::Reserved);
    CHECK(rr.errorCode == (pae::PF_P | pae::PF_RSVD));
}

TEST_CASE("multimatch figure and decoded MC0_STATUS at erratum-383's machine check", "[scene][figure][mce]") {
    const ExportDocument doc = lessonDoc("erratum-383", "buggy");
    const ExportStep* mc = stepTitled(doc, "touches its page again");
    REQUIRE(mc);
    const Scene& s = mc->scene;
    CHECK(need(s, "mm:cpu1.title").cells[0] == "two TLB entries of cpu1 match 0x08048000");
    CHECK(need(s, "mm:cpu1.range:big").cells[0].find("2 MiB 0x08000000-0x081fffff") != std::string::npos);
    CHECK(need(s, "mm:cpu1.label:small").cells[0].find("4 KiB 0x08048000-0x08048fff") != std::string::npos);
    const SceneItem& big = need(s, "mm:cpu1.range:big");
    const SceneItem& mark = need(s, "mm:cpu1.range:small");
    // The 4 KiB page sits inside the 2 MiB range, at 0x48000 / 0x200000 of its width.
    CHECK(mark.x >= big.x);
    CHECK(mark.x + mark.w <= big.x + big.w);
    CHECK(mark.x - big.x == Approx(big.w * 0x48000 / 0x200000).margin(1));
    for (const char* k : {"size", "us", "g", "frame", "origin"}) {
        INFO(k);
        CHECK(need(s, std::string("mm:cpu1.diff:") + k).role == Role::MmDiff);
    }
    CHECK(need(s, "mm:cpu1.diff:size").cells == std::vector<std::string>{"size", "2 MiB", "4 KiB"});
    CHECK(need(s, "mm:cpu1.diff:us").cells == std::vector<std::string>{"U/S", "supervisor", "user"});
    CHECK(need(s, "mm:cpu1.diff:g").cells[1] == "1 (global)");
    CHECK(need(s, "mm:cpu1.diff:origin").cells[1] == "speculative");
    // MC0_STATUS 0xb600000000010015, field by field (bits of Linux arch/x86/include/asm/mce.h).
    const std::map<std::string, std::string> bits = {{"VAL", "63=1"},  {"OVER", "62=0"},  {"UC", "61=1"}, {"EN", "60=1"},
                                                     {"MISCV", "59=0"}, {"ADDRV", "58=1"}, {"PCC", "57=1"}};
    for (const auto& [name, value] : bits) {
        const SceneItem& b = need(s, "mce:cpu1.bit:" + name);
        CHECK(b.cells == std::vector<std::string>{name, value});
        CHECK(b.role == (value.back() == '1' ? Role::MceBitSet : Role::MceBitClear));
    }
    CHECK(need(s, "mce:cpu1").cells == std::vector<std::string>{"MACHINE CHECK on cpu1: CPU halted", "MC0_STATUS 0xb600000000010015"});
    CHECK(need(s, "mce:cpu1.ec").cells[0] == "error code 0x0015 = TLB error");
    CHECK(need(s, "mce:cpu1.ec:ttll").cells[0] == "TT 01 = data  LL 01 = L1");
    CHECK(need(s, "mce:cpu1.ext").cells[0] == "extended code 0x1 = L1 TLB multimatch");
    CHECK(need(s, "mce:cpu1.mcg").cells[0] == "MCG_STATUS.MCIP = 1 (in progress)");
    CHECK(need(s, "mce:cpu1").subject);
    CHECK(need(s, "mm:cpu1").subject);
}

TEST_CASE("flushes: MOV CR3 removes the non-global entries and spares the global one; CR3 arrow keeps its id", "[scene][flush]") {
    const ExportDocument doc = lessonDoc("tlb-global-pages", "");
    const ExportStep* first = stepTitled(doc, "Misses fill");
    const ExportStep* cr3 = stepTitled(doc, "MOV CR3 keeps");
    REQUIRE(first);
    REQUIRE(cr3);
    REQUIRE_FALSE(cr3->scene.flushes.empty());
    const SceneFlush& f = cr3->scene.flushes.front();
    CHECK(f.kind == FlushKind::NonGlobal);
    REQUIRE(f.removed.size() == 1);
    REQUIRE(f.spared.size() == 1);
    // The removed entry was in the previous step's scene and is gone; the spared one is in both.
    CHECK(first->scene.find(f.removed[0]) != nullptr);
    CHECK(cr3->scene.find(f.removed[0]) == nullptr);
    CHECK(cr3->scene.find(f.spared[0]) != nullptr);
    CHECK(first->scene.find(f.spared[0]) != nullptr);
    CHECK(cr3->scene.find(f.spared[0])->role == Role::TlbEntryGlobal);
    const SceneItem& a0 = need(first->scene, "arrow:cpu0.cr3");
    const SceneItem& a1 = need(cr3->scene, "arrow:cpu0.cr3");
    CHECK(a0.to == "table:proc_a");
    CHECK(a1.to == "table:proc_b");
}

TEST_CASE("IPIs of a step are items from the initiator's card to each target's", "[scene][ipi]") {
    const ExportDocument doc = lessonDoc("lazy-tlb", "");
    const ExportStep* st = stepTitled(doc, "flush_tlb_all");
    REQUIRE(st);
    int ipis = 0;
    for (const auto& it : st->scene.items)
        if (it.role == Role::Ipi) {
            ++ipis;
            CHECK(it.kind == ItemKind::Arrow);
            CHECK(it.from == fmt::format("cpu{}", it.cpu));
            CHECK(st->scene.find(it.to) != nullptr);
            CHECK(it.to != it.from);
        }
    CHECK(ipis >= 1);
}

TEST_CASE("the lesson's highlight is an outline over the entry's own kind", "[scene][paint]") {
    const ExportDocument doc = lessonDoc("tlb-global-pages", "");
    const ExportStep* first = stepTitled(doc, "Misses fill");
    REQUIRE(first);
    const SceneItem* global = nullptr;
    for (const auto& it : first->scene.items)
        if (it.role == Role::TlbEntryGlobal) global = &it;
    REQUIRE(global);
    CHECK(global->highlight);
    const auto prims = paintItem(*global, Theme::Light);
    REQUIRE(prims.size() >= 2);
    CHECK(prims.front().kind == PaintPrim::Kind::Rect);
    CHECK(prims.front().fill == roleStyle(Theme::Light, Role::TlbEntryGlobal).fill);  // its kind stays visible
    bool outline = false;
    for (const auto& p : prims)
        if (p.kind == PaintPrim::Kind::Rect && p.fill == "none" && p.stroke == meaningColor(Theme::Light, Meaning::Highlight))
            outline = true;
    CHECK(outline);
}

TEST_CASE("paint walk: walk reveal, greeked text, CPU colours, one colour per meaning", "[scene][paint]") {
    SceneItem row;
    row.id = "pde:0x1000";
    row.kind = ItemKind::Row;
    row.role = Role::Entry;
    row.w = 300;
    row.h = 39;
    row.cells = {"[1]", "P RW"};
    row.cellX = {13, 80};
    row.fontSize = 26;
    row.walkLevel = 1;
    auto walkRects = [](const std::vector<PaintPrim>& ps) {
        return std::count_if(ps.begin(), ps.end(), [](const PaintPrim& p) {
            return p.kind == PaintPrim::Kind::Rect && p.stroke == themeWalkColor(Theme::Light);
        });
    };
    PaintContext lit;
    CHECK(walkRects(paintItem(row, Theme::Light, lit)) == 1);
    PaintContext early;
    early.walkReveal = 0;
    CHECK(walkRects(paintItem(row, Theme::Light, early)) == 0);
    auto texts = [](const std::vector<PaintPrim>& ps) {
        return std::count_if(ps.begin(), ps.end(), [](const PaintPrim& p) { return p.kind == PaintPrim::Kind::Text; });
    };
    CHECK(texts(paintItem(row, Theme::Light)) == 2);
    PaintContext small;
    small.scale = 0.3;  // 26 units -> 7.8 px
    small.minTextPx = 12;
    const auto g = paintItem(row, Theme::Light, small);
    CHECK(texts(g) == 0);
    CHECK(std::count_if(g.begin(), g.end(), [](const PaintPrim& p) { return p.greeked; }) == 2);

    SceneItem card;
    card.id = "cpu3";
    card.role = Role::CpuCard;
    card.cpu = 3;
    card.w = card.h = 100;
    CHECK(paintItem(card, Theme::Dark).front().stroke == cpuColor(Theme::Dark, 3));
    for (Theme t : {Theme::Light, Theme::Dark}) {
        std::set<std::string> cpu, meaning;
        for (int c = 0; c < 8; ++c) cpu.insert(cpuColor(t, c));
        CHECK(cpu.size() == 8);
        for (Meaning m : {Meaning::Global, Meaning::User, Meaning::Speculative, Meaning::LowMapping, Meaning::Conflict,
                          Meaning::WalkPath, Meaning::Changed, Meaning::Highlight})
            meaning.insert(meaningColor(t, m));
        CHECK(meaning.size() == 8);
        for (const auto& c : cpu) CHECK_FALSE(meaning.count(c));
    }
    // The legend: one swatch per meaning, drawn only when asked for.
    SceneOptions o;
    CHECK(sceneOf(kFourK, o).find("legend") == nullptr);
    o.legend = true;
    const Scene withLegend = sceneOf(kFourK, o);
    CHECK(withLegend.find("legend:global") != nullptr);
    CHECK(withLegend.find("legend:walk") != nullptr);
    CHECK(withLegend.find("legend:highlight") != nullptr);
}

TEST_CASE("SVG and TikZ are drawn from the paint primitives, escaping every string", "[scene][svg][tikz]") {
    Scene s;
    s.width = 400;
    s.height = 200;
    s.title = "t <b>&\"'\x01";
    SceneItem it;
    it.id = "table:<evil>\"&";
    it.kind = ItemKind::Box;
    it.role = Role::Table;
    it.w = 200;
    it.h = 80;
    it.cells = {"<script>alert(1)</script> & \x07 done", "100% {x}\n\\input{/etc/passwd}"};
    it.tooltip = "a < b";
    s.items.push_back(it);
    const std::string svg = sceneToSvg(s, Theme::Light);
    CHECK(svg.find("<script") == std::string::npos);
    CHECK(svg.find("&lt;script&gt;") != std::string::npos);
    CHECK(svg.find("id=\"table:&lt;evil&gt;&quot;&amp;\"") != std::string::npos);
    CHECK(svg.find('\x07') == std::string::npos);
    CHECK(svg.find('\x01') == std::string::npos);
    // Well formed: tags balance.
    CHECK(std::count(svg.begin(), svg.end(), '<') == std::count(svg.begin(), svg.end(), '>'));
    std::size_t open = 0, close = 0;
    for (auto p = svg.find("<g "); p != std::string::npos; p = svg.find("<g ", p + 1)) ++open;
    for (auto p = svg.find("</g>"); p != std::string::npos; p = svg.find("</g>", p + 1)) ++close;
    CHECK(open == 1);
    CHECK(close == 1);
    // Every text primitive became one <text>.
    const auto prims = paintScene(s, Theme::Light);
    std::size_t texts = 0, svgTexts = 0;
    for (const auto& p : prims) texts += p.kind == PaintPrim::Kind::Text;
    for (auto p = svg.find("<text "); p != std::string::npos; p = svg.find("<text ", p + 1)) ++svgTexts;
    CHECK(texts == 2);
    CHECK(svgTexts == texts);
    const std::string tikz = sceneToTikz(s, Theme::Light);
    CHECK(tikz.find("\\input{") == std::string::npos);
    CHECK(tikz.find("\\textbackslash{}input\\{/etc/passwd\\}") != std::string::npos);
    CHECK(tikz.find("100\\% \\{x\\}") != std::string::npos);
    // No line of the picture is cut by a newline from the text: every node line ends with "};".
    for (std::size_t p = tikz.find("\\node"); p != std::string::npos; p = tikz.find("\\node", p + 1)) {
        const auto eol = tikz.find('\n', p);
        CHECK(tikz.substr(eol - 2, 2) == "};");
    }
    CHECK(texEscape("a\nb\tc") == "a b c");
}

TEST_CASE("the scene is laid out for the target's aspect ratio", "[scene][layout]") {
    SceneOptions wide;
    wide.targetWidth = 1900;
    wide.targetHeight = 780;
    SceneOptions slide;  // 1920x1080
    const Scene a = sceneOf(kFourK, wide);
    const Scene b = sceneOf(kFourK, slide);
    CHECK(a.width / a.height == Approx(1900.0 / 780).epsilon(0.01));
    CHECK(b.width / b.height == Approx(1920.0 / 1080).epsilon(0.01));
    CHECK(a.bounds.w == a.width);
    CHECK(b.subjectBounds.w <= b.bounds.w);
    CHECK(b.subjectFont >= 24);
    CHECK(b.contextFont >= 12 * 780 / 520.0);  // >= 12 px on a 1280x720 screen's canvas
}

TEST_CASE("scene roles are an enum with the report's and SVG's names", "[scene][roles]") {
    CHECK(std::string(roleName(Role::TlbEntryGlobal)) == "tlb-entry-global");
    CHECK(std::string(roleName(Role::CpuCard)) == "cpu-card");
    CHECK(std::string(roleName(Role::ArrowWalk)) == "arrow-walk");
    std::set<std::string> names;
    for (int r = 0; r <= static_cast<int>(Role::TlbTable); ++r) {
        const std::string n = roleName(static_cast<Role>(r));
        CHECK_FALSE(n.empty());
        CHECK(names.insert(n).second);  // one name, one role
    }
    // The SVG back end names each item's role as its class.
    const Scene s = sceneOf(kFourK, SceneOptions{});
    const std::string svg = sceneToSvg(s, Theme::Light);
    CHECK(svg.find("class=\"cpu-card\"") != std::string::npos);
    CHECK(svg.find("class=\"tlb-table\"") != std::string::npos);
}

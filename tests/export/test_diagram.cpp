// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram description and the Qt-free exports (TikZ, HTML, core SVG, atomic writes).
#include "tlblab/diagram.hpp"
#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tlblab;

namespace {

const char* kErratum = R"(cpus 3
cpu_model erratum383
kernel_variant buggy
kernel_boot
cpu0 cpu_down cpu2
task bash
map "bash pgd" 0x08048000 0x2000000 16K 4K user rw
cpu1 schedule bash
cpu1 access 0x08048000 read user
cpu1 schedule idle
cpu0 native_cpu_up cpu2
cpu1 speculate 0x08048000
cpu1 schedule bash
cpu1 access 0x08048000 read user
)";

// Plays `script`; returns the machine and the events of its last operation.
Machine play(const std::string& script, EventList& lastEvents) {
    Machine m;
    for (const Op& op : parseScript(script, "test")) {
        lastEvents.clear();
        m.execute(op, &lastEvents);
    }
    return m;
}

std::string readFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("scene of the erratum: cards, CR3 arrows, tables, TLB entries and the machine check", "[diagram]") {
    EventList ev;
    Machine m = play(kErratum, ev);
    SceneOptions o;
    o.events = ev;
    const Scene s = buildScene(m, o);

    const SceneItem* cr3 = s.find("cpu1.cr3");
    REQUIRE(cr3);
    REQUIRE(cr3->cells.at(0) == "CR3 0x01803000 \xe2\x86\x92 bash pgd");
    REQUIRE(s.find("table:swapper_pg_dir"));
    REQUIRE(s.find("table:bash pgd"));
    REQUIRE(s.find("table:kernel PMD"));
    const SceneItem* arrow = s.find("arrow:cpu1.cr3");
    REQUIRE(arrow);
    CHECK(arrow->to == "table:bash pgd");
    CHECK(s.find("arrow:cpu0.cr3")->to == "table:swapper_pg_dir");

    // Both entries of the multimatch are marked (and explained by the multimatch figure).
    const SceneItem* e2 = s.find("tlb:cpu1:#2");
    const SceneItem* e3 = s.find("tlb:cpu1:#3");
    REQUIRE(e2);
    REQUIRE(e3);
    CHECK(e2->role == Role::Multimatch);
    CHECK(e3->role == Role::Multimatch);
    CHECK(e2->cells.front() == "#2!");
    CHECK(e2->cells.at(5) == "SPEC");
    CHECK(s.find("mm:cpu1"));
    CHECK(e3->changed);       // filled by this step
    CHECK(e3->walkLevel == 3);  // the end of this step's walk

    // The machine check: a box with MC0_STATUS decoded field by field, and the halted card.
    const SceneItem* mce = s.find("mce:cpu1");
    REQUIRE(mce);
    CHECK(mce->role == Role::MceOverlay);
    CHECK(mce->cells.at(1) == "MC0_STATUS 0xb600000000010015");
    CHECK(mce->tooltip.find("erratum 383 signature") != std::string::npos);
    CHECK(s.find("cpu1")->role == Role::Halted);
    CHECK(s.find("cpu1.mc0")->cells.at(0) == "MC0_STATUS 0xb600000000010015");
}

TEST_CASE("the walk path of a step is marked level by level", "[diagram]") {
    EventList ev;
    Machine m = play(kErratum, ev);
    SceneOptions o;
    o.events = ev;
    const Scene s = buildScene(m, o);
    // The re-walk under bash pgd: PDPTE[0]@0x1803000, PDE[64]@0x1804200, PTE[72]@0x1807240.
    const auto pdpt = *m.tableNamed("bash pgd");
    const SceneItem* pdpte = s.find(fmt::format("pdpte:{:#x}", pdpt));
    REQUIRE(pdpte);
    CHECK(pdpte->walkLevel == 0);
    int pdes = 0, ptes = 0;
    for (const auto& it : s.items) {
        if (it.id.rfind("pde:", 0) == 0 && it.walkLevel == 1) ++pdes;
        if (it.id.rfind("pte:", 0) == 0 && it.walkLevel == 2) ++ptes;
    }
    CHECK(pdes == 1);
    CHECK(ptes == 1);
    CHECK(s.find("arrow:cpu1.cr3")->role == Role::ArrowWalk);
    CHECK(s.find("arrow:cpu0.cr3")->role == Role::ArrowCr3);
    // Without the step's events nothing is marked.
    const Scene plain = buildScene(m, SceneOptions{});
    for (const auto& it : plain.items) CHECK(it.walkLevel == -1);
}

TEST_CASE("low mappings are marked and the kernel PMD's 448 entries are compressed", "[diagram]") {
    EventList ev;
    // Stop right after native_cpu_up's clone_pgd_range, while the low mappings are in place.
    Machine m = play(R"(cpus 3
kernel_boot
cpu0 cpu_down cpu2
cpu0 native_cpu_up cpu2
)", ev);
    const Scene s = buildScene(m, SceneOptions{});
    const u64 swapper = *m.tableNamed("swapper_pg_dir");
    const SceneItem* low = s.find(fmt::format("pdpte:{:#x}", swapper));
    REQUIRE(low);
    CHECK(low->role == Role::EntryLowMapping);
    CHECK(low->cells.back() == "LOW MAPPING");
    CHECK(s.find("arrow:" + low->id)->role == Role::ArrowLowMapping);
    // pgd[3] is the kernel's own mapping, not a low mapping.
    CHECK(s.find(fmt::format("pdpte:{:#x}", swapper + 24))->role == Role::Entry);

    std::size_t rows = 0, hidden = 0;
    for (const auto& it : s.items) {
        if (it.parent != "table:kernel PMD" || it.kind != ItemKind::Row || it.role == Role::TableHeader) continue;
        ++rows;
        if (it.role == Role::EntryGap) {
            REQUIRE(it.cells.at(0).find("more 2M entries") != std::string::npos);
            hidden += std::stoul(it.cells[0].substr(4));
        }
    }
    CHECK(rows <= 12);
    CHECK(rows - 1 + hidden == 448);  // every present entry shown or counted, one gap row here
}

TEST_CASE("highlights and collapsed tables", "[diagram]") {
    EventList ev;
    Machine m = play(kErratum, ev);
    SceneOptions o;
    o.highlightCpus = {0};
    o.highlightRegisters = {"cpu0.cr3"};
    const u64 bashPgd = *m.tableNamed("bash pgd");
    o.highlightEntries = {bashPgd};
    o.collapsedTables = {"kernel PMD"};
    const Scene s = buildScene(m, o);
    // Highlights are outlines: the item keeps its own role.
    CHECK(s.find("cpu0.cr3")->highlight);
    CHECK(s.find("cpu0.cr3")->role == Role::Register);
    CHECK(s.find("cpu0")->highlight);
    CHECK(s.find(fmt::format("pdpte:{:#x}", bashPgd))->highlight);
    CHECK(s.find(fmt::format("pdpte:{:#x}", bashPgd))->role == Role::Entry);
    CHECK(s.find("table:kernel PMD.header")->cells.at(0).find("collapsed") != std::string::npos);
    for (const auto& it : s.items) CHECK_FALSE((it.parent == "table:kernel PMD" && it.id.rfind("pde:", 0) == 0));
}

TEST_CASE("scenes are deterministic and diffs name what changed", "[diagram]") {
    Machine m;
    EventList ev;
    const auto ops = parseScript(kErratum, "test");
    Scene before;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        ev.clear();
        m.execute(ops[i], &ev);
        if (i + 2 == ops.size()) before = buildScene(m, SceneOptions{});
    }
    const Scene after = buildScene(m, SceneOptions{});
    CHECK(buildScene(m, SceneOptions{}).items == after.items);

    const SceneDiff d = diffScenes(before, after);
    auto has = [](const std::vector<std::string>& v, const std::string& id) {
        return std::find(v.begin(), v.end(), id) != v.end();
    };
    CHECK(has(d.added, "tlb:cpu1:#3"));   // the new 4K entry
    CHECK(has(d.added, "mce:cpu1"));      // the machine check
    CHECK(has(d.changed, "tlb:cpu1:#2"));  // now part of the multimatch
    // The halted card changed; a table the step did not touch keeps its text.
    CHECK(has(d.changed, "cpu1"));
    CHECK(before.find("table:swapper_pg_dir.header")->cells == after.find("table:swapper_pg_dir.header")->cells);
    for (const auto& id : d.removed) CHECK(id.rfind("tlb:", 0) != 0);  // no TLB entry went away
    const SceneDiff none = diffScenes(after, after);
    CHECK(none.added.empty());
    CHECK(none.removed.empty());
    CHECK(none.changed.empty());
}

TEST_CASE("TikZ export matches the golden file", "[export][tikz]") {
    const std::string dir = TLBLAB_EXPORT_TEST_DATA;
    const auto ops = parseScript(readFile(dir + "/golden.tlb"), "golden.tlb");
    const ExportDocument doc = documentFromScript(ops, "golden.tlb", 1, ops.size());
    const std::string tikz = documentToTikz(doc, Theme::Print);
    CHECK(count(tikz, "\\begin{tikzpicture}") == ops.size());
    CHECK(count(tikz, "\\end{tikzpicture}") == ops.size());
    const std::string golden = readFile(dir + "/golden.tikz");
    REQUIRE_FALSE(golden.empty());
    // To accept a deliberate change: tlblab-cli export tests/export/data/golden.tlb --format tikz
    //   --out tests/export/data/golden.tikz, and review the diff.
    CHECK(tikz == golden);
}

TEST_CASE("TeX escaping", "[export][tikz]") {
    CHECK(texEscape("swapper_pg_dir 100% {a} #1 $x ~ ^ \\") ==
          "swapper\\_pg\\_dir 100\\% \\{a\\} \\#1 \\$x \\~{} \\^{} \\textbackslash{}");
    CHECK(texEscape("a -> b") == "a -\\textgreater{} b");
}

TEST_CASE("HTML slideshow is self-contained and escapes lesson text", "[export][html]") {
    EventList ev;
    Machine m = play(kErratum, ev);
    ExportDocument doc;
    doc.title = "Title <b>bold</b> & co";
    for (int i = 1; i <= 2; ++i) {
        ExportStep st;
        st.number = static_cast<std::size_t>(i);
        st.title = "Step <i>" + std::to_string(i) + "</i>";
        st.narration = "Narration with <script>alert('x')</script> and `code` and *stress*\n\n- item <one>";
        st.question = "Why <img src=\"x.png\"> <a href='elsewhere'>?";
        st.answer = "Because & so";
        st.scene = buildScene(m, SceneOptions{});
        doc.steps.push_back(std::move(st));
    }
    const std::string html = documentToHtml(doc, Theme::Light);
    // Lesson text is escaped: the injected tags appear only as text.
    CHECK(html.find("<script>alert") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("<a ") == std::string::npos);
    CHECK(html.find("Title &lt;b&gt;bold&lt;/b&gt; &amp; co") != std::string::npos);
    CHECK(html.find("<code>code</code>") != std::string::npos);
    CHECK(html.find("<li>item &lt;one&gt;</li>") != std::string::npos);
    // Nothing from elsewhere: no src or href attribute at all, one inline script of our own, no URL.
    for (const char* attr : {"src=\"", "src='", "href=\"", "href='", "url("}) CHECK(html.find(attr) == std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(count(html, "<script") == 1);
    // One inline picture per step, with the step's table names, CR3 values and TLB entries.
    CHECK(count(html, "<svg ") == 2);
    CHECK(count(html, "<section ") == 2);
    CHECK(html.find("swapper_pg_dir") != std::string::npos);
    CHECK(html.find("CR3 0x01803000") != std::string::npos);
    CHECK(html.find("id=\"s2-tlb:cpu1:#3\"") != std::string::npos);
    CHECK(html.find("ArrowRight") != std::string::npos);
}

TEST_CASE("core SVG: text stays text, ids are unique", "[export][svg]") {
    EventList ev;
    Machine m = play(kErratum, ev);
    const Scene s = buildScene(m, SceneOptions{});
    const std::string svg = sceneToSvg(s, Theme::Print);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find(">cpu1 TLB: 2 entries</text>") != std::string::npos);
    CHECK(svg.find(">bash pgd  (PDPT)</text>") != std::string::npos);
    CHECK(count(svg, "<g id=") == s.items.size());
    std::set<std::string> ids;
    for (const auto& it : s.items) CHECK(ids.insert(it.id).second);
}

TEST_CASE("step ranges", "[export]") {
    std::size_t a = 0, b = 0;
    parseStepRange("", 7, a, b);
    CHECK((a == 1 && b == 7));
    parseStepRange("2-4", 7, a, b);
    CHECK((a == 2 && b == 4));
    parseStepRange("5", 7, a, b);
    CHECK((a == 5 && b == 5));
    parseStepRange("3-", 7, a, b);
    CHECK((a == 3 && b == 7));
    CHECK_THROWS_WITH(parseStepRange("4-2", 7, a, b), Catch::Contains("4 comes after 2"));
    CHECK_THROWS_WITH(parseStepRange("1-9", 7, a, b), Catch::Contains("only 7 steps"));
    CHECK_THROWS_WITH(parseStepRange("x", 7, a, b), Catch::Contains("not a step number"));
    CHECK_THROWS_WITH(parseStepRange("0", 7, a, b), Catch::Contains("not a step number"));
}

TEST_CASE("files are written atomically; an unwritable path is a clear error", "[export]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "tlblab-export-test";
    fs::create_directories(dir);
    const std::string path = (dir / "out.txt").string();
    writeFileAtomic(path, "first");
    writeFileAtomic(path, "second");
    CHECK(readFile(path) == "second");
    for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename() == "out.txt");  // no temp left
    CHECK_THROWS_WITH(writeFileAtomic((dir / "missing" / "x.html").string(), "data"),
                      Catch::Contains("cannot write") && Catch::Contains("missing/x.html"));
    CHECK_FALSE(fs::exists(dir / "missing"));
    fs::remove_all(dir);
}

TEST_CASE("a document from the bundled erratum lesson: narration, questions, one scene per step", "[export][lesson]") {
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    LessonRun run(lesson, "buggy");
    const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
    REQUIRE(doc.steps.size() == run.steps().size());
    bool question = false;
    for (const auto& st : doc.steps) {
        CHECK_FALSE(st.narration.empty());
        CHECK_FALSE(st.scene.items.empty());
        question = question || !st.question.empty();
    }
    CHECK(question);
    // The last step shows the machine check.
    CHECK(doc.steps.back().scene.find("mce:cpu1"));
}

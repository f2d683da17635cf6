// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile input (issue 7): a lesson, trace or script is data. Limits fail with a position and
// change nothing; text that is not UTF-8 is refused; aliases cannot blow a small file up; files
// that never end are not read forever; lesson text reaches SVG and HTML only escaped.
#include "hostile_helpers.hpp"

#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tlblab;

namespace {

// Runs `script` on `m`; returns the error of the first op that fails ("" when none does).
std::string runUntilError(Machine& m, const std::string& script) {
    return test::errorOf([&] {
        for (const Op& op : parseScript(script, "hostile.tlb")) m.execute(op, nullptr);
    });
}

using test::repeat;

}  // namespace

TEST_CASE("map and unmap stop at the machine's mapping budget, with a position, changing nothing", "[hostile]") {
    Machine m;
    // Four 4 GiB ranges of 4K pages (map, unmap, map, unmap) use the whole budget of 4 Mi pages.
    const std::string err = runUntilError(m, "table t\n"
                                             "map t 0 0 4G 4K\nunmap t 0 4G\nmap t 0 0 4G 4K\nunmap t 0 4G\n"
                                             "map t 0x1000 0 4K 4K\n");
    CHECK(err.rfind("hostile.tlb:6:", 0) == 0);
    CHECK(err.find("map/unmap limit") != std::string::npos);
    // The refused map wrote nothing: the PTE for 0x1000 is still empty.
    const u64 pdpt = *m.tableNamed("t");
    const u64 pmd = m.memory().read64(pdpt) & pae::kFrame4K;
    const u64 pt = m.memory().read64(pmd) & pae::kFrame4K;
    CHECK(m.memory().read64(pt + 8) == 0);
}

TEST_CASE("page tables stop at kMaxPageTables, at the op that asks for more", "[hostile]") {
    Machine m;
    std::string script;
    for (std::size_t i = 0; i <= kMaxPageTables; ++i) script += "table t" + std::to_string(i) + "\n";
    const std::string err = runUntilError(m, script);
    CHECK(err.rfind("hostile.tlb:" + std::to_string(kMaxPageTables + 1) + ":1: error: too many page tables", 0) == 0);
    CHECK(m.memory().frameCount() == kMaxPageTables);

    // A map that would need more tables than are left is refused whole, before it writes.
    Machine m2;
    const std::string err2 = runUntilError(m2, "table a\nmap a 0 0 4G 4K\ntable b\nmap b 0 0 4G 4K\ntable c\n"
                                               "map c 0 0 4G 4K\ntable d\nmap d 0 0 4G 4K\n");
    CHECK(err2.rfind("hostile.tlb:8:1: error: too many page tables", 0) == 0);
    CHECK(m2.memory().read64(*m2.tableNamed("d")) == 0);
}

TEST_CASE("an op that is not UTF-8 text fails at the offending byte, UTF-8 names are fine", "[hostile]") {
    Op op;
    try {
        parseOp("table t\xff", SourceLoc{"x.tlb", 3, 1}, op);
        FAIL("a name with byte 0xff parsed");
    } catch (const OpError& e) {
        CHECK(e.format() == "x.tlb:3:8: error: byte 0xff is not text (operations are UTF-8 text without control "
                            "characters)");
    }
    CHECK_THROWS_AS(parseOp("table a\x01" "b", SourceLoc{"x.tlb", 1, 1}, op), OpError);
    CHECK_THROWS_AS(parseOp("table \xc0\xaf", SourceLoc{"x.tlb", 1, 1}, op), OpError);      // overlong '/'
    CHECK_THROWS_AS(parseOp("table \xed\xa0\x80", SourceLoc{"x.tlb", 1, 1}, op), OpError);  // a surrogate
    REQUIRE(parseOp("table \"T\xc3\xa4" "belle \xe2\x86\x92 \xf0\x9f\x98\x80\"", SourceLoc{"x.tlb", 1, 1}, op));
    CHECK(op.name == "T\xc3\xa4" "belle \xe2\x86\x92 \xf0\x9f\x98\x80");
    CHECK(findNonText("tab\tcr\r\nok") == std::string::npos);
}

TEST_CASE("lessons past the size, step and text limits fail with a clear position", "[hostile]") {
    const std::string head = "title: t\nsteps:\n";
    const std::string step = "  - title: s\n    ops: |\n      table t\n";
    SECTION("more than 1 MiB") {
        const std::string big = head + step + "# " + std::string(kMaxLessonBytes, 'x') + "\n";
        CHECK_THROWS_WITH(parseLesson(big, "big.yaml"), Catch::Contains("a lesson may have at most 1048576"));
    }
    SECTION("more than 1000 steps") {
        try {
            parseLesson(head + repeat("  - title: s\n", kMaxLessonSteps + 1), "steps.yaml");
            FAIL("1001 steps loaded");
        } catch (const OpError& e) {
            CHECK(e.loc().line == 3);
            CHECK(std::string(e.what()).find("at most 1000 steps; this one has 1001") != std::string::npos);
        }
    }
    SECTION("a control character in the narration") {
        try {
            parseLesson(head + step + "    narration: bell \x07 here\n", "bell.yaml");
            FAIL("a BEL character loaded");
        } catch (const OpError& e) {
            CHECK(e.format().rfind("bell.yaml:6:21: error: byte 0x07 is not text", 0) == 0);
        }
    }
}

TEST_CASE("YAML aliases cannot expand a small lesson into gigabytes", "[hostile]") {
    // One step with 900 ops, repeated 999 times by alias: 900 K ops from a 30 KB file.
    std::string ops;
    for (int i = 0; i < 900; ++i) ops += "      cpu0 access " + std::to_string(i * 4096) + " read kernel\n";
    const std::string y = "title: laughs\nsteps:\n  - &s\n    title: s\n    ops: |\n" + ops + repeat("  - *s\n", 999);
    REQUIRE(y.size() < kMaxLessonBytes);
    CHECK_THROWS_WITH(parseLesson(y, "laughs.yaml"), Catch::Contains("at most 20000 operations"));

    // The same with narration text: 999 aliases of a 100 KB narration.
    const std::string n = "title: words\nsteps:\n  - &s\n    title: s\n    narration: " + std::string(100000, 'w') +
                          "\n" + repeat("  - *s\n", 999);
    CHECK_THROWS_WITH(parseLesson(n, "words.yaml"), Catch::Contains("expands to more than"));
}

TEST_CASE("a lesson file that never ends is not read forever", "[hostile]") {
    CHECK_THROWS_WITH(loadLesson("/dev/zero"), Catch::Contains("larger than 1048576 bytes"));
    CHECK_THROWS_AS(loadLesson("/proc/self"), OpError);  // a directory
}

TEST_CASE("lesson text and names from a lesson file reach SVG and HTML exports only escaped", "[hostile][export]") {
    const std::string y = R"(title: "<script>alert('title')</script>"
summary: x
setup: |
  table "<img src=x onerror=alert(1)>"
  map "<img src=x onerror=alert(1)>" 0x1000 0x5000 4K 4K
steps:
  - title: "</title><script>alert('step')</script>"
    ops: |
      cpu0 load_cr3 "<img src=x onerror=alert(1)>"
      cpu0 access 0x1000 read kernel
    narration: |
      </p><script>alert('narration')</script> & <b>bold</b>
    question:
      prompt: "<iframe src=javascript:alert(1)>"
      choices: ["<svg onload=alert(1)>", "]]><script>x</script>"]
      answer: 1
)";
    const Lesson lesson = parseLesson(y, "hostile.yaml");
    LessonRun run(lesson);
    const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
    REQUIRE(doc.steps.size() == 1);
    const std::string svg = sceneToSvg(doc.steps[0].scene, Theme::Light);
    const std::string html = documentToHtml(doc, Theme::Light);
    const std::string tikz = documentToTikz(doc, Theme::Print);
    for (const std::string* out : {&svg, &html}) {
        CHECK(out->find("<script>alert") == std::string::npos);
        CHECK(out->find("<img") == std::string::npos);
        CHECK(out->find("<iframe") == std::string::npos);
        CHECK(out->find("<svg onload") == std::string::npos);
        CHECK(out->find("alert('") == std::string::npos);  // every ' of lesson text is an entity
        CHECK(out->find("<b>bold") == std::string::npos);
    }
    // The table name is drawn in the diagram, escaped.
    CHECK(svg.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
    CHECK(html.find("&lt;/p&gt;&lt;script&gt;alert(") != std::string::npos);
    CHECK(html.find("&lt;iframe src=javascript:alert(1)&gt;") != std::string::npos);
    // TikZ: the name is TeX-escaped in text and appears raw only in a % comment line (a name holds
    // no newline, so it cannot leave the comment).
    std::size_t rawInText = 0;
    for (std::size_t p = tikz.find("<img"); p != std::string::npos; p = tikz.find("<img", p + 1)) {
        const std::size_t lineStart = tikz.rfind('\n', p);
        if (tikz[lineStart == std::string::npos ? 0 : lineStart + 1] != '%') ++rawInText;
    }
    CHECK(rawInText == 0);
    CHECK(tikz.find("\\textless{}img src=x onerror=alert(1)\\textgreater{}") != std::string::npos);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile input (issue 15): every limit holds on every input path, checked where the op or the
// file is read (before the work it bounds), with the position of what passes it; one YAML
// document per lesson; the text rules apply to decoded strings too.
#include "hostile_helpers.hpp"

#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tlblab;

namespace {

// The error a lesson gives, an op gives ("" when it loads, parses).
std::string lessonError(const std::string& yaml) {
    return test::errorOf([&] { parseLesson(yaml, "h.yaml"); });
}

std::string opError(const std::string& line) {
    Op op;
    return test::errorOf([&] { parseOp(line, SourceLoc{"c.tlb", 1, 1}, op); });
}

using test::repeat;

}  // namespace

TEST_CASE("a lesson asking for two billion CPUs fails at the number, before anything is sized by it", "[hostile]") {
    // Before: the loader's name check made one "swapper/N" task name per CPU (OOM).
    CHECK(lessonError("title: t\nsetup: |\n  cpus 2000000000\n  kernel_boot\nsteps:\n  - title: s\n    ops: |\n"
                      "      table x\n") ==
          "h.yaml:3:8: error: cpus must be between 1 and 64");
    // Steps and explore threads read their ops the same way.
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: |\n      cpus 65\n      kernel_boot\n")
              .rfind("h.yaml:5:12: error: cpus must be between 1 and 64", 0) == 0);
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: [table x]\nexplore:\n  after_step: 1\n  threads:\n"
                      "    cpu0: [cpus 100000]\n")
              .rfind("h.yaml:8:17: error: cpus must be between 1 and 64", 0) == 0);
    // Scripts, the app's console and traces use parseOp / parseScript.
    CHECK(opError("cpus 2000000000") == "c.tlb:1:6: error: cpus must be between 1 and 64");
    CHECK(opError("cpus 0") == "c.tlb:1:6: error: cpus must be between 1 and 64");
    CHECK(opError("cpus 18446744073709551615") == "c.tlb:1:6: error: cpus must be between 1 and 64");
    CHECK(opError("cpus 64").empty());
    CHECK_THROWS_WITH(parseScript("table t\ncpus 99999\n", "s.tlb"), "cpus must be between 1 and 64");
}

TEST_CASE("a lesson with an explore section and more CPUs than the explorer handles fails at its cpus line", "[hostile]") {
    // Before: "explore handles at most 56 CPUs" without a position, from the explorer.
    CHECK(lessonError("title: t\nsetup: |\n  cpus 57\nsteps:\n  - title: s\n    ops: [table x]\nexplore:\n"
                      "  threads:\n    cpu0: [table y]\n") ==
          "h.yaml:3:8: error: explore handles at most 56 CPUs; this lesson sets up 57 (it has an explore: section)");
    CHECK(lessonError("title: t\nsetup: |\n  cpus 56\nsteps:\n  - title: s\n    ops: [table x]\nexplore:\n"
                      "  threads:\n    cpu0: [table y]\n")
              .empty());
}

TEST_CASE("kernel_boot lowmem 0 and other sizes the kernel cannot map are refused where they are written", "[hostile]") {
    CHECK(opError("kernel_boot lowmem 0") ==
          "c.tlb:1:20: error: lowmem must be a non-zero multiple of 2M and at most 1G");
    CHECK(opError("kernel_boot lowmem 3M").rfind("c.tlb:1:20: error: lowmem", 0) == 0);
    CHECK(opError("kernel_boot lowmem 2G").rfind("c.tlb:1:20: error: lowmem", 0) == 0);
    CHECK(opError("kernel_boot lowmem 1G").empty());
    CHECK(opError("kernel_boot lowmem 2M").empty());
}

TEST_CASE("a physical address past the model's width is refused, also when PA + length wraps", "[hostile]") {
    // Before: 0xfffffffffffff000 + 4K wrapped to 0 and passed; the entry's frame field cut it.
    CHECK(opError("map t 0x1000 0xfffffffffffff000 4K 4K") ==
          "c.tlb:1:14: error: physical address 0xfffffffffffff000 is beyond the 48-bit physical address space");
    CHECK(opError("map t 0 0x1000000000000 2M 2M").rfind("c.tlb:1:9: error: physical address", 0) == 0);
    CHECK(opError("map t 0 0xffffffffffe00000 2M 2M").rfind("c.tlb:1:9: error: physical address", 0) == 0);
    CHECK(opError("map t 0 0xfffffffff000 8K 4K") ==
          "c.tlb:1:24: error: physical range 0xfffffffff000 + 8K ends beyond the 48-bit physical address space");
    CHECK(opError("map t 0 0xfffffffff000 4K 4K").empty());  // the last page of the space
}

TEST_CASE("a YAML stream with a second document is refused at the second document", "[hostile]") {
    const std::string one = "title: t\nsteps:\n  - title: s\n    ops: [table x]\n";
    CHECK(lessonError(one).empty());
    CHECK(lessonError("---\n" + one + "...\n").empty());
    CHECK(lessonError(one + "---\ntitle: other\n").rfind("h.yaml:6:1: error: a lesson file holds one YAML document", 0) ==
          0);
    CHECK(lessonError("---\n" + one + "---\n").rfind("h.yaml:6:1: error: a lesson file holds one YAML document", 0) ==
          0);
    CHECK(lessonError(one + "--- [1, 2]\n").rfind("h.yaml:5:5: error: a lesson file holds one YAML document", 0) == 0);
}

TEST_CASE("limit errors carry the position of what passes the limit", "[hostile]") {
    SECTION("the file size: the first byte past 1 MiB") {
        std::string big = "title: t\nsteps:\n  - title: s\n    ops: [table x]\n";
        while (big.size() <= kMaxLessonBytes) big += "# " + std::string(98, 'x') + "\n";
        const SourceLoc want = offsetLoc(big, kMaxLessonBytes, "big.yaml");
        try {
            parseLesson(big, "big.yaml");
            FAIL("a file past 1 MiB loaded");
        } catch (const OpError& e) {
            CHECK(e.loc().line == want.line);
            CHECK(e.loc().col == want.col);
            CHECK(e.loc().line > 4);
        }
    }
    SECTION("the operation count: the first op past 20,000") {
        // Aliases bring the count past the limit; the error points at the op that passes it.
        std::string ops;
        for (int i = 0; i < 500; ++i) ops += "      cpu0 invlpg " + std::to_string(i * 4096) + "\n";
        const std::string y = "title: t\nsteps:\n  - &s\n    title: s\n    ops: |\n" + ops + repeat("  - *s\n", 45);
        const std::string err = lessonError(y);
        CHECK(err.rfind("h.yaml:", 0) == 0);
        CHECK(err.find("h.yaml:0:0") == std::string::npos);
        CHECK(err.find("at most 20000 operations") != std::string::npos);
    }
    SECTION("offsetLoc counts lines and byte columns") {
        const SourceLoc l = offsetLoc("ab\ncde\nf", 5, "x");
        CHECK(l.line == 2);
        CHECK(l.col == 3);
        CHECK(offsetLoc("abc", 0, "x").col == 1);
    }
}

TEST_CASE("control characters written as YAML escapes are refused like raw ones, at their scalar", "[hostile]") {
    const std::string tail = "steps:\n  - title: s\n    ops: [table x]\n";
    // Before: the text check read the file's bytes, so "\e[2J" (ESC) reached the terminal raw.
    CHECK(lessonError("title: \"\\e[2Jcleared\"\n" + tail).rfind("h.yaml:1:9: error: this text decodes to control "
                                                                  "character 0x1b",
                                                                  0) == 0);
    CHECK(lessonError("title: \"a\\x07b\"\n" + tail).rfind("h.yaml:1:9: error: this text decodes to control", 0) == 0);
    CHECK(lessonError("title: \"a\\rb\"\n" + tail).rfind("h.yaml:1:9: error:", 0) == 0);
    CHECK(lessonError("title: \"a\\u009b31m\"\n" + tail).rfind("h.yaml:1:9: error: this text decodes to a C1", 0) == 0);
    CHECK(lessonError("title: \"a\\0b\"\n" + tail).rfind("h.yaml:1:9: error:", 0) == 0);
    // Every kind of text: narration, question, variant description, keys, explore addresses.
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: [table x]\n    narration: \"x\\e]0;owned\\a\"\n")
              .rfind("h.yaml:5:17: error: this text decodes", 0) == 0);
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: [table x]\n    question:\n      prompt: p\n"
                      "      choices: [\"a\\e[5m\", b]\n      answer: 1\n")
              .rfind("h.yaml:7:18: error: this text decodes", 0) == 0);
    CHECK(lessonError("title: t\n\"ke\\ey\": 1\n" + tail).rfind("h.yaml:2:2: error: this text decodes", 0) == 0);
    CHECK(lessonError("title: t\nvariants:\n  - name: v\n    description: \"d\\e\"\n" + tail)
              .rfind("h.yaml:4:19: error: this text decodes", 0) == 0);
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: [table x, \"cpu0 invlpg 0\\e\"]\n")
              .rfind("h.yaml:4:", 0) == 0);
    // Tab, line feed and CR LF stay allowed.
    CHECK(lessonError("title: \"a\\tb\\r\\nc\"\n" + tail).empty());
    CHECK(lessonError("title: t\nsteps:\n  - title: s\n    ops: [table x]\n    narration: |\n      one\n\n      two\n")
              .empty());
}

TEST_CASE("file names reach the terminal with their control characters shown, not sent", "[hostile]") {
    CHECK(visibleText("plain \xc3\xa4 name.yaml") == "plain \xc3\xa4 name.yaml");
    CHECK(visibleText("a\x1b[2Jb\n\t\x7f\xff\xc2\x9b.yaml") == "a\\x1b[2Jb\\x0a\\x09\\x7f\\xff\\xc2\\x9b.yaml");
    // Every error printed with a position shows the file that way.
    CHECK(OpError(SourceLoc{"x\x1b]0;t\x07.yaml", 2, 3}, "m").format() == "x\\x1b]0;t\\x07.yaml:2:3: error: m");
    // A lesson's id, from its file name when it sets none, too.
    const Lesson l = parseLesson("title: t\nsteps:\n  - title: s\n    ops: [table x]\n", "/tmp/\x1b[31mred.yaml");
    CHECK(l.id == "\\x1b[31mred");
}

TEST_CASE("a one-document JSON array (yaml-cpp's LoadAll looped on it until memory ran out) is refused at once",
          "[hostile]") {
    // The fuzz finding, small: a top-level flow sequence of mappings with nested sequences.
    const std::string json = "[\n {\n  \"cpus\": [\n   {\n    \"call_stack\": [],\n    \"tlb\": []\n   }\n  ]\n }\n]\n";
    const std::string err = lessonError(json);
    CHECK(err.find("must be a mapping") != std::string::npos);
    CHECK(lessonError(json + "---\n" + json).find("holds one YAML document") != std::string::npos);
}

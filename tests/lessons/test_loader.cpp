// SPDX-License-Identifier: GPL-3.0-or-later
// The lesson loader and player: positions, the one-line grammars, variants, explore, lookup.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace tlblab;

namespace {
const char* kSmall = R"(title: "Small"
setup: |
  cpus 2
  table pdpt
  map pdpt 0x00400000 0x00800000 4K 4K user rw
  cpu0 load_cr3 pdpt
variants:
  - name: plain
    description: "an erratum-383 CPU"
  - name: good
    description: "a correct CPU"
    cpu_model: correct
steps:
  - title: "Read"
    cpu: cpu0
    ops: |
      cpu0 access 0x00400000 read user

      cpu0 access 0x00400010 read user
    narration:
      default: "both"
      good: "only good"
    expect:
      all:
        - cpu0 access_ok 0x800010
        - cpu0 stat hits == 1
      good:
        - cpu0 tlb_count 0x00400000 1
  - title: "Only plain"
    variants: [plain]
    ops:
      - cpu1 load_cr3 pdpt
      - "cpu1 access 0x00400000 write user"
    expect:
      - cpu1 tlb_has 0x00400000 4K user nonglobal walk
explore:
  after_step: 1
  threads:
    cpu0: [access 0x00400000 read user]
    cpu1: |
      cpu1 load_cr3 pdpt
      invlpg 0x00400000
  speculation:
    cpu1: [0x00400000, 0x00401000]
  goal: machine_check
)";
}  // namespace

TEST_CASE("ops keep their real line and column, in blocks and lists", "[loader]") {
    const Lesson l = parseLesson(kSmall, "small.yaml");
    REQUIRE(l.setup.size() == 4);
    CHECK(l.setup[0].loc.line == 3);
    CHECK(l.setup[0].loc.col == 3);
    CHECK(l.setup[3].loc.line == 6);
    REQUIRE(l.steps.size() == 2);
    REQUIRE(l.steps[0].ops.size() == 2);  // the blank line in the block is no op
    CHECK(l.steps[0].ops[0].loc.line == 17);
    CHECK(l.steps[0].ops[0].loc.col == 7);
    CHECK(l.steps[0].ops[1].loc.line == 19);
    REQUIRE(l.steps[1].ops.size() == 2);
    CHECK(l.steps[1].ops[0].loc.line == 32);
    CHECK(l.steps[1].ops[0].loc.col == 9);
    CHECK(l.steps[1].ops[1].loc.col == 10);  // after the opening quote
    CHECK(l.steps[1].expectations[0].loc.line == 35);
    CHECK(l.steps[1].expectations[0].loc.col == 9);
}

TEST_CASE("an error inside a block points into the block", "[loader]") {
    std::string text = kSmall;
    text.replace(text.find("cpu0 access 0x00400010"), 11, "cpu0 acces ");
    try {
        parseLesson(text, "small.yaml");
        FAIL("loaded");
    } catch (const OpError& e) {
        CHECK(e.format() == "small.yaml:19:12: error: unknown operation 'acces'; did you mean 'access'?");
    }
}

TEST_CASE("metadata, variants, narration per variant and expectations per variant", "[loader]") {
    const Lesson l = parseLesson(kSmall, "dir/small.yaml");
    CHECK(l.id == "small");
    CHECK(l.title == "Small");
    REQUIRE(l.variantNames() == std::vector<std::string>{"plain", "good"});
    CHECK(l.variant("good")->model == CpuModel::Correct);
    CHECK(l.variant("plain")->model == CpuModel::Erratum383);
    CHECK(l.variant("plain")->kernel == KernelVariant::Buggy);
    CHECK(l.variant("nope") == nullptr);
    const LessonStep& s = l.steps[0];
    CHECK(s.narrationIn("plain") == "both");
    CHECK(s.narrationIn("good") == "only good");
    CHECK(s.cpus == std::vector<int>{0});
    REQUIRE(s.expectations.size() == 3);
    CHECK(s.expectations[0].appliesTo("plain"));
    CHECK_FALSE(s.expectations[2].appliesTo("plain"));
    CHECK(s.expectations[2].appliesTo("good"));
    CHECK_FALSE(l.steps[1].appliesTo("good"));
}

TEST_CASE("playing: variants choose the steps and the CPU model", "[player]") {
    const Lesson l = parseLesson(kSmall, "small.yaml");
    LessonRun plain(l, "plain");
    LessonRun good(l, "good");
    CHECK(plain.steps().size() == 2);
    CHECK(good.steps().size() == 1);
    CHECK(plain.timeline().head().cpuModel() == CpuModel::Erratum383);
    CHECK(good.timeline().head().cpuModel() == CpuModel::Correct);
    CHECK(plain.allPassed());
    CHECK(good.allPassed());
    CHECK(good.steps()[0].expectations.size() == 3);
    CHECK(plain.steps()[0].expectations.size() == 2);
    // Timeline positions: variant ops (2) + setup (4), then 2 ops per step.
    CHECK(plain.setupEnd() == 6);
    CHECK(plain.steps()[0].firstOp == 6);
    CHECK(plain.steps()[0].lastOp == 8);
    CHECK(plain.steps()[1].lastOp == plain.timeline().size());
    CHECK(plain.steps()[0].results.size() == 2);
    CHECK(plain.steps()[0].events.size() == 2);
    CHECK(plain.steps()[0].stats[0].hits == 1);
    LessonRun first(l, "plain", 1);
    CHECK(first.steps().size() == 1);
    CHECK_THROWS_AS(LessonRun(l, "bogus"), OpError);
    LessonRun byDefault(l);
    CHECK(byDefault.variant().name == "plain");
}

TEST_CASE("a wrong expectation fails with its position and what was found", "[player]") {
    const Lesson l = loadLesson(std::string(TLBLAB_TEST_DATA_DIR) + "/failing/wrong-expectation.yaml");
    LessonRun run(l);
    CHECK_FALSE(run.allPassed());
    const auto failures = run.failures();
    REQUIRE(failures.size() == 2);
    CHECK(failures[0].text == "cpu0 tlb_has 0x00400000 2M");
    CHECK(failures[0].loc.line == 14);
    CHECK(failures[0].loc.col == 9);
    CHECK(failures[0].message.find("4K") != std::string::npos);
    CHECK(failures[1].text == "cpu0 page_fault");
    CHECK(failures[1].message == "no page fault in this step");
}

TEST_CASE("expectation grammar", "[loader]") {
    const SourceLoc at{"x", 1, 1};
    Expectation e = parseExpectation("cpu1 tlb_has 0x08048000 2M global supervisor speculation", at);
    CHECK(e.kind == ExpectKind::TlbHas);
    CHECK(e.cpu == 1);
    CHECK(e.va == 0x08048000u);
    CHECK(e.size == PageSize::M2);
    CHECK(e.global == true);
    CHECK(e.user == false);
    CHECK(e.origin == Origin::Speculative);
    e = parseExpectation("entry \"bash pgd\" 0x08048000 pte 0x2000027", at);
    CHECK(e.kind == ExpectKind::Entry);
    CHECK(e.name == "bash pgd");
    CHECK(e.level == 2);
    CHECK(e.value == 0x2000027u);
    CHECK(e.nameLoc.col == 7);
    e = parseExpectation("stat flush_all >= 2", at);
    CHECK(e.kind == ExpectKind::Stat);
    CHECK(e.cpu == -1);
    CHECK(e.cmp == Compare::Ge);
    e = parseExpectation("cpu0 cr3 0x1800000", at);
    CHECK(e.hasValue);
    CHECK(e.name.empty());
    CHECK(std::string(expectKindName(ExpectKind::NoMachineCheck)) == "no_machine_check");
    CHECK_THROWS_WITH(parseExpectation("cpu1 tlb_has", at), "expectation needs a linear address");
    CHECK_THROWS_WITH(parseExpectation("cpu1 pge maybe", at),
                      "expected a PGE value (on|off), got 'maybe'");
    CHECK_THROWS_WITH(parseExpectation("cpu1 panic", at), "'panic' is not about one CPU: drop the 'cpu1'");
    CHECK_THROWS_WITH(parseExpectation("entry t 0x0 pte absent global", at), "an absent entry has no flags to check");
    CHECK_THROWS_WITH(parseExpectation("cpu0 no_panic extra", at),
                      "'no_panic' is not about one CPU: drop the 'cpu0'");
}

TEST_CASE("highlight grammar", "[loader]") {
    const SourceLoc at{"x", 1, 1};
    CHECK(parseHighlight("cpu2", at).kind == HighlightKind::Cpu);
    Highlight h = parseHighlight("cpu1 pdpte3", at);
    CHECK(h.kind == HighlightKind::Register);
    CHECK(h.name == "pdpte3");
    h = parseHighlight("cpu1 tlb 0x08048000", at);
    CHECK(h.kind == HighlightKind::TlbEntry);
    CHECK(h.va == 0x08048000u);
    h = parseHighlight("table swapper_pg_dir 0x0 pde", at);
    CHECK(h.kind == HighlightKind::TableEntry);
    CHECK(h.level == 1);
    CHECK(std::string(highlightKindName(h.kind)) == "table_entry");
    CHECK_THROWS_AS(parseHighlight("cpu1 tlb", at), OpError);
    CHECK_THROWS_AS(parseHighlight("tlb 0x0", at), OpError);
}

TEST_CASE("explore section", "[loader][explore]") {
    const Lesson l = parseLesson(kSmall, "small.yaml");
    REQUIRE(l.explore);
    const ExploreSpec& x = *l.explore;
    CHECK(x.afterStep == 1);
    REQUIRE(x.threads.size() == 2);
    REQUIRE(x.threads.at(0).size() == 1);
    CHECK(x.threads.at(0)[0].cpu == 0);  // the thread's CPU when the op leaves it out
    CHECK(x.threads.at(0)[0].code == OpCode::Access);
    CHECK(x.threads.at(0)[0].loc.col == 12);
    REQUIRE(x.threads.at(1).size() == 2);
    CHECK(x.threads.at(1)[1].code == OpCode::Invlpg);
    CHECK(x.threads.at(1)[1].cpu == 1);
    CHECK(x.speculation.at(1) == std::vector<u32>{0x00400000u, 0x00401000u});
    CHECK(x.goal == ExploreGoal::MachineCheck);
    const Lesson bundled = loadLesson(std::string(TLBLAB_TEST_LESSON_DIR) + "/erratum-383.yaml");
    REQUIRE(bundled.explore);
    CHECK(bundled.explore->threads.size() == 2);
}

TEST_CASE("bundled lessons are found by id, paths pass through", "[lookup]") {
    auto p = findLesson("erratum-383");
    REQUIRE(p);
    CHECK(std::filesystem::path(*p).filename() == "erratum-383.yaml");
    const std::string direct = std::string(TLBLAB_TEST_DATA_DIR) + "/failing/wrong-expectation.yaml";
    CHECK(findLesson(direct) == direct);
    CHECK_FALSE(findLesson("no-such-lesson"));
    CHECK_FALSE(findLesson("../lessons/erratum-383"));
    const auto all = bundledLessons();
    REQUIRE(all.size() == 7);
    CHECK(std::filesystem::path(all.front()).stem() == "pae-translation");
    CHECK(std::filesystem::path(all.back()).stem() == "erratum-without-linux");

    // TLBLAB_LESSON_DIR comes first.
    setenv("TLBLAB_LESSON_DIR", (std::string(TLBLAB_TEST_DATA_DIR) + "/failing").c_str(), 1);
    auto q = findLesson("wrong-expectation");
    const auto dirs = lessonDirs();
    unsetenv("TLBLAB_LESSON_DIR");
    REQUIRE(q);
    CHECK(std::filesystem::path(*q).filename() == "wrong-expectation.yaml");
    REQUIRE(!dirs.empty());
    CHECK(dirs.front() == std::string(TLBLAB_TEST_DATA_DIR) + "/failing");
}

TEST_CASE("hand-built lessons and expectations fail cleanly", "[player]") {
    Lesson empty;
    CHECK_THROWS_AS(LessonRun(empty), OpError);
    Expectation x;
    x.kind = ExpectKind::Cr3;  // needs a CPU, has none
    const ExpectResult r = evaluate(x, Machine{}, PlayedStep{});
    CHECK_FALSE(r.passed);
    CHECK(r.message == "'cr3' needs a CPU");
    x.cpu = 7;
    CHECK_FALSE(evaluate(x, Machine{}, PlayedStep{}).passed);
}

TEST_CASE("expectations, highlights and ops share one tokenizer: comments, quotes, CPU names", "[loader][tokens]") {
    const SourceLoc at{"l.yaml", 4, 9};
    // '#' starts a comment wherever it stands outside quotes, as in an op line.
    Expectation e = parseExpectation("cpu1 tlb_count 0x08048000 2# two entries", at);
    CHECK(e.value == 2);
    Op op;
    REQUIRE(parseOp("cpu1 access 0x08048000 read user# a comment", at, op));
    CHECK(op.mode == Mode::User);
    // Inside quotes it is part of the name; an empty name is an error in both grammars.
    e = parseExpectation("entry \"t #1\" 0x0 pdpte present", at);
    CHECK(e.name == "t #1");
    CHECK_THROWS_WITH(parseExpectation("cpu0 task \"\"", at), "empty name");
    CHECK_THROWS_WITH(parseOp("task \"\"", at, op), "empty name");
    // A CPU name is cpu0..cpu9999 in both; whether it exists is checked against the lesson's CPUs.
    e = parseExpectation("cpu70 no_page_fault", at);
    CHECK(e.cpu == 70);
    REQUIRE(parseOp("cpu70 flush", at, op));
    CHECK(op.cpu == 70);
    const std::vector<Token> t = tokenizeLine("a\t\"b c\"  d#e", at);
    REQUIRE(t.size() == 3);
    CHECK(t[1].text == "b c");
    CHECK(t[1].quoted);
    CHECK(t[2].col == 9 + 9);
}

TEST_CASE("one classification of a path: lesson (yaml, bundled id) or script (any other file)", "[loader][paths]") {
    CHECK(sourceKind("erratum-383") == SourceKind::Lesson);
    CHECK(sourceKind("lessons/erratum-383.yaml") == SourceKind::Lesson);
    CHECK(sourceKind("/tmp/race.buggy.yml") == SourceKind::Lesson);  // an explorer trace is a lesson
    CHECK(sourceKind("demo.tlb") == SourceKind::Script);
    CHECK(sourceKind("demo.ops") == SourceKind::Script);  // File > Export sent this to the lesson loader
    CHECK(sourceKind("-") == SourceKind::Script);
    const auto dir = std::filesystem::temp_directory_path() / "tlblab-sourcekind-test";
    std::filesystem::create_directories(dir);
    const auto plain = dir / "script";
    { std::ofstream(plain) << "cpus 2\n"; }
    CHECK(sourceKind(plain.string()) == SourceKind::Script);  // a file without an extension
    std::filesystem::remove_all(dir);
}

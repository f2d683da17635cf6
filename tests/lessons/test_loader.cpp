// SPDX-License-Identifier: GPL-3.0-or-later
// The lesson loader and player: positions, the one-line grammars, variants, explore, lookup.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
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

namespace {
// Every kind of expectation, checked where it holds and where it does not: a step that reads a
// mapped page, faults on an unmapped one, and a later step that creates the table `late`.
const char* kKinds = R"(title: "Kinds"
setup: |
  cpus 2
  table pdpt
  map pdpt 0x00400000 0x00800000 4K 4K user rw
  map pdpt 0x08000000 0x08000000 2M 2M rw global
  cpu0 load_cr3 pdpt
steps:
  - title: "Read, then fault"
    ops: |
      cpu0 access 0x00400000 read user
      cpu0 access 0x00600000 read user
  - title: "A late table"
    ops: |
      table late
)";

std::string verdict(const Machine& m, const PlayedStep& step, const std::string& text) {
    const ExpectResult r = evaluate(parseExpectation(text, SourceLoc{"k", 1, 1}), m, step);
    return (r.passed ? "pass: " : "FAIL: ") + r.message;
}
}  // namespace

TEST_CASE("every expectation kind says what it found when it holds and when not", "[player]") {
    LessonRun run(parseLesson(kKinds, "kinds.yaml"), "", 1);
    REQUIRE(run.steps().size() == 1);
    const PlayedStep& step = run.steps()[0];
    const Machine& m = run.timeline().head();
    auto v = [&](const std::string& text) { return verdict(m, step, text); };
    CHECK(v("cpu0 tlb_has 0x00400000 4K user walk") ==
          "pass: cpu0 holds 1 entry for 0x00400000: 0x00400000 4K nonglobal user pa 0x800000 (walk)");
    CHECK(v("cpu0 tlb_has 0x00400000 2M") ==
          "FAIL: cpu0 holds 1 entry for 0x00400000: 0x00400000 4K nonglobal user pa 0x800000 (walk)");
    CHECK(v("cpu0 tlb_lacks 0x00400000 speculation") ==
          "pass: cpu0 holds 1 entry for 0x00400000: 0x00400000 4K nonglobal user pa 0x800000 (walk)");
    CHECK(v("cpu0 tlb_lacks 0x00400000") ==
          "FAIL: cpu0 holds 1 entry for 0x00400000: 0x00400000 4K nonglobal user pa 0x800000 (walk)");
    CHECK(v("cpu0 tlb_count 0x00400000 2") ==
          "FAIL: cpu0 holds 1 entry for 0x00400000: 0x00400000 4K nonglobal user pa 0x800000 (walk)");
    CHECK(v("cpu1 tlb_count 0x00400000 0") == "pass: cpu1 holds 0 entries for 0x00400000");
    CHECK(v("cpu0 cr3 pdpt") == "pass: cpu0 CR3 = 0x01800000 (pdpt)");
    CHECK(v("cpu1 cr3 pdpt") == "FAIL: cpu1 CR3 = 0x00000000 (?)");
    CHECK(v("cpu0 cr3 late") == "FAIL: there is no table 'late' (yet); cpu0 CR3 = 0x01800000 (pdpt)");
    CHECK(v("entry late 0x0 pdpte absent") == "FAIL: there is no table 'late' (yet)");
    CHECK(v("entry pdpt 0x00400000 pde present 4K") ==
          "pass: pdpt PDE for 0x00400000 at 0x1801010 = 0x1802067 (P RW US A D)");
    CHECK(v("entry pdpt 0x00400000 pte present user") ==
          "pass: pdpt PTE for 0x00400000 at 0x1802000 = 0x800027 (P RW US A)");
    CHECK(v("entry pdpt 0x00400000 pte present global") ==
          "FAIL: pdpt PTE for 0x00400000 at 0x1802000 = 0x800027 (P RW US A)");
    CHECK(v("entry pdpt 0x00400000 pte absent") == "FAIL: pdpt PTE for 0x00400000 at 0x1802000 = 0x800027 (P RW US A)");
    CHECK(v("entry pdpt 0x00400000 pte 0x800027") ==
          "pass: pdpt PTE for 0x00400000 at 0x1802000 = 0x800027 (P RW US A)");
    CHECK(v("entry pdpt 0x00600000 pte absent") == "pass: pdpt of PDE for 0x00600000: no PTE (the PDE is not present)");
    CHECK(v("entry pdpt 0x00600000 pte present") ==
          "FAIL: pdpt of PDE for 0x00600000: no PTE (the PDE is not present)");
    CHECK(v("entry pdpt 0x08000000 pte present") == "FAIL: pdpt of PDE for 0x08000000: no PTE (the PDE is a 2M leaf)");
    CHECK(v("entry pdpt 0x08000000 pde present 2M global supervisor") ==
          "pass: pdpt PDE for 0x08000000 at 0x1801200 = 0x8000183 (P RW PS G)");
    CHECK(v("entry pdpt 0x08000000 pde present 4K") ==
          "FAIL: pdpt PDE for 0x08000000 at 0x1801200 = 0x8000183 (P RW PS G)");
    CHECK(v("entry pdpt 0xc0000000 pde absent") ==
          "pass: pdpt of PDPTE for 0xc0000000: no PDE (the PDPTE is not present)");
    CHECK(v("cpu0 machine_check") == "FAIL: cpu0 has taken no machine check");
    CHECK(v("no_machine_check") == "pass: no CPU has taken a machine check");
    CHECK(v("cpu1 no_machine_check") == "pass: cpu1 has taken no machine check");
    CHECK(v("cpu0 page_fault") ==
          "pass: page fault: cpu0 at 0x00600000 error code 0x4 (error code 0x4 (not present, read, user))");
    CHECK(v("cpu0 page_fault 0x4") ==
          "pass: page fault: cpu0 at 0x00600000 error code 0x4 (error code 0x4 (not present, read, user))");
    CHECK(v("cpu0 page_fault 0x5") ==
          "FAIL: page fault: cpu0 at 0x00600000 error code 0x4 (error code 0x4 (not present, read, user))");
    CHECK(v("cpu1 page_fault") == "FAIL: no page fault in this step");
    CHECK(v("no_page_fault") ==
          "FAIL: page fault: cpu0 at 0x00600000 error code 0x4 (error code 0x4 (not present, read, user))");
    CHECK(v("cpu1 no_page_fault") == "pass: no page fault in this step");
    CHECK(v("cpu0 access_ok") == "FAIL: cpu0 access 0x00600000: page_fault");
    CHECK(v("cpu0 access_ok 0x800000") == "FAIL: cpu0 access 0x00600000: page_fault");
    CHECK(v("cpu1 access_ok") == "FAIL: this step has no access on cpu1");
    CHECK(v("cpu0 state online") == "pass: cpu0 is online");
    CHECK(v("cpu1 state halted") == "FAIL: cpu1 is online");
    CHECK(v("cpu0 task none") == "pass: cpu0 runs none");
    CHECK(v("cpu0 task idle") == "FAIL: cpu0 runs none");
    CHECK(v("cpu0 tlb_state ok") == "pass: cpu0 is TLBSTATE_OK");
    CHECK(v("cpu0 tlb_state lazy") == "FAIL: cpu0 is TLBSTATE_OK");
    CHECK(v("cpu0 pge on") == "pass: cpu0 CR4.PGE = 1");
    CHECK(v("cpu0 pge off") == "FAIL: cpu0 CR4.PGE = 1");
    CHECK(v("panic") == "FAIL: the kernel has not panicked");
    CHECK(v("no_panic") == "pass: the kernel has not panicked");
    CHECK(v("cpu0 stat walks == 2") == "pass: cpu0 walks = 2 (expected == 2)");
    CHECK(v("stat walks > 2") == "FAIL: all CPUs walks = 2 (expected > 2)");
    CHECK(v("cpu1 stat walks == 0") == "pass: cpu1 walks = 0 (expected == 0)");
    CHECK(v("cpu0 total walks >= 2") == "pass: cpu0 total walks = 2 (expected >= 2)");
    CHECK(v("total walks < 1") == "FAIL: all CPUs total walks = 2 (expected < 1)");
    CHECK(v("cpu2 tlb_has 0x0") == "FAIL: cpu2 does not exist (the machine has 2 CPUs)");
}

TEST_CASE("machine checks as expectations see them", "[player]") {
    const std::optional<std::string> path = findLesson("erratum-without-linux");
    REQUIRE(path);
    LessonRun run(loadLesson(*path));
    const PlayedStep& step = run.steps().back();
    const Machine& m = run.timeline().seek(step.lastOp);
    auto v = [&](const std::string& text) { return verdict(m, step, text); };
    CHECK(v("cpu0 machine_check") == "pass: cpu0 MC0_STATUS = 0xb600000000010015, MCG_STATUS = 0x4");
    CHECK(v("cpu0 machine_check 0xb600000000010015") == "pass: cpu0 MC0_STATUS = 0xb600000000010015, MCG_STATUS = 0x4");
    CHECK(v("cpu0 machine_check 0x1") == "FAIL: cpu0 MC0_STATUS = 0xb600000000010015, MCG_STATUS = 0x4");
    CHECK(v("no_machine_check") == "FAIL: cpu0 took a machine check: MC0_STATUS = 0xb600000000010015");
    CHECK(v("cpu0 no_machine_check") == "FAIL: cpu0 took a machine check: MC0_STATUS = 0xb600000000010015");
    CHECK(v("cpu1 no_machine_check") == "pass: cpu1 has taken no machine check");
}

TEST_CASE("tasks and the kernel as expectations see them", "[player]") {
    const std::optional<std::string> path = findLesson("erratum-383");
    REQUIRE(path);
    LessonRun run(loadLesson(*path), "fix-flush");
    const PlayedStep& last = run.steps().back();
    const Machine& m = run.timeline().seek(last.lastOp);
    auto v = [&](const std::string& text) { return verdict(m, last, text); };
    CHECK(v("cpu0 task idle") == "FAIL: cpu0 runs hotplug");  // a task with an mm is not idle
    CHECK(v("cpu1 task bash") == "pass: cpu1 runs bash");
    CHECK(v("cpu1 task idle") == "FAIL: cpu1 runs bash");
    CHECK(v("cpu1 task none") == "FAIL: cpu1 runs bash");
    CHECK(v("panic") == "FAIL: the kernel has not panicked");
    CHECK(v("no_panic") == "pass: the kernel has not panicked");
    CHECK(v("cpu1 tlb_state lazy") == "FAIL: cpu1 is TLBSTATE_OK");
    CHECK(v("cpu1 state booting") == "FAIL: cpu1 is online");
    // The first step after which cpu1 runs its swapper task: idle (no mm), in lazy TLB mode.
    const auto idle = std::find_if(run.steps().begin(), run.steps().end(), [&](const PlayedStep& s) {
        return verdict(run.timeline().seek(s.lastOp), s, "cpu1 task swapper/1") == "pass: cpu1 runs swapper/1";
    });
    REQUIRE(idle != run.steps().end());
    const Machine& im = run.timeline().seek(idle->lastOp);
    CHECK(verdict(im, *idle, "cpu1 task idle") == "pass: cpu1 runs swapper/1");
    CHECK(verdict(im, *idle, "cpu1 tlb_state lazy") == "pass: cpu1 is TLBSTATE_LAZY");
}

namespace {
// "COL: message" of the error an expectation line gives, or "no error".
std::string expectError(const std::string& text) {
    try {
        parseExpectation(text, SourceLoc{"k", 3, 5});
    } catch (const OpError& e) {
        return std::to_string(e.loc().col) + ": " + e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("expectation grammar: the arguments of each kind and their errors with the column", "[loader]") {
    const SourceLoc at{"k", 3, 5};
    CHECK(expectError("") == "5: empty expectation");
    CHECK(expectError("cpux tlb_has 0x0") == "5: bad CPU name 'cpux' (write cpu0, cpu1, ...)");
    CHECK(expectError("cpu0") ==
          "9: expectation needs a keyword "
          "(tlb_has|tlb_lacks|tlb_count|cr3|entry|machine_check|no_machine_check|page_fault|no_page_fault|acces"
          "s_ok|state|task|tlb_state|pge|panic|no_panic|stat|total)");
    CHECK(expectError("cpu0 tlb_hass 0x0") == "10: unknown expectation 'tlb_hass'; did you mean 'tlb_has'?");
    CHECK(expectError("tlb_has 0x0") == "5: 'tlb_has' is about one CPU: write it as 'cpuN tlb_has'");
    CHECK(expectError("cpu0 tlb_has 0x100000000") == "18: linear address 0x100000000 is wider than 32 bits");
    CHECK(expectError("cpu0 tlb_has 0x0 walk 2M fast") ==
          "30: expected a filter (4K|2M|global|nonglobal|user|supervisor|walk|speculation), got 'fast'");
    CHECK(expectError("cpu0 tlb_count 0x0") == "23: expectation needs a number of entries");
    CHECK(expectError("cpu0 tlb_count 0x0 x") == "24: expected a number of entries, got 'x'");
    CHECK(expectError("cpu0 tlb_count 0x0 1 2") == "26: unexpected '2' at the end of the expectation");
    CHECK(expectError("cpu0 cr3") == "13: expectation needs a table name or physical address");
    CHECK(expectError("cpu0 cr3 t extra") == "16: unexpected 'extra' at the end of the expectation");
    CHECK(expectError("entry t 0x0 pde maybe") == "21: expected present, absent or a raw value, got 'maybe'");
    CHECK(expectError("entry t 0x0 pme present") ==
          "17: expected a level (pdpte|pde|pte), got 'pme'; did you mean 'pde'?");
    CHECK(expectError("entry t 0x0 pte present 2M") == "17: only a PDE maps a 2M or 4K page (its PS bit)");
    CHECK(expectError("entry t 0x0 pde present walk") ==
          "29: expected a filter (4K|2M|global|nonglobal|user|supervisor), got 'walk'");
    CHECK(expectError("entry t 0x0 pde absent 4K") == "28: an absent entry has no flags to check");
    CHECK(expectError("cpu0 machine_check x") == "24: expected an MC0_STATUS value, got 'x'");
    CHECK(expectError("cpu0 page_fault x") == "21: expected an error code, got 'x'");
    CHECK(expectError("cpu0 access_ok x") == "20: expected a physical address, got 'x'");
    CHECK(expectError("cpu0 machine_check 0x1 0x2") == "28: unexpected '0x2' at the end of the expectation");
    CHECK(expectError("no_page_fault now") == "19: unexpected 'now' at the end of the expectation");
    CHECK(expectError("cpu0 state asleep") == "16: expected a CPU state (online|booting|offline|halted), got 'asleep'");
    CHECK(expectError("cpu0 tlb_state") == "19: expectation needs a TLB state (ok|lazy)");
    CHECK(expectError("cpu0 task") == "14: expectation needs a task name (or none)");
    CHECK(expectError("cpu0 task bash now") == "20: unexpected 'now' at the end of the expectation");
    CHECK(expectError("cpu0 pge on off") == "17: unexpected 'off' at the end of the expectation");
    CHECK(expectError("stat walkz == 1") == "10: unknown counter 'walkz'; did you mean 'walks'?");
    CHECK(expectError("stat walks =") == "16: expected a comparison (==|!=|<|<=|>|>=), got '='; did you mean '=='?");
    CHECK(expectError("total walks") == "16: expectation needs a comparison (==|!=|<|<=|>|>=)");
    CHECK(expectError("stat walks == x") == "19: expected a number, got 'x'");
    CHECK(expectError("stat walks == 1 2") == "21: unexpected '2' at the end of the expectation");

    Expectation e = parseExpectation("cpu0 cr3 \"0x1000\"", at);  // quoted: a table name
    CHECK_FALSE(e.hasValue);
    CHECK(e.name == "0x1000");
    e = parseExpectation("cpu1 state halted", at);
    CHECK(e.kind == ExpectKind::CpuState);
    CHECK(e.name == "halted");
    e = parseExpectation("cpu1 tlb_state lazy", at);
    CHECK(e.kind == ExpectKind::TlbState);
    CHECK(e.name == "lazy");
    CHECK(parseExpectation("cpu1 pge off", at).value == 0);
    CHECK(parseExpectation("cpu1 pge on", at).value == 1);
    e = parseExpectation("cpu1 machine_check 0x5", at);
    CHECK(e.hasValue);
    CHECK(e.value == 5);
    CHECK_FALSE(parseExpectation("cpu1 page_fault", at).hasValue);
    e = parseExpectation("cpu1 tlb_count 0x1000 3", at);
    CHECK(e.va == 0x1000u);
    CHECK(e.value == 3);
    e = parseExpectation("entry t 0x0 pdpte absent", at);
    CHECK(e.present == false);
    CHECK(e.level == 0);
    e = parseExpectation("cpu0 task \"a b\"", at);
    CHECK(e.name == "a b");
    CHECK(e.nameLoc.col == 15);
    const std::pair<const char*, Compare> cmps[] = {{"==", Compare::Eq}, {"!=", Compare::Ne}, {"<", Compare::Lt},
                                                    {"<=", Compare::Le}, {">", Compare::Gt},  {">=", Compare::Ge}};
    for (const auto& [word, cmp] : cmps) {
        e = parseExpectation(std::string("total walks ") + word + " 7", at);
        CHECK(e.kind == ExpectKind::TotalStat);
        CHECK(e.cmp == cmp);
        CHECK(e.value == 7);
    }
}

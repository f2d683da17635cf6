// SPDX-License-Identifier: GPL-3.0-or-later
// Per-variant questions: the `question:` map of a step (default / variant names / `none`), its
// errors with their positions, and the bundled lessons asking under each variant about that variant.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

using namespace tlblab;

namespace {
const char* kQuestions = R"(title: "Questions"
setup: |
  cpus 1
  table pdpt
  map pdpt 0x00400000 0x00800000 4K 4K user rw
  cpu0 load_cr3 pdpt
variants:
  - name: a
    description: "first"
  - name: b
    description: "second"
  - name: c
    description: "third"
    cpu_model: correct
steps:
  - title: "Read"
    ops: |
      cpu0 access 0x00400000 read user
    narration:
      default: "for a"
      "b, c": "for b and c"
    expect:
      - cpu0 access_ok 0x800000
    question:
      default:
        prompt: "Default?"
        choices: ["yes", "no"]
        answer: 1
      "b c":
        prompt: "For b and c?"
        choices: ["one", "two", "three"]
        answer: 3
        explanation: "three"
  - title: "Again"
    ops: |
      cpu0 access 0x00400000 read user
    question:
      a:
        prompt: "Only a?"
        choices: ["x", "y"]
        answer: 2
      b: none
      c: ~
  - title: "Plain"
    ops: |
      cpu0 access 0x00400000 read user
    question:
      prompt: "Everyone?"
      choices: ["p", "q"]
      answer: 1
)";

std::string errorOf(const std::string& text) {
    try {
        parseLesson(text, "q.yaml");
    } catch (const OpError& e) {
        return e.format();
    }
    return "loaded";
}

std::string replaced(std::string text, const std::string& what, const std::string& with) {
    const auto at = text.find(what);
    REQUIRE(at != std::string::npos);
    return text.replace(at, what.size(), with);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}
}  // namespace

TEST_CASE("a question may differ per variant, name several variants in one key, or be none", "[loader][questions]") {
    const Lesson l = parseLesson(kQuestions, "q.yaml");
    REQUIRE(l.steps.size() == 3);
    const LessonStep& s0 = l.steps[0];
    REQUIRE(s0.questionIn("a"));
    CHECK(s0.questionIn("a")->prompt == "Default?");
    CHECK(s0.questionIn("a")->answer == 0);
    REQUIRE(s0.questionIn("b"));
    CHECK(s0.questionIn("b")->prompt == "For b and c?");
    CHECK(s0.questionIn("b")->answer == 2);
    REQUIRE(s0.questionIn("c"));
    CHECK(s0.questionIn("c")->prompt == "For b and c?");
    CHECK(s0.narrationIn("a") == "for a");
    CHECK(s0.narrationIn("c") == "for b and c");

    const LessonStep& s1 = l.steps[1];
    REQUIRE(s1.questionIn("a"));
    CHECK(s1.questionIn("a")->prompt == "Only a?");
    CHECK(s1.questionIn("b") == nullptr);  // none
    CHECK(s1.questionIn("c") == nullptr);  // null
    const LessonStep& s2 = l.steps[2];
    for (const char* v : {"a", "b", "c"}) {
        REQUIRE(s2.questionIn(v));
        CHECK(s2.questionIn(v)->prompt == "Everyone?");
    }
}

TEST_CASE("per-variant question errors name the position", "[loader][questions]") {
    const std::string text = kQuestions;
    CHECK(errorOf(replaced(text, "      \"b c\":\n", "      \"b cc\":\n")) ==
          "q.yaml:29:10: error: unknown variant 'cc'; did you mean 'c'? (question keys are 'default' or variant names)");
    CHECK(errorOf(replaced(text, "      b: none", "      a: none")) ==
          "q.yaml:42:7: error: question gives variant 'a' two entries");
    CHECK(errorOf(replaced(text, "      b: none", "      b: maybe")) ==
          "q.yaml:42:10: error: a variant's question must be a question (prompt, choices, answer) or 'none'");
    CHECK(errorOf(replaced(text, "        answer: 3\n", "        answer: 4\n")) ==
          "q.yaml:32:17: error: answer (the number of the right choice, from 1) must be a whole number from 1 to 3, got '4'");
    CHECK(errorOf(replaced(text, "      \"b, c\": \"for b and c\"", "      \"b, c\": \"x\"\n      c: \"y\"")) ==
          "q.yaml:22:7: error: narration gives variant 'c' two texts");
    // A step played only under some variants cannot ask under the others.
    CHECK(errorOf(replaced(text, "  - title: \"Again\"\n", "  - title: \"Again\"\n    variants: [a, b]\n")) ==
          "q.yaml:44:7: error: this step is not played under variant 'c'");
}

TEST_CASE("a per-variant narration or question has one default", "[loader][questions]") {
    const std::string text = "title: \"Dup\"\nsteps:\n  - title: \"One\"\n    narration:\n      default: \"x\"\n"
                             "      default: \"y\"\n";
    CHECK(errorOf(text) == "q.yaml:6:7: error: key 'default' appears twice in narration");
    CHECK(errorOf(replaced(replaced(replaced(text, "narration", "question"), "\"x\"", "none"), "\"y\"", "~")) ==
          "q.yaml:6:7: error: key 'default' appears twice in question");
}

TEST_CASE("the played run and the text output use the variant's question", "[player][questions]") {
    const Lesson l = parseLesson(kQuestions, "q.yaml");
    LessonRun b(l, "b");
    REQUIRE(b.steps().size() == 3);
    const Question* q = b.lessonStep(b.steps()[0]).questionIn(b.variant().name);
    REQUIRE(q);
    CHECK(q->explanation == "three");
}

// Lesson 4: under the fixes and the correct CPU, questions are about what that variant does. None
// of them has a machine check as its right answer, and where buggy asks about the crash the
// other variants ask something else.
TEST_CASE("erratum-383 asks each variant about what that variant does", "[bundled][questions]") {
    const Lesson lesson = loadLesson(std::string(TLBLAB_TEST_LESSON_DIR) + "/erratum-383.yaml");
    int buggyCrashQuestions = 0;
    for (const auto& v : lesson.variants) {
        int questions = 0;
        for (const auto& s : lesson.steps) {
            if (!s.appliesTo(v.name)) continue;
            const Question* q = s.questionIn(v.name);
            if (!q) continue;
            ++questions;
            INFO(v.name << ": " << s.title << ": " << q->prompt);
            const std::string right = lower(q->choices[static_cast<std::size_t>(q->answer)]);
            const bool crash = right.find("machine check") != std::string::npos;
            if (v.name == "buggy") {
                buggyCrashQuestions += crash ? 1 : 0;
                continue;
            }
            CHECK_FALSE(crash);
            CHECK(lower(q->prompt).find("2.6.32 kernel") == std::string::npos);
            const Question* bq = s.appliesTo("buggy") ? s.questionIn("buggy") : nullptr;
            if (bq && lower(bq->choices[static_cast<std::size_t>(bq->answer)]).find("machine check") != std::string::npos)
                CHECK(q->prompt != bq->prompt);
        }
        INFO(v.name);
        CHECK(questions >= 3);
    }
    CHECK(buggyCrashQuestions >= 1);
    // The fixes get questions of their own at the step before the fatal access.
    for (const auto& s : lesson.steps)
        if (s.title == "cpu1 switches back to bash") {
            REQUIRE(s.questionIn("fix-flush"));
            REQUIRE(s.questionIn("fix-trampoline"));
            REQUIRE(s.questionIn("buggy-correct-cpu"));
            CHECK(s.questionIn("fix-flush")->prompt.find("solution 1") != std::string::npos);
            CHECK(s.questionIn("fix-trampoline")->prompt.find("solution 2") != std::string::npos);
            CHECK(s.questionIn("buggy-correct-cpu")->prompt.find("without erratum 383") != std::string::npos);
        }
}

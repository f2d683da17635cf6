// SPDX-License-Identifier: GPL-3.0-or-later
// Challenges (issue 14): the loader's `challenges:` section, the answer formats, and each bundled
// challenge solved by a right answer and refused, with the right reason, by wrong ones.
#include "tlblab/challenge.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

using namespace tlblab;

namespace {

Lesson bundled(const std::string& id) {
    auto path = findLesson(id);
    REQUIRE(path);
    return loadLesson(*path);
}

std::string answerFile(const std::string& name) {
    std::ifstream in(std::string(TLBLAB_TEST_ANSWER_DIR) + "/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

ChallengeVerdict check(const std::string& lesson, const std::string& id, const std::string& answer) {
    const Lesson l = bundled(lesson);
    return checkChallenge(l, pickChallenge(l, id), answer, "answer.txt");
}

// The error an answer gives, as "LINE:COL: message".
std::string answerError(const std::string& lesson, const std::string& id, const std::string& answer) {
    try {
        (void)check(lesson, id, answer);
    } catch (const OpError& e) {
        return fmt::format("{}:{}: {}", e.loc().line, e.loc().col, e.what());
    }
    return "no error";
}

std::string loadError(const std::string& yaml) {
    try {
        (void)parseLesson(yaml, "c.yaml");
    } catch (const OpError& e) {
        return fmt::format("{}:{}: {}", e.loc().line, e.loc().col, e.what());
    }
    return "no error";
}

const char* kHead = "title: t\nsteps:\n  - title: s\n    ops: [table t]\n";

}  // namespace

TEST_CASE("the bundled lessons carry the three challenges") {
    const Lesson w = bundled("erratum-without-linux");
    REQUIRE(w.challenges.size() == 1);
    CHECK(w.challenges[0].kind == ChallengeKind::Build);
    CHECK(w.challenges[0].allowed.size() == 5);
    const Lesson e = bundled("erratum-383");
    CHECK(pickChallenge(e, "fix-the-kernel").kind == ChallengeKind::Fix);
    CHECK(pickChallenge(e, "which-cpu-dies").kind == ChallengeKind::Count);
    CHECK_THROWS_WITH(pickChallenge(e, ""), Catch::Contains("pick one with --challenge"));
    CHECK_THROWS_WITH(pickChallenge(e, "fix-kernel"), Catch::Contains("has no challenge 'fix-kernel'"));
    // The listing numbers the lines an `after cpuN K` answer counts.
    CHECK_THAT(challengeThreadListing(e, pickChallenge(e, "fix-the-kernel")),
               Catch::Contains("cpu1:   1  cpu1 schedule bash") && Catch::Contains("2  cpu1 access 0x08048000 read user"));
}

TEST_CASE("challenge 1, the erratum without Linux: two entries, then the one op that prevents the machine check") {
    SECTION("INVLPG before the user access: solved") {
        const ChallengeVerdict v = check("erratum-without-linux", "", answerFile("two-entries-invlpg.tlb"));
        CHECK(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("machine-checks cpu1") && Catch::Contains("2 entries for 0x00401000") &&
                                 Catch::Contains("`cpu1 invlpg 0x00401000` (line 9) added"));
    }
    SECTION("a global flush (CR4.PGE toggle) also prevents it") {
        std::string a = answerFile("two-entries-invlpg.tlb");
        a.replace(a.find("+ cpu1 invlpg 0x00401000"), 24, "+ cpu1 flush_all");
        CHECK(check("erratum-without-linux", "", a).solved);
    }
    SECTION("a CR3 reload keeps the global entry: refused, the stale entry shown") {
        const ChallengeVerdict v = check("erratum-without-linux", "", answerFile("two-entries-cr3-reload.tlb"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("part 2 not") && Catch::Contains("still machine-checks cpu1"));
        REQUIRE_FALSE(v.details.empty());
        CHECK_THAT(v.details.back(), Catch::Contains("2M global supervisor-only (speculation)"));
        CHECK(v.counterexample.size() == 9);
        const Lesson trace = parseLesson(v.counterexampleYaml, "trace.yaml");
        LessonRun run(trace);
        CHECK(run.allPassed());
        CHECK(run.timeline().head().cpu(1).mc0Status == pae::kMc0StatusErratum383);
    }
    SECTION("a 2 MiB page without G does not survive the switch: no machine check") {
        const ChallengeVerdict v = check("erratum-without-linux", "", answerFile("two-entries-not-global.tlb"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::StartsWith("no machine check"));
        CHECK_THAT(v.details.back(), Catch::Contains("1 entry for 0x00401000") && Catch::Contains("4K non-global user"));
    }
    SECTION("an operation outside the allowed five is refused at its line") {
        const ChallengeVerdict v = check("erratum-without-linux", "", answerFile("two-entries-flush-inside.tlb"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("line 5: 'flush_all' is not allowed"));
        CHECK(v.at.line == 5);
    }
    SECTION("part 1 alone is not the whole challenge") {
        const ChallengeVerdict v = check("erratum-without-linux", "", answerFile("two-entries-no-plus.tlb"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("part 1 solved; part 2 missing"));
    }
    SECTION("an added op that makes the access fault is not a fix") {
        std::string a = answerFile("two-entries-invlpg.tlb");
        a.replace(a.find("+ cpu1 invlpg 0x00401000"), 24, "+ cpu1 load_cr3 k");
        const ChallengeVerdict v = check("erratum-without-linux", "", a);
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("still machine-checks") || Catch::Contains("page-faults"));
    }
}

TEST_CASE("challenge 1: every verdict says why") {
    const std::string a = answerFile("two-entries-invlpg.tlb");
    auto with = [&](const std::string& added) {
        std::string b = a;
        return b.replace(b.find("+ cpu1 invlpg 0x00401000"), 24, added);
    };
    auto verdict = [](const ChallengeVerdict& v) {
        std::string s = (v.solved ? "solved | " : "not | ") + v.reason;
        for (const auto& d : v.details) s += " | " + d;
        return s;
    };
    CHECK(verdict(check("erratum-without-linux", "", with("+ cpu1 speculate 0x00401000"))) ==
          "not | line 9: 'speculate' may not be the added operation (allowed: invlpg, flush, flush_all, set, "
          "load_cr3) | part 1: line 10 `cpu1 access 0x00401000 read user` machine-checks cpu1 (MC0_STATUS "
          "0xb600000000010015, L1 TLB multimatch): its TLB holds 2 entries for 0x00401000: 0x00400000 2M "
          "global supervisor-only (speculation); 0x00401000 4K non-global user (walk)");
    CHECK(verdict(check("erratum-without-linux", "", with("+ cpu1 load_cr3 k"))) ==
          "not | part 1 solved; part 2 not: with `cpu1 load_cr3 k` (line 9) added there is no machine check, "
          "but line 10 `cpu1 access 0x00401000 read user` now page-faults (error code 0x5): prevent the "
          "machine check and let the access complete | part 1: line 10 `cpu1 access 0x00401000 read user` "
          "machine-checks cpu1 (MC0_STATUS 0xb600000000010015, L1 TLB multimatch): its TLB holds 2 entries for "
          "0x00401000: 0x00400000 2M global supervisor-only (speculation); 0x00401000 4K non-global user (walk)");
    CHECK(verdict(check("erratum-without-linux", "", "table k\nmap k 0x00400000 0x00400000 2M 2M rw global\n")) ==
          "not | no machine check: every operation ran and no CPU's TLB matched two entries for one address | "
          "there is no access: only an access can find two entries for its address");
    // A challenge without a part 2 takes no '+' operation.
    const Lesson l = bundled("erratum-without-linux");
    Challenge c = pickChallenge(l, "");
    c.prevent.clear();
    CHECK(verdict(checkChallenge(l, c, a, "a.tlb")) ==
          "not | line 9: this challenge asks for no '+' operation | part 1: line 10 `cpu1 access 0x00401000 "
          "read user` machine-checks cpu1 (MC0_STATUS 0xb600000000010015, L1 TLB multimatch): its TLB holds 2 "
          "entries for 0x00401000: 0x00400000 2M global supervisor-only (speculation); 0x00401000 4K "
          "non-global user (walk)");
    CHECK(verdict(checkChallenge(l, c, answerFile("two-entries-no-plus.tlb"), "a.tlb")) ==
          "solved | solved: line 8 `cpu1 access 0x00401000 read user` machine-checks cpu1 (MC0_STATUS "
          "0xb600000000010015, L1 TLB multimatch): its TLB holds 2 entries for 0x00401000: 0x00400000 2M "
          "global supervisor-only (speculation); 0x00401000 4K non-global user (walk)");
}

TEST_CASE("challenge 2, fix the kernel: the explorer decides over every interleaving") {
    SECTION("a global flush on cpu1 after it left swapper_pg_dir: solved, complete search") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", answerFile("fix-global-flush.txt"));
        CHECK(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("no machine check is reachable in any interleaving") &&
                                 Catch::Contains("complete search"));
    }
    SECTION("INVLPG of the address at the same place also suffices") {
        CHECK(check("erratum-383", "fix-the-kernel", answerFile("fix-invlpg.txt")).solved);
    }
    SECTION("a CR3 reload does not suffice: the shortest schedule that still crashes") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", answerFile("fix-cr3-reload.txt"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("still reachable: cpu1 dies in a schedule of 5 steps"));
        const std::vector<std::string> expected = {"cpu0 native_cpu_up cpu2", "cpu1 speculate 0x08048000", "cpu1 schedule bash",
                                                   "cpu1 __flush_tlb", "cpu1 access 0x08048000 read user"};
        CHECK(v.counterexample == expected);
        CHECK_THAT(v.details.back(), Catch::Contains("2M global supervisor-only"));
        const Lesson trace = parseLesson(v.counterexampleYaml, "trace.yaml");
        LessonRun run(trace, v.counterexampleVariant);
        CHECK(run.allPassed());
        CHECK(run.timeline().head().cpu(1).mc0Status == pae::kMc0StatusErratum383);
    }
    SECTION("a global flush at the wrong place (before cpu1 leaves swapper_pg_dir) does not suffice") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", answerFile("fix-early.txt"));
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("still reachable"));
    }
    SECTION("flush_tlb_all from cpu0 after the hotplug comes too late for some interleavings") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", answerFile("fix-cpu0-flush-tlb-all.txt"));
        CHECK_FALSE(v.solved);
        CHECK(v.counterexample.size() == 4);
    }
    SECTION("an op that can never run there blocks the thread: not a fix") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", "after cpu1 1: load_cr3 \"no such table\"\n");
        CHECK_FALSE(v.solved);
    }
    SECTION("only the listed operations may be inserted") {
        const ChallengeVerdict v = check("erratum-383", "fix-the-kernel", "after cpu1 1: set cr4.pge 0\n");
        CHECK_FALSE(v.solved);
        CHECK_THAT(v.reason, Catch::Contains("'set' is not one of the operations you may insert"));
    }
}

TEST_CASE("challenge 3, which CPU dies: predicted, then counted over every interleaving") {
    const ChallengeVerdict right = check("erratum-383", "which-cpu-dies", answerFile("dies-cpu1.txt"));
    CHECK(right.solved);
    REQUIRE(right.counts.complete);
    REQUIRE(right.counts.crashStatesByCpu.size() == 3);
    CHECK(right.counts.crashStatesByCpu[0] == 0);
    CHECK(right.counts.crashStatesByCpu[1] > 0);
    CHECK(right.counts.crashStatesByCpu[2] == 0);
    CHECK(right.counts.crashStates == right.counts.crashStatesByCpu[1]);
    CHECK(right.counts.schedulesByCpu[1] == right.counts.schedules);
    CHECK(right.counts.schedules >= right.counts.crashStates);

    const ChallengeVerdict booted = check("erratum-383", "which-cpu-dies", answerFile("dies-cpu2.txt"));
    CHECK_FALSE(booted.solved);
    CHECK_THAT(booted.reason, Catch::Contains("you predicted cpu2; the CPUs that can machine-check are: cpu1"));
    CHECK(booted.counterexample.size() == 4);
    const Lesson trace = parseLesson(booted.counterexampleYaml, "trace.yaml");
    LessonRun run(trace, booted.counterexampleVariant);
    CHECK(run.allPassed());

    const ChallengeVerdict none = check("erratum-383", "which-cpu-dies", answerFile("dies-none.txt"));
    CHECK_FALSE(none.solved);
    CHECK_THAT(none.reason, Catch::Contains("you predicted none"));
    CHECK_FALSE(check("erratum-383", "which-cpu-dies", "dies: cpu1 cpu2\n").solved);
}

TEST_CASE("the count search agrees with the explorer: no crash under the fixes") {
    Lesson l = bundled("erratum-383");
    Challenge c = pickChallenge(l, "which-cpu-dies");
    for (const char* v : {"fix-flush", "fix-trampoline", "buggy-correct-cpu"}) {
        c.variant = v;
        const ChallengeVerdict r = checkChallenge(l, c, "dies: none", "a");
        INFO(v);
        CHECK(r.solved);
        CHECK(r.counts.crashStates == 0);
        CHECK(r.counts.states > 10);
    }
}

TEST_CASE("bad answers are errors at their line and column") {
    CHECK(answerError("erratum-without-linux", "", answerFile("bad-two-entries-typo.tlb")) ==
          "3:6: unknown operation 'lod_cr3'; did you mean 'load_cr3'?");
    CHECK(answerError("erratum-without-linux", "", answerFile("bad-two-entries-unknown-table.tlb")) ==
          "2:15: unknown table 'kk'; did you mean 'k'?");
    CHECK(answerError("erratum-without-linux", "", "table a\n+ cpu0 flush\n+ cpu0 flush_all\n") ==
          "3:1: only one operation may be marked with '+' (the first is on line 2)");
    CHECK(answerError("erratum-without-linux", "", "# nothing\n") ==
          "1:1: the answer has no operation (one operation per line)");
    CHECK(answerError("erratum-383", "fix-the-kernel", answerFile("bad-fix-line.txt")) ==
          "2:12: expected the line of cpu1's thread the operation goes after (0 = before its first)");
    CHECK(answerError("erratum-383", "fix-the-kernel", answerFile("bad-fix-op.txt")) ==
          "1:15: unknown operation 'flsh_all'; did you mean 'flush_all'?");
    CHECK(answerError("erratum-383", "fix-the-kernel", answerFile("bad-fix-range.txt")) ==
          "1:1: cpu1's thread has 2 operations: K goes from 0 to 2");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu9 0: flush_all") ==
          "1:1: cpu9 does not exist: the machine has 3 CPUs (cpu0..cpu2)");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1 1: cpu0 flush_all") ==
          "1:15: this operation runs on cpu0, but the line puts it into cpu1's thread");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1 1: flush_all\nafter cpu1 0: flush_all\n") ==
          "2:1: one operation only: the answer already inserts one on line 1");
    CHECK(answerError("erratum-383", "fix-the-kernel", "insert cpu1 1: flush_all") ==
          "1:1: expected 'after cpuN K: OPERATION' (K: the number of the thread's line it goes after, 0 = first)");
    CHECK(answerError("erratum-383", "which-cpu-dies", answerFile("bad-dies.txt")) ==
          "1:12: expected a CPU (cpu0, cpu1, ...) or 'none', got 'cpuX'");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu1 cpu1") == "1:12: cpu1 is named twice");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu7") ==
          "1:1: cpu7 does not exist: the machine has 3 CPUs (cpu0..cpu2)");
    CHECK(answerError("erratum-383", "which-cpu-dies", "cpu1 dies") ==
          "1:1: expected 'dies: cpuN [cpuM ...]' (the CPUs that can machine-check) or 'dies: none'");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu1\x01") ==
          "1:11: byte 0x01 is not text (an answer is UTF-8 text)");
    CHECK(answerError("erratum-383", "which-cpu-dies", std::string("\0dies: cpu1", 11)) ==
          "1:1: byte 0x00 is not text (an answer is UTF-8 text)");
    CHECK(answerError("erratum-383", "which-cpu-dies", "# a\n\x7f dies: cpu1") ==
          "2:1: byte 0x7f is not text (an answer is UTF-8 text)");
    CHECK(answerError("erratum-383", "which-cpu-dies", "# a\n dies:\x1b cpu1") ==
          "2:7: byte 0x1b is not text (an answer is UTF-8 text)");
    // A CPU word names cpu0 .. cpu63, the most the model has; past that it is no CPU at all.
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu64") ==
          "1:7: expected a CPU (cpu0, cpu1, ...) or 'none', got 'cpu64'");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu63") ==
          "1:1: cpu63 does not exist: the machine has 3 CPUs (cpu0..cpu2)");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1x 0: flush_all") ==
          "1:7: expected a CPU after 'after' (cpu0, cpu1, ...)");
    // Each answer form's remaining errors: a bare '+', the fix line's words, one-line answers.
    CHECK(answerError("erratum-without-linux", "", "table a\n  +\n") ==
          "2:3: a '+' line needs an operation after the '+'");
    CHECK(answerError("erratum-383", "fix-the-kernel", "# only a comment\n") ==
          "1:1: the answer inserts no operation: write 'after cpuN K: OPERATION'");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after x 1: flush_all") ==
          "1:7: expected a CPU after 'after' (cpu0, cpu1, ...)");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1") ==
          "1:11: expected the line of cpu1's thread the operation goes after (0 = before its first)");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1 1 2: flush_all") ==
          "1:14: unexpected '2' before the ':'");
    CHECK(answerError("erratum-383", "fix-the-kernel", "after cpu1 1") ==
          "1:13: expected ':' and the operation to insert");
    CHECK(answerError("erratum-383", "which-cpu-dies", "\n# none\n") ==
          "1:1: the answer predicts nothing: write 'dies: cpuN' (or 'dies: none')");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: cpu1\n  dies: cpu2\n") ==
          "2:3: one prediction only: line 1 already says which CPUs die");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: none cpu1") == "1:7: 'none' stands alone");
    CHECK(answerError("erratum-383", "which-cpu-dies", "dies: # nobody") ==
          "1:7: name the CPUs that can machine-check (or 'none')");
}

TEST_CASE("the challenges: section is checked like the rest of a lesson, errors at FILE:LINE:COL") {
    const std::string head = kHead;
    CHECK(loadError(head + "challenges: []\n") == "5:13: challenges must be a non-empty list");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: bild\n    goal: g\n    allowed: [map]\n") ==
          "8:11: unknown challenge kind 'bild' (build|fix|count); did you mean 'build'?");
    CHECK(loadError(head + "challenges:\n  - id: a\n    titel: A\n") ==
          "7:5: unknown key 'titel' in a challenge; did you mean 'title'?");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: build\n    goal: g\n    allowed: [map, acess]\n") ==
          "10:20: unknown operation 'acess' in allowed; did you mean 'access'?");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: build\n    goal: g\n") ==
          "6:5: a challenge needs a 'allowed' key");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: fix\n    goal: g\n    allowed: [flush]\n") ==
          "8:11: a fix challenge searches an explore problem: give it an 'explore:' key or give the lesson an explore: "
          "section");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: count\n    goal: g\n    allowed: [flush]\n") ==
          "10:14: 'allowed' belongs to build and fix challenges, not to a count one");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: count\n    goal: g\n    variant: bugy\n"
                           "    explore:\n      threads:\n        cpu0: [flush]\n") ==
          "10:14: unknown variant 'bugy'");
    CHECK(loadError(head + "challenges:\n  - id: a\n    title: A\n    kind: count\n    goal: g\n"
                           "    explore:\n      threads:\n        cpu5: [flush]\n") ==
          "12:9: cpu5 does not exist: the lesson has 2 CPUs (cpu0..cpu1)");
    CHECK(loadError(head + "challenges:\n  - {id: a, title: A, kind: build, goal: g, allowed: [map]}\n"
                           "  - {id: a, title: B, kind: build, goal: g, allowed: [map]}\n") ==
          "7:10: challenge 'a' is defined twice");
    // The other keys' errors, one each.
    const std::string fix =
        head + "challenges:\n  - id: a\n    title: A\n    kind: fix\n    goal: g\n    allowed: [flush]\n";
    CHECK(loadError(head + "challenges:\n  - [a]\n") == "6:5: a challenge must be a mapping of keys to values");
    CHECK(loadError(head + "challenges:\n  - {id: 'a b', title: A, kind: build, goal: g, allowed: [map]}\n") ==
          "6:10: a challenge's id may hold only letters, digits, '-', '_' and '.'");
    CHECK(loadError(head + "challenges:\n  - {id: a, id: b}\n") == "6:13: key 'id' appears twice in a challenge");
    CHECK(loadError(head + "challenges:\n  - {id: a, title: A, kind: build, goal: g, allowed: [map, map]}\n") ==
          "6:60: 'map' is listed twice in allowed");
    CHECK(loadError(head + "challenges:\n  - {id: a, title: A, kind: build, goal: g, allowed: []}\n") ==
          "6:54: allowed must list at least one operation");
    CHECK(loadError(head + "challenges:\n  - {id: a, title: A, kind: build, goal: g, allowed: [map], "
                           "max_depth: 3}\n") ==
          "6:72: 'max_depth' belongs to fix and count challenges, not to a build one");
    CHECK(loadError(fix + "    prevent: [flush]\n") ==
          "11:14: 'prevent' belongs to build challenges, not to a fix one");
    CHECK(loadError(fix + "    max_depth: 0\n") == "11:16: max_depth must be a whole number from 1 to 1000, got '0'");
    CHECK(loadError(fix + "    max_depth: 7\n    explore:\n      threads:\n        cpu0: [flush]\n") == "no error");
    const Lesson withDepth =
        parseLesson(fix + "    max_depth: 7\n    answer: after cpu0 0\n    debrief: d\n    explore:\n      threads:\n"
                          "        cpu0: [flush]\n",
                    "c.yaml");
    CHECK(withDepth.challenges.at(0).maxDepth == 7);
    CHECK(withDepth.challenges.at(0).answerTemplate == "after cpu0 0");
    CHECK(withDepth.challenges.at(0).debrief == "d");
    // A well-formed one loads, with its own explore problem.
    const Lesson l = parseLesson(head + "challenges:\n  - id: a\n    title: A\n    kind: count\n    goal: g\n"
                                        "    explore:\n      threads:\n        cpu0: [speculate 0x1000]\n",
                                 "c.yaml");
    REQUIRE(l.challenges.size() == 1);
    REQUIRE(l.challenges[0].explore);
    CHECK(l.challenges[0].explore->threads.at(0).size() == 1);
}

TEST_CASE("the count search counts states and schedules exactly on a problem small enough to count by hand") {
    // cpu0 on table k (a 2M global supervisor page) switches to u (a 4K user page at the same address)
    // and reads it; it may speculate the address at any point. Eight states: start, S, L, SL, LS, LA,
    // LSA and the crash SLA; the one crashing schedule is S L A.
    const Lesson l = parseLesson("title: t\n"
                                 "setup: |\n"
                                 "  table k\n"
                                 "  map k 0x00400000 0x00400000 2M 2M global\n"
                                 "  table u\n"
                                 "  map u 0x00400000 0x00900000 4K 4K user\n"
                                 "  cpu0 load_cr3 k\n"
                                 "steps:\n  - title: s\n"
                                 "explore:\n  threads:\n    cpu0: [load_cr3 u, access 0x00400000 read user]\n"
                                 "  speculation:\n    cpu0: [0x00400000]\n"
                                 "challenges:\n  - {id: c, title: C, kind: count, goal: g}\n",
                                 "small.yaml");
    const ChallengeVerdict v = checkChallenge(l, l.challenges[0], "dies: cpu0\n", "a");
    CHECK(v.solved);
    CHECK(v.counts.complete);
    CHECK(v.counts.states == 8);
    CHECK(v.counts.crashStates == 1);
    CHECK(v.counts.schedules == 1);
    const std::vector<std::string> crash = {"cpu0 speculate 0x00400000", "cpu0 load_cr3 u", "cpu0 access 0x00400000 read user"};
    const ChallengeVerdict wrong = checkChallenge(l, l.challenges[0], "dies: none\n", "a");
    CHECK_FALSE(wrong.solved);
    CHECK(wrong.counterexample == crash);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Every bundled lesson under every variant: all its expectations hold, and the documented outcome
// (lessons/README.md, "The bundled lessons") is checked here independently of the lesson's own
// expectations, on the final machine state.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace tlblab;

namespace {
std::string lessonPath(const std::string& id) { return std::string(TLBLAB_TEST_LESSON_DIR) + "/" + id + ".yaml"; }

bool anyMachineCheck(const Machine& m) {
    for (const auto& c : m.cpus())
        if (c.mc0Status || (c.mcgStatus & pae::MCG_STATUS_MCIP)) return true;
    return false;
}

void requireAllPassed(const LessonRun& run) {
    for (const auto& f : run.failures()) UNSCOPED_INFO(f.loc.line << ":" << f.loc.col << ": " << f.text << ": " << f.message);
    REQUIRE(run.allPassed());
}
}  // namespace

TEST_CASE("the six bundled lessons exist, in order", "[bundled]") {
    std::vector<std::string> ids;
    for (const auto& dir : {std::string(TLBLAB_TEST_LESSON_DIR)}) {
        for (const auto& e : std::filesystem::directory_iterator(dir))
            if (e.path().extension() == ".yaml") ids.push_back(loadLesson(e.path().string()).id);
    }
    std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
        return loadLesson(lessonPath(a)).order < loadLesson(lessonPath(b)).order;
    });
    REQUIRE(ids == std::vector<std::string>{"pae-translation", "tlb-global-pages", "lazy-tlb", "erratum-383", "fix-cost",
                                              "after-the-fix"});
}

TEST_CASE("every bundled lesson passes its expectations under every variant", "[bundled]") {
    for (const auto& e : std::filesystem::directory_iterator(TLBLAB_TEST_LESSON_DIR)) {
        if (e.path().extension() != ".yaml") continue;
        const Lesson lesson = loadLesson(e.path().string());
        for (const auto& v : lesson.variants) {
            DYNAMIC_SECTION(lesson.id << " [" << v.name << "]") {
                LessonRun run(lesson, v.name);
                REQUIRE(!run.steps().empty());
                std::size_t checks = 0;
                for (const auto& s : run.steps()) checks += s.expectations.size();
                CHECK(checks >= run.steps().size());  // every lesson checks itself, about once a step or more
                requireAllPassed(run);
            }
        }
    }
}

TEST_CASE("erratum-383 buggy: the bystander cpu1 machine-checks with the erratum signature and the kernel panics",
          "[bundled][erratum]") {
    const Lesson lesson = loadLesson(lessonPath("erratum-383"));
    REQUIRE(lesson.variantNames() == std::vector<std::string>{"buggy", "fix-flush", "fix-trampoline", "buggy-correct-cpu"});
    LessonRun run(lesson, "buggy");
    requireAllPassed(run);
    const Machine& m = run.timeline().head();
    REQUIRE(m.cpus().size() == 3);
    CHECK(m.cpu(1).mc0Status == pae::kMc0StatusErratum383);
    CHECK((m.cpu(1).mcgStatus & pae::MCG_STATUS_MCIP) != 0);
    CHECK(m.cpu(0).mc0Status == 0);  // the CPU doing the hotplug does not die
    CHECK(m.cpu(2).mc0Status == 0);  // nor the one being onlined
    CHECK(m.kernel().panicked);
    CHECK(m.cpu(1).stats.multimatches == 1);
    // The machine check is raised by bash's user access on cpu1, in one step.
    int mcSteps = 0;
    for (const auto& s : run.steps())
        for (std::size_t i = 0; i < s.results.size(); ++i)
            if (s.results[i].outcome == OpResult::Outcome::MachineCheck) {
                ++mcSteps;
                CHECK(s.ops[i].cpu == 1);
                CHECK(s.ops[i].mode == Mode::User);
            }
    CHECK(mcSteps == 1);
}

TEST_CASE("erratum-383 fixes and the correct CPU: no machine check, cpu2 comes online", "[bundled][erratum]") {
    const Lesson lesson = loadLesson(lessonPath("erratum-383"));
    for (const char* v : {"fix-flush", "fix-trampoline", "buggy-correct-cpu"}) {
        DYNAMIC_SECTION(v) {
            LessonRun run(lesson, v);
            requireAllPassed(run);
            const Machine& m = run.timeline().head();
            CHECK_FALSE(anyMachineCheck(m));
            CHECK_FALSE(m.kernel().panicked);
            CHECK(m.cpu(2).state == CpuState::Online);
            CHECK(m.tableName(m.cpu(2).regs.cr3) == "swapper_pg_dir");
            // swapper_pg_dir holds no low mapping at the end.
            const u64 swapper = *m.tableNamed("swapper_pg_dir");
            CHECK(m.memory().read64(swapper) == m.memory().read64(swapper + 8));
        }
    }
}

TEST_CASE("erratum-383 fix-trampoline: swapper_pg_dir never holds a low mapping", "[bundled][erratum]") {
    const Lesson lesson = loadLesson(lessonPath("erratum-383"));
    LessonRun run(lesson, "fix-trampoline");
    const u64 swapper = *run.timeline().head().tableNamed("swapper_pg_dir");
    const u64 kernelPgd = run.timeline().head().memory().read64(swapper + 3 * 8);
    for (std::size_t step = run.setupEnd(); step <= run.timeline().size(); ++step) {
        const Machine& m = run.timeline().seek(step);
        INFO("timeline step " << step);
        CHECK(m.memory().read64(swapper) != kernelPgd);
    }
}

TEST_CASE("fix-cost: solution 1 flushes and misses more than solution 2 on the same workload", "[bundled][cost]") {
    const Lesson lesson = loadLesson(lessonPath("fix-cost"));
    LessonRun flush(lesson, "fix-flush");
    LessonRun tramp(lesson, "fix-trampoline");
    requireAllPassed(flush);
    requireAllPassed(tramp);
    REQUIRE(flush.steps().size() == tramp.steps().size());
    const CpuStats& a = flush.timeline().head().cpu(1).stats;
    const CpuStats& b = tramp.timeline().head().cpu(1).stats;
    CHECK(a.contextSwitches == b.contextSwitches);
    CHECK(a.flushAll > b.flushAll);
    CHECK(a.misses > b.misses);
    CHECK(a.hits < b.hits);
    CHECK(a.lookups == b.lookups);  // same workload: same accesses
    // The step switching between two processes (not from swapper_pg_dir) costs the same.
    CHECK(flush.steps()[1].stats[1].flushAll == 0);
    CHECK(flush.steps()[1].stats[1].misses == tramp.steps()[1].stats[1].misses);
}

TEST_CASE("lazy-tlb: flush_tlb_all moves the lazy CPU onto swapper_pg_dir", "[bundled]") {
    LessonRun run(loadLesson(lessonPath("lazy-tlb")));
    requireAllPassed(run);
    const Lesson& l = run.lesson();
    for (const auto& s : run.steps())
        if (run.lessonStep(s).title.rfind("flush_tlb_all", 0) == 0) {
            const Machine& before = run.timeline().seek(s.firstOp);
            CHECK(before.tableName(before.cpu(1).regs.cr3) == "bash pgd");
            const Machine& after = run.timeline().seek(s.lastOp);
            CHECK(after.tableName(after.cpu(1).regs.cr3) == "swapper_pg_dir");
            return;
        }
    FAIL("no flush_tlb_all step in " << l.path);
}

TEST_CASE("every played step of a bundled lesson has narration; every lesson cites its sources", "[bundled]") {
    for (const auto& e : std::filesystem::directory_iterator(TLBLAB_TEST_LESSON_DIR)) {
        if (e.path().extension() != ".yaml") continue;
        const Lesson lesson = loadLesson(e.path().string());
        INFO(lesson.id);
        CHECK(!lesson.references.empty());
        CHECK(!lesson.summary.empty());
        CHECK(lesson.minutes > 0);
        for (const auto& v : lesson.variants) {
            CHECK(!v.description.empty());
            for (const auto& s : lesson.steps)
                if (s.appliesTo(v.name)) {
                    INFO(v.name << ": " << s.title);
                    CHECK(s.narrationIn(v.name).size() > 80);
                }
        }
    }
}

TEST_CASE("erratum-383 cites the fix, the mail and the revision guide, and asks questions at the key steps",
          "[bundled][erratum]") {
    const Lesson lesson = loadLesson(lessonPath("erratum-383"));
    std::string sources;
    for (const auto& r : lesson.references) sources += r.title + " | " + r.source + "\n";
    CHECK(sources.find("fd89a137924e") != std::string::npos);
    CHECK(sources.find("41322") != std::string::npos);
    CHECK(sources.find("LKML") != std::string::npos);
    CHECK(sources.find("SDM") != std::string::npos);
    int questions = 0;
    for (const auto& s : lesson.steps) questions += s.question ? 1 : 0;
    CHECK(questions >= 3);
    // Narration differs where the variants differ: the step with the fatal access.
    for (const auto& s : lesson.steps)
        if (s.title == "bash touches its page again") {
            CHECK(s.narrationIn("buggy") != s.narrationIn("fix-flush"));
            CHECK(s.narrationIn("buggy") != s.narrationIn("fix-trampoline"));
            CHECK(s.narrationIn("buggy") != s.narrationIn("buggy-correct-cpu"));
            CHECK(s.narrationIn("buggy").find("0xb600000000010015") != std::string::npos);
        }
}

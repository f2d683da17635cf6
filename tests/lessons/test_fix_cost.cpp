// SPDX-License-Identifier: GPL-3.0-or-later
// The fix-cost comparison the plots show (queries.hpp), over the bundled lessons.
#include "tlblab/lesson.hpp"
#include "tlblab/queries.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>

using namespace tlblab;

namespace {
std::string lessonPath(const std::string& id) { return std::string(TLBLAB_TEST_LESSON_DIR) + "/" + id + ".yaml"; }
}  // namespace

TEST_CASE("the fix-cost comparison plays lesson 5 under both fixes", "[fixcost]") {
    std::vector<std::string> all;
    for (const auto& f : std::filesystem::directory_iterator(TLBLAB_TEST_LESSON_DIR))
        if (f.path().extension() == ".yaml") all.push_back(f.path().string());
    const FixCostComparison r = compareFixCosts(all);
    CHECK(std::filesystem::path(r.lessonPath).stem() == "fix-cost");
    CHECK(r.lessonTitle == loadLesson(lessonPath("fix-cost")).title);
    REQUIRE(r.costs.size() == 2);
    CHECK(r.costs[0].variant == "fix-flush");
    CHECK(r.costs[1].variant == "fix-trampoline");
    // The same figures as playing the runs by hand.
    const Lesson lesson = loadLesson(lessonPath("fix-cost"));
    const LessonRun flush(lesson, "fix-flush");
    const FixCost byHand = fixCostOf(flush.timeline().head(), "fix-flush");
    CHECK(r.costs[0].misses == byHand.misses);
    CHECK(r.costs[0].contextSwitches == byHand.contextSwitches);
    CHECK(r.costs[0].contextSwitches > 0);
    CHECK(r.costs[0].contextSwitches == r.costs[1].contextSwitches);
    CHECK(r.costs[0].flushAll > r.costs[1].flushAll);
    CHECK(r.costs[0].missesPerSwitch() > r.costs[1].missesPerSwitch());
}

TEST_CASE("the fix-cost comparison prefers order 5, falls back to the open lesson, else fails", "[fixcost]") {
    // erratum-383 has both fixes but is not order 5: fix-cost still comes first.
    const FixCostComparison r = compareFixCosts({lessonPath("erratum-383"), lessonPath("fix-cost")});
    CHECK(std::filesystem::path(r.lessonPath).stem() == "fix-cost");
    const FixCostComparison only = compareFixCosts({lessonPath("erratum-383")});
    CHECK(std::filesystem::path(only.lessonPath).stem() == "erratum-383");
    const FixCostComparison fallback = compareFixCosts({}, lessonPath("erratum-383"));
    CHECK(std::filesystem::path(fallback.lessonPath).stem() == "erratum-383");
    CHECK_THROWS_AS(compareFixCosts({}), std::runtime_error);
}

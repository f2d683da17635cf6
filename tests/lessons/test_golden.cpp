// SPDX-License-Identifier: GPL-3.0-or-later
// Golden JSON traces of lesson 4 (erratum-383), one per variant: the exact output of
//   tlblab-cli run erratum-383 --variant V --format json
// Regenerate after an intended change with tests/lessons/regen-golden.sh and review the diff.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tlblab;

namespace {
// Expectation positions move with every edit of the lesson file; the trace is what matters.
void dropPositions(nlohmann::json& j) {
    for (auto& step : j)
        for (auto& e : step["expectations"]) e.erase("at");
}
}  // namespace

TEST_CASE("erratum-383 traces match the golden files", "[golden]") {
    const Lesson lesson = loadLesson(std::string(TLBLAB_TEST_LESSON_DIR) + "/erratum-383.yaml");
    for (const auto& v : lesson.variants) {
        DYNAMIC_SECTION(v.name) {
            const std::string path = std::string(TLBLAB_TEST_DATA_DIR) + "/golden/erratum-383." + v.name + ".json";
            std::ifstream in(path);
            REQUIRE(in.good());
            nlohmann::json golden = nlohmann::json::parse(in);
            LessonRun run(lesson, v.name);
            nlohmann::json now = runJson(run);
            dropPositions(golden);
            dropPositions(now);
            const nlohmann::json patch = nlohmann::json::diff(golden, now);
            INFO("differences (JSON patch from the golden file to now): " << patch.dump().substr(0, 2000));
            CHECK(patch.empty());
        }
    }
}

TEST_CASE("the golden buggy trace ends in the machine check on cpu1", "[golden]") {
    std::ifstream in(std::string(TLBLAB_TEST_DATA_DIR) + "/golden/erratum-383.buggy.json");
    const nlohmann::json golden = nlohmann::json::parse(in);
    REQUIRE(golden.is_array());
    const nlohmann::json& last = golden.back();
    CHECK(last["cpus"][1]["mce"]["mc0_status"] == "0xb600000000010015");
    CHECK(last["cpus"][0]["mce"].is_null());
    CHECK(last["cpus"][2]["mce"].is_null());
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The broken-lesson corpus: each tests/lessons/broken/*.yaml starts with
//   # expect: LINE:COL: MESSAGE
// and loading it (or, for errors only a run can find, playing it under each variant) must fail
// with exactly FILE:LINE:COL: error: MESSAGE.
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace tlblab;

namespace {
std::string firstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// The error of loading and playing every variant, or "" if there is none.
std::string errorOf(const std::string& path) {
    try {
        const Lesson lesson = loadLesson(path);
        for (const auto& v : lesson.variants) LessonRun run(lesson, v.name);
    } catch (const OpError& e) {
        return e.format();
    }
    return {};
}
}  // namespace

TEST_CASE("every broken lesson fails with its exact FILE:LINE:COL error", "[broken]") {
    const std::string dir = std::string(TLBLAB_TEST_DATA_DIR) + "/broken";
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 30);
    for (const auto& f : files) {
        DYNAMIC_SECTION(std::filesystem::path(f).filename().string()) {
            const std::string head = firstLine(f);
            const std::string tag = "# expect: ";
            REQUIRE(head.rfind(tag, 0) == 0);
            const std::string expected = head.substr(tag.size());
            const std::size_t colon2 = expected.find(": ");
            REQUIRE(colon2 != std::string::npos);
            const std::string want = f + ":" + expected.substr(0, colon2) + ": error: " + expected.substr(colon2 + 2);
            CHECK(errorOf(f) == want);
        }
    }
}

TEST_CASE("a file that cannot be read is an error at the file, not a crash", "[broken]") {
    try {
        loadLesson(std::string(TLBLAB_TEST_DATA_DIR) + "/broken/no-such-file.yaml");
        FAIL("loaded a missing file");
    } catch (const OpError& e) {
        CHECK(e.loc().line == 0);
        CHECK(std::string(e.what()) == "cannot read the lesson file");
    }
    CHECK_THROWS_AS(loadLesson(std::string(TLBLAB_TEST_DATA_DIR) + "/broken"), OpError);
}

TEST_CASE("garbage never crashes the loader", "[broken]") {
    // Truncations of a real lesson at every 97th byte: each either loads or throws OpError.
    std::ifstream in(std::string(TLBLAB_TEST_LESSON_DIR) + "/erratum-383.yaml");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(text.size() > 1000);
    int loaded = 0, rejected = 0;
    for (std::size_t n = 0; n < text.size(); n += 97) {
        try {
            (void)parseLesson(text.substr(0, n), "cut.yaml");
            ++loaded;
        } catch (const OpError& e) {
            ++rejected;
            CHECK(e.loc().file == "cut.yaml");
        }
    }
    CHECK(rejected > 0);
    CHECK(loaded + rejected > 10);
}

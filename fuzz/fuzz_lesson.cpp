// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the lesson loader, which also reads the explorer's trace files (a trace is a
// lesson). Loads the bytes as a lesson; a lesson that loads is played under every variant.
// Every failure must be an OpError; anything else escaping is a crash.
#include "fuzz_common.hpp"

#include "tlblab/lesson.hpp"


using namespace tlblab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return 0;
    Lesson lesson;
    try {
        lesson = parseLesson(fuzz::text(data, size), "fuzz.yaml");
    } catch (const OpError& e) {
        (void)e.format();
        return 0;
    }
    if (lesson.variants.empty()) fuzz::invariantFailed("a loaded lesson has no variant");
    std::size_t ops = lesson.setup.size();
    for (const auto& s : lesson.steps) ops += s.ops.size();
    if (ops > fuzz::kMaxOps) return 0;
    for (const auto& v : lesson.variants) {
        try {
            LessonRun run(lesson, v.name);
            (void)run.allPassed();
            for (const auto& f : run.failures()) (void)f.message;
            if (!run.steps().empty()) {
                run.timeline().seek(0);
                run.timeline().seek(run.steps().back().lastOp);
            }
        } catch (const OpError& e) {
            (void)e.format();
        }
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the fuzz targets that take lesson text (fuzz_lesson_export, fuzz_svg): the bytes as a
// lesson, or nothing when the loader refuses them or they hold more work than a run measures.
#pragma once

#include "fuzz_common.hpp"

#include "tlblab/lesson.hpp"

#include <optional>

namespace tlblab::fuzz {

inline std::optional<Lesson> lessonInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) return std::nullopt;
    Lesson lesson;
    try {
        lesson = parseLesson(text(data, size), "fuzz.yaml");
    } catch (const OpError&) {
        return std::nullopt;
    }
    std::size_t ops = lesson.setup.size();
    for (const auto& s : lesson.steps) ops += s.ops.size();
    if (ops > kMaxOps || lesson.variants.empty()) return std::nullopt;
    return lesson;
}

}  // namespace tlblab::fuzz

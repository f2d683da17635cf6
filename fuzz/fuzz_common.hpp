// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the fuzz targets: input size and work caps, so a run measures robustness, not patience.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tlblab::fuzz {

constexpr std::size_t kMaxInput = 64 * 1024;  // bytes of one input
constexpr std::size_t kMaxOps = 200;          // operations executed per input

inline std::string text(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// A broken invariant: print it and abort, so libFuzzer (and the replay test) records a crash.
[[noreturn]] inline void invariantFailed(const std::string& what) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what.c_str());
    std::abort();
}

}  // namespace tlblab::fuzz

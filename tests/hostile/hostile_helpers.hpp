// Helpers shared by the hostile-input tests.
#pragma once

#include "tlblab/ops.hpp"

#include <string>

namespace tlblab::test {

// The formatted OpError `f` throws, "" when it throws none.
template <typename F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const OpError& e) {
        return e.format();
    }
    return {};
}

inline std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace tlblab::test

// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the hostile-input tests.
#pragma once

#include "tlblab/ops.hpp"

#include <csignal>
#include <string>
#include <sys/resource.h>

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

// While it lives, files can grow to `bytes` only: a write past it fails with EFBIG (SIGXFSZ is
// ignored), as on a full disk. Tests use it to check that a short write leaves the old file.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        ::getrlimit(RLIMIT_FSIZE, &m_old);
        m_oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit r = m_old;
        r.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &m_old);
        std::signal(SIGXFSZ, m_oldHandler);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit m_old{};
    void (*m_oldHandler)(int) = nullptr;
};

}  // namespace tlblab::test

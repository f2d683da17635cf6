// SPDX-License-Identifier: GPL-3.0-or-later
#include "progress.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace tlblab::cli {

namespace {
bool stderrIsTerminal() {
    const char* term = std::getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string number(double v) { return v == std::floor(v) && v < 1e15 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v); }
}  // namespace

Progress::Progress(std::string what, double total, std::string unit)
    : m_what(std::move(what)), m_unit(std::move(unit)), m_total(total), m_active(stderrIsTerminal()),
      m_start(std::chrono::steady_clock::now()), m_last(m_start - std::chrono::seconds(1)) {}

Progress::~Progress() { clear(); }

std::string Progress::line(const std::string& what, double done, double total, const std::string& unit, double seconds) {
    std::string s = fmt::format("{} {}/{} {}", what, number(done), number(total), unit);
    if (seconds > 0 && done > 0) {
        const double rate = done / seconds;
        s += rate >= 100 ? fmt::format(", {:.0f}/s", rate) : fmt::format(", {:.1f}/s", rate);
        if (done < total) s += fmt::format(", {:.0f} s left", std::ceil((total - done) / rate));
    }
    return s;
}

void Progress::update(double done) {
    if (!m_active) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(100) && done < m_total) return;
    m_last = now;
    const double seconds = std::chrono::duration<double>(now - m_start).count();
    std::fprintf(stderr, "\r\033[K%s", line(m_what, done, m_total, m_unit, seconds).c_str());
    std::fflush(stderr);
    m_shown = true;
}

void Progress::clear() {
    if (!m_active || !m_shown) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    m_shown = false;
    m_last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
}

}  // namespace tlblab::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// A progress line for long commands (check of a folder, export of many steps, stress): one line on
// stderr, rewritten in place with done/total, rate and time left. Silent unless stderr is a
// terminal (TERM not "dumb"), so pipes, logs and tests see nothing of it.
#pragma once

#include <chrono>
#include <string>

namespace tlblab::cli {

class Progress {
public:
    Progress(std::string what, double total, std::string unit);
    ~Progress();  // clears the line
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void update(double done);  // redraws at most 10 times a second
    void clear();              // wipes the line before other output; the next update redraws it
    bool active() const { return m_active; }
    // The line's text (public for tests): "check 3/9 lessons, 2.5/s, 2 s left".
    static std::string line(const std::string& what, double done, double total, const std::string& unit, double seconds);

private:
    std::string m_what, m_unit;
    double m_total;
    bool m_active;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_start, m_last;
};

}  // namespace tlblab::cli

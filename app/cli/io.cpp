// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.hpp"

#include <fstream>
#include <iostream>
#include <stdexcept>

namespace tlblab::cli {

namespace {
// A script is data; past this size it is an error, not an attempt (a pipe from /dev/zero included).
constexpr std::size_t kMaxInputBytes = std::size_t{16} << 20;

std::string readCapped(std::istream& in, const std::string& path) {
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxInputBytes)
            throw std::runtime_error(path + ": larger than 16 MiB, the limit for a script");
    }
    if (in.bad()) throw std::runtime_error(path + ": read error");
    return text;
}
}  // namespace

std::string readInput(const std::string& path) {
    if (path == "-") return readCapped(std::cin, "<stdin>");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open for reading");
    return readCapped(in, path);
}

}  // namespace tlblab::cli

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/script_file.hpp"

#include "tlblab/ops.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace tlblab {

namespace {

std::string readCapped(int fd, const std::string& name) {
    std::string text;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(fmt::format("{}: read error: {}", name, std::generic_category().message(errno)));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxScriptBytes)
            throw OpError(offsetLoc(text, kMaxScriptBytes, name),
                          fmt::format("a script may have at most {} bytes (16 MiB); this byte is past the limit",
                                      kMaxScriptBytes));
    }
    return text;
}

}  // namespace

std::string readScriptFile(const std::string& path) {
    if (path == "-") {
        struct stat st {};
        if (::fstat(STDIN_FILENO, &st) != 0)
            throw std::runtime_error("<stdin>: standard input is closed (give a script file, or pipe one in)");
        if (S_ISDIR(st.st_mode)) throw std::runtime_error("<stdin>: standard input is a directory, not a script");
        return readCapped(STDIN_FILENO, "<stdin>");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(path + ": cannot open for reading: " + std::generic_category().message(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw std::runtime_error(path + ": is a directory, not a script");
    }
    try {
        std::string text = readCapped(fd, path);
        ::close(fd);
        return text;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
// Reading an operation-language script from a file or standard input, within the script limit.
// Shared by tlblab-cli (exec, export) and the app's session loader.
#pragma once

#include <cstddef>
#include <string>

namespace tlblab {

// A script is data: past this size it is an error, not an attempt (a pipe from /dev/zero included).
constexpr std::size_t kMaxScriptBytes = std::size_t{16} << 20;

// The whole script at `path` ("-": standard input, named "<stdin>"), reading at most one byte past
// kMaxScriptBytes. Throws OpError at the first byte past the limit ("FILE:LINE:COL"), and
// std::runtime_error naming the path for a directory, a closed standard input or a read error.
std::string readScriptFile(const std::string& path);

}  // namespace tlblab

// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.hpp"

#include "tlblab/script_file.hpp"

namespace tlblab::cli {

std::string readInput(const std::string& path) { return readScriptFile(path); }

}  // namespace tlblab::cli

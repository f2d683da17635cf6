// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli subcommands. Each file registers its own subcommand; main() only wires them.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace tlblab::cli {

// Exit statuses shared by every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitExpectationFailed = 1;
constexpr int kExitBadInput = 2;

struct Context {
    int exitCode = kExitOk;
};

void registerExec(CLI::App& app, Context& ctx);
void registerBench(CLI::App& app, Context& ctx);
void registerLessonCommands(CLI::App& app, Context& ctx);  // list, run, check
void registerExport(CLI::App& app, Context& ctx);          // export
void registerExplore(CLI::App& app, Context& ctx);         // explore, stress

// Reads a whole script file (or stdin for "-"); throws std::runtime_error naming the path (a
// directory, closed standard input, an unreadable file) or OpError at the byte past 16 MiB.
std::string readInput(const std::string& path);

}  // namespace tlblab::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli: the headless front end. Parses arguments and dispatches; no logic here.
#include "commands.hpp"

#include "tlblab/version.hpp"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"TLB Lab command line: run lessons and scripts of the x86 PAE / TLB / erratum 383 simulator",
                 "tlblab-cli"};  // the name in usage lines (and the man page), not argv[0]'s path
    app.footer("Exit status: 0 success; 1 an expectation failed (run, check); 2 bad input (a file that does not "
               "load, with FILE:LINE:COL; a bad option; an unwritable output).\n"
               "--format json prints one JSON object per line (run: one object), each with a \"schema\" version.\n"
               "'tlblab-cli SUBCOMMAND --help' describes each subcommand; man tlblab-cli has them all.");
    app.set_version_flag("--version", std::string("tlblab-cli ") + tlblab::kVersion);
    app.require_subcommand(1);
    tlblab::cli::Context ctx;
    tlblab::cli::registerExec(app, ctx);
    tlblab::cli::registerLessonCommands(app, ctx);
    tlblab::cli::registerExport(app, ctx);
    tlblab::cli::registerExplore(app, ctx);
    tlblab::cli::registerBench(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return tlblab::cli::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "tlblab-cli: error: " << e.what() << "\n";
        return tlblab::cli::kExitBadInput;
    }
    return ctx.exitCode;
}

// Placeholder until `tlblab-cli explore` and `stress` land (issue 6): registers nothing yet.
#include "commands.hpp"
namespace tlblab::cli {
void registerExplore(CLI::App&, Context&) {}
}  // namespace tlblab::cli

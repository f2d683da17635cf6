// Placeholder until `tlblab-cli export` lands (issue 5): registers nothing yet.
#include "commands.hpp"
namespace tlblab::cli {
void registerExport(CLI::App&, Context&) {}
}  // namespace tlblab::cli

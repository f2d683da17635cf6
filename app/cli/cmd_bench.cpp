#include "commands.hpp"
namespace tlblab::cli {
void registerBench(CLI::App&, Context&) {}
}  // namespace tlblab::cli

// Placeholder until the lesson commands land (issue 3): registers nothing yet.
#include "commands.hpp"

namespace tlblab::cli {
void registerLessonCommands(CLI::App&, Context&) {}
}  // namespace tlblab::cli

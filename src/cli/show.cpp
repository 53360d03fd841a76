// TEMPORARY STUB: replaced by the real command.
#include "cli/commands.h"

namespace hearth::cli {
void register_show(CLI::App& app, Handler& handler) {
  auto* cmd = app.add_subcommand("show", "(not yet implemented)");
  cmd->callback([&handler] { handler = [] { return 3; }; });
}
}  // namespace hearth::cli

// TEMPORARY STUB: replaced by the real command.
#include "cli/commands.h"

namespace hearth::cli {
void register_template(CLI::App& app, Handler& handler) {
  auto* cmd = app.add_subcommand("template", "(not yet implemented)");
  cmd->callback([&handler] { handler = [] { return 3; }; });
}
}  // namespace hearth::cli

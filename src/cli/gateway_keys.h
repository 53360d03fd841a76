// `hearth gateway keys add|list|remove`: the gateway's API keys (gateway/keys.h),
// registered under the `gateway` command by register_gateway.
#pragma once

#include "cli/commands.h"

namespace hearth::cli {

// Adds the `keys` subcommand (and its add, list, remove) to `gateway`.
// Returns it, so `gateway`'s own callback can tell it was used.
CLI::App* register_gateway_keys(CLI::App& gateway, Handler& handler);

}  // namespace hearth::cli

// Each subcommand lives in its own file and registers itself on the app.
// A handler returns the process exit code; library errors (hearth::Error)
// thrown from a handler are printed by main as "hearth: error: ..." (exit 1).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace hearth::cli {

// Set by a command's callback; run by main after parsing.
using Handler = std::function<int()>;

void register_show(CLI::App& app, Handler& handler);
void register_tokenize(CLI::App& app, Handler& handler);
void register_template(CLI::App& app, Handler& handler);
void register_bench(CLI::App& app, Handler& handler);
void register_logits(CLI::App& app, Handler& handler);
void register_run(CLI::App& app, Handler& handler);
void register_serve(CLI::App& app, Handler& handler);
void register_plan(CLI::App& app, Handler& handler);
void register_fit(CLI::App& app, Handler& handler);
void register_cost(CLI::App& app, Handler& handler);
void register_tokens(CLI::App& app, Handler& handler);
void register_gateway(CLI::App& app, Handler& handler);
void register_audit(CLI::App& app, Handler& handler);
void register_quantize(CLI::App& app, Handler& handler);
void register_imatrix(CLI::App& app, Handler& handler);
void register_perplexity(CLI::App& app, Handler& handler);
void register_convert(CLI::App& app, Handler& handler);

}  // namespace hearth::cli

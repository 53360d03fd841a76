// hearth: one binary, one subcommand per file in src/cli.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"hearth: private, local AI — GGUF models on your own hardware", "hearth"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth 0.1.0");

  hearth::cli::Handler handler;
  hearth::cli::register_show(app, handler);
  hearth::cli::register_tokenize(app, handler);
  hearth::cli::register_template(app, handler);
  hearth::cli::register_bench(app, handler);
  hearth::cli::register_logits(app, handler);
  hearth::cli::register_run(app, handler);
  hearth::cli::register_serve(app, handler);
  hearth::cli::register_plan(app, handler);
  hearth::cli::register_fit(app, handler);
  hearth::cli::register_cost(app, handler);
  hearth::cli::register_tokens(app, handler);
  hearth::cli::register_gateway(app, handler);
  hearth::cli::register_audit(app, handler);
  hearth::cli::register_quantize(app, handler);
  hearth::cli::register_imatrix(app, handler);
  hearth::cli::register_perplexity(app, handler);
  hearth::cli::register_convert(app, handler);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return handler ? handler() : 0;
  } catch (const hearth::Error& e) {
    std::fprintf(stderr, "hearth: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth: internal error: %s\n", e.what());
    return 2;
  }
}

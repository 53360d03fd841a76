// hearth perplexity MODEL --text F [--ctx N] [--batch N] [--threads N] [--json] [--kl-base BASE.gguf]
//
// Perplexity of a model over a text file with the reference's method
// (engine/perplexity.h): chunks of --ctx tokens, the second half of each
// scored. Progress (running perplexity per chunk) goes to stderr; the result
// to stdout, as `PPL = x +/- y` or one JSON object. With --kl-base the base
// model runs on the same chunks and the KL divergence KL(base || model),
// top-1 agreement and Δp = p_model − p_base of the actual next token are
// reported too (a quantization's damage, measured against its original).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kl_json.h"
#include "core/error.h"
#include "core/file_text.h"
#include "core/thread_pool.h"
#include "engine/perplexity.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;

struct PerplexityCliOptions {
  std::string model, text, kl_base;
  int64_t ctx = 512;
  int64_t batch = 512;
  int threads = 0;
  bool json = false;
};

void print_progress(const engine::ChunkProgress& p) {
  std::fprintf(stderr, "[%lld/%lld] ppl %.4f", static_cast<long long>(p.chunk), static_cast<long long>(p.n_chunks), p.ppl);
  if (p.base_ppl) std::fprintf(stderr, "  base ppl %.4f", *p.base_ppl);
  if (p.kl_mean) std::fprintf(stderr, "  KL %.6f", *p.kl_mean);
  std::fprintf(stderr, "\n");
}

Json run_json(const PerplexityCliOptions& o, const engine::PerplexityResult& r) {
  Json j;
  j["model"] = o.model;
  j["text"] = o.text;
  j["n_ctx"] = r.n_ctx;
  j["n_batch"] = o.batch;
  j["n_chunks"] = r.n_chunks;
  j["n_tokens"] = r.n_tokens;
  j["n_tokens_scored"] = r.n_tokens_scored;
  j["mean_nll"] = r.mean_nll;
  j["ppl"] = r.ppl;
  j["stderr"] = r.ppl_stderr;
  return j;
}

void add_kl_json(Json& j, const std::string& base, const engine::KlResult& r) {
  j["base"] = base;
  j["base_ppl"] = r.base.ppl;
  j["base_stderr"] = r.base.ppl_stderr;
  add_kl_fields(j, r);
}

void print_kl(const engine::KlResult& r) {
  std::printf("Base PPL = %.4f +/- %.5f\n", r.base.ppl, r.base.ppl_stderr);
  std::printf("KL(base || model) = %.6f +/- %.6f nats (max %.6f)\n", r.kl_mean, r.kl_stderr, r.kl_max);
  std::printf("Top-1 agreement = %.3f +/- %.3f %%\n", r.top1_agreement, r.top1_stderr);
  std::printf("Delta p = %.5f +/- %.5f (RMS %.5f)\n", r.delta_p_mean, r.delta_p_stderr, r.delta_p_rms);
}

int run_perplexity(const PerplexityCliOptions& o) {
  const std::string text = read_file_text(o.text, "text file");
  auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_gguf(model->file());
  const auto [tokens, opt] = engine::perplexity_input(tok, text, o.ctx, o.batch);
  ThreadPool pool(o.threads);

  if (o.kl_base.empty()) {
    const auto r = engine::evaluate_perplexity(*model, pool, tokens, opt, print_progress);
    if (o.json) {
      std::printf("%s\n", run_json(o, r).dump().c_str());
    } else {
      std::printf("PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_stderr);
    }
    return 0;
  }
  auto base = model::Model::load(o.kl_base);
  engine::require_same_vocab(tok.vocab(), tokenizer::Vocab::from_gguf(base->file()));
  const auto r = engine::evaluate_kl_divergence(*model, *base, pool, tokens, opt, print_progress);
  if (o.json) {
    Json j = run_json(o, r.model);
    add_kl_json(j, o.kl_base, r);
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("PPL = %.4f +/- %.5f\n", r.model.ppl, r.model.ppl_stderr);
    print_kl(r);
  }
  return 0;
}

}  // namespace

void register_perplexity(CLI::App& app, Handler& handler) {
  auto opt = std::make_shared<PerplexityCliOptions>();
  auto* cmd = app.add_subcommand(
      "perplexity", "Perplexity of a model over a text (and KL divergence from a base model with --kl-base)");
  cmd->add_option("model", opt->model, "GGUF model file")->required();
  cmd->add_option("--text,-f", opt->text, "Text file to score (needs at least 2 x --ctx tokens)")->required();
  cmd->add_option("--ctx,-c", opt->ctx, "Tokens per chunk; the second half of each chunk is scored (default 512)")
      ->check(CLI::Range(int64_t{4}, int64_t{1} << 24));
  cmd->add_option("--batch,-b", opt->batch, "Tokens per forward step (default 512)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--threads,-t", opt->threads, "Threads (default: all cores)");
  cmd->add_flag("--json", opt->json, "Print the result as one JSON object");
  cmd->add_option("--kl-base", opt->kl_base,
                  "Base model (same vocabulary, e.g. the F32/F16 original) to compare with: KL divergence, "
                  "top-1 agreement, delta p");
  cmd->callback([opt, &handler] { handler = [opt] { return run_perplexity(*opt); }; });
}

}  // namespace hearth::cli

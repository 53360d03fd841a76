#include "engine/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "engine/prediction_stats.h"
#include "engine/session.h"

namespace hearth::engine {

PerplexityInput perplexity_input(const tokenizer::Tokenizer& tok, const std::string& text, int64_t n_ctx,
                                 int64_t n_batch) {
  PerplexityInput in;
  in.tokens = tok.encode(text, /*add_special=*/true, /*parse_special=*/false);
  in.options.n_ctx = n_ctx;
  in.options.n_batch = n_batch;
  if (tok.add_bos() && tok.bos() != tokenizer::kNoToken) in.options.bos = tok.bos();
  return in;
}

namespace {

constexpr int64_t kMinCtx = 4;  // n_ctx/2 context tokens and at least one scored position

// One model evaluating chunks: each from an empty KV cache, logits for every
// position ([n_ctx][n_vocab], valid until the next call).
class ChunkRunner {
 public:
  ChunkRunner(const model::Model& model, ThreadPool& pool, const PerplexityOptions& opt)
      : session_(model, pool, opt.n_ctx, TensorType::F16, opt.n_batch) {}

  const std::vector<float>& logits(std::span<const int32_t> chunk) {
    session_.reset();
    return session_.eval(chunk, /*all_logits=*/true);
  }
  int64_t n_vocab() const { return session_.n_vocab(); }

 private:
  Session session_;
};

// Chunk c of the text, its first token replaced by BOS when there is one.
void cut_chunk(std::span<const int32_t> tokens, const ChunkPlan& plan, int64_t c,
               const std::optional<int32_t>& bos, std::vector<int32_t>& out) {
  const auto begin = tokens.begin() + c * plan.n_ctx;
  out.assign(begin, begin + plan.n_ctx);
  if (bos) out.front() = *bos;
}

void check_options(const PerplexityOptions& opt) {
  if (opt.n_batch < 1) throw Error("perplexity: the batch size must be at least 1 (got " + std::to_string(opt.n_batch) + ")");
}

PerplexityResult result_of(const ChunkPlan& plan, int64_t n_tokens, const PerplexityEstimate& est) {
  PerplexityResult r;
  r.n_ctx = plan.n_ctx;
  r.n_chunks = plan.n_chunks;
  r.n_tokens = n_tokens;
  r.n_tokens_scored = est.count();
  r.mean_nll = est.mean_nll();
  r.ppl = est.ppl();
  r.ppl_stderr = est.ppl_stderr();
  return r;
}

// Row j of a chunk's logits [n_ctx][n_vocab].
std::span<const float> logits_row(const std::vector<float>& logits, int64_t j, int64_t n_vocab) {
  return {logits.data() + j * n_vocab, static_cast<size_t>(n_vocab)};
}

// Calls score(j, next) for every scored position j of a chunk, next being
// the token it predicts: the one place that says which positions count.
template <class Score>
void for_scored(const ChunkPlan& plan, const std::vector<int32_t>& chunk, Score score) {
  for (int64_t j = plan.first_scored; j < plan.n_ctx - 1; ++j) score(j, static_cast<size_t>(chunk[static_cast<size_t>(j + 1)]));
}

}  // namespace

ChunkPlan plan_chunks(int64_t n_tokens, int64_t n_ctx, int64_t model_ctx) {
  if (n_ctx < kMinCtx) {
    throw Error("perplexity: --ctx must be at least " + std::to_string(kMinCtx) + " (got " + std::to_string(n_ctx) + ")");
  }
  if (model_ctx > 0 && n_ctx > model_ctx) {
    throw Error("perplexity: --ctx " + std::to_string(n_ctx) + " is larger than the model's context of " +
                std::to_string(model_ctx) + " tokens (use --ctx " + std::to_string(model_ctx) + " or less)");
  }
  if (n_tokens < 2 * n_ctx) {
    throw Error("perplexity: the text has " + std::to_string(n_tokens) + " tokens, but --ctx " +
                std::to_string(n_ctx) + " needs at least " + std::to_string(2 * n_ctx) +
                " (two chunks): use a longer text or a smaller --ctx");
  }
  return ChunkPlan{n_ctx, n_tokens / n_ctx, n_ctx / 2};
}

PerplexityResult evaluate_perplexity(const model::Model& model, ThreadPool& pool,
                                     std::span<const int32_t> tokens, const PerplexityOptions& opt,
                                     const ProgressFn& progress) {
  check_options(opt);
  const auto n_tokens = static_cast<int64_t>(tokens.size());
  const ChunkPlan plan = plan_chunks(n_tokens, opt.n_ctx, model.hparams().n_ctx_train);
  ChunkRunner runner(model, pool, opt);
  PerplexityEstimate est;
  std::vector<int32_t> chunk;
  std::vector<double> logp;
  for (int64_t c = 0; c < plan.n_chunks; ++c) {
    cut_chunk(tokens, plan, c, opt.bos, chunk);
    const std::vector<float>& logits = runner.logits(chunk);
    for_scored(plan, chunk, [&](int64_t j, size_t next) {
      log_softmax(logits_row(logits, j, runner.n_vocab()), logp);
      est.add_nll(-logp[next]);
    });
    if (progress) progress(ChunkProgress{c + 1, plan.n_chunks, est.ppl(), std::nullopt, std::nullopt});
  }
  return result_of(plan, n_tokens, est);
}

KlResult evaluate_kl_divergence(const model::Model& model, const model::Model& base, ThreadPool& pool,
                                std::span<const int32_t> tokens, const PerplexityOptions& opt,
                                const ProgressFn& progress) {
  check_options(opt);
  const int64_t n_vocab = model.hparams().n_vocab;
  if (base.hparams().n_vocab != n_vocab) {
    throw Error("perplexity: the base model has " + std::to_string(base.hparams().n_vocab) +
                " tokens in its vocabulary but the model has " + std::to_string(n_vocab) +
                ": --kl-base needs a model with the same vocabulary (e.g. another quantization of it)");
  }
  const auto n_tokens = static_cast<int64_t>(tokens.size());
  // Both models must hold a chunk; a context of 0 (not in the file) is not checked.
  const int64_t ctx_a = model.hparams().n_ctx_train, ctx_b = base.hparams().n_ctx_train;
  const int64_t model_ctx = ctx_a > 0 && ctx_b > 0 ? std::min(ctx_a, ctx_b) : std::max(ctx_a, ctx_b);
  const ChunkPlan plan = plan_chunks(n_tokens, opt.n_ctx, model_ctx);
  ChunkRunner run_model(model, pool, opt), run_base(base, pool, opt);
  PerplexityEstimate ppl_model, ppl_base;
  MeanEstimate kl, top1, delta_p;
  double kl_max = 0.0;
  std::vector<int32_t> chunk;
  std::vector<double> logq, logp;
  for (int64_t c = 0; c < plan.n_chunks; ++c) {
    cut_chunk(tokens, plan, c, opt.bos, chunk);
    const std::vector<float>& base_logits = run_base.logits(chunk);
    const std::vector<float>& model_logits = run_model.logits(chunk);
    for_scored(plan, chunk, [&](int64_t j, size_t next) {
      log_softmax(logits_row(base_logits, j, n_vocab), logp);
      log_softmax(logits_row(model_logits, j, n_vocab), logq);
      ppl_model.add_nll(-logq[next]);
      ppl_base.add_nll(-logp[next]);
      const double kl_j = kl_divergence(logp, logq);
      kl.add(kl_j);
      kl_max = std::max(kl_max, kl_j);
      top1.add(argmax(logp) == argmax(logq) ? 1.0 : 0.0);
      delta_p.add(std::exp(logq[next]) - std::exp(logp[next]));
    });
    if (progress) progress(ChunkProgress{c + 1, plan.n_chunks, ppl_model.ppl(), ppl_base.ppl(), kl.mean()});
  }
  KlResult r;
  r.model = result_of(plan, n_tokens, ppl_model);
  r.base = result_of(plan, n_tokens, ppl_base);
  r.kl_mean = kl.mean();
  r.kl_stderr = kl.stderr_of_mean();
  r.kl_max = kl_max;
  r.top1_agreement = 100.0 * top1.mean();
  r.top1_stderr = 100.0 * top1.stderr_of_mean();
  r.delta_p_mean = delta_p.mean();
  r.delta_p_stderr = delta_p.stderr_of_mean();
  r.delta_p_rms = delta_p.rms();
  return r;
}

void require_same_vocab(const tokenizer::Vocab& model, const tokenizer::Vocab& base) {
  if (model.n_vocab() != base.n_vocab()) {
    throw Error("perplexity: " + base.source + " has " + std::to_string(base.n_vocab()) + " tokens but " +
                model.source + " has " + std::to_string(model.n_vocab()) +
                ": --kl-base needs a model with the same vocabulary (e.g. another quantization of it)");
  }
  const auto diff = std::mismatch(model.tokens.begin(), model.tokens.end(), base.tokens.begin());
  if (diff.first != model.tokens.end()) {
    const auto id = diff.first - model.tokens.begin();
    throw Error("perplexity: " + base.source + " and " + model.source + " have different vocabularies (token " +
                std::to_string(id) + " is \"" + *diff.second + "\" in one and \"" + *diff.first +
                "\" in the other): --kl-base needs a model with the same tokenizer");
  }
}

}  // namespace hearth::engine

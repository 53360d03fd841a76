// Perplexity of a model over a text, and how far a model's predictions are
// from a base model's (KL divergence): the method of the reference's
// perplexity tool, so the numbers compare with published ones.
//
// Chunks (plan_chunks):
//   tokens   the whole text, tokenized once (BOS added as the vocabulary says);
//   chunk c  tokens[c·n_ctx, (c+1)·n_ctx) for c < n_chunks = n_tokens / n_ctx
//            (a shorter remainder is dropped; at least two chunks are needed);
//            its first token is replaced by BOS when the model adds one;
//            each chunk is evaluated from an empty KV cache (F16, the
//            reference's default), in forward steps of n_batch tokens, with
//            logits for every position.
//   scored   positions j = n_ctx/2 .. n_ctx−2 of each chunk, position j
//            predicting the chunk's token j+1: n_ctx − 1 − n_ctx/2 per chunk,
//            each seeing at least n_ctx/2 tokens of context.
//
// Perplexity: NLL_j = −log p(token j+1 | tokens 0..j);
//   ppl = exp(mean NLL), ppl_stderr = ppl · stderr(mean NLL)
//   (engine/prediction_stats.h: the reference's estimate).
//
// KL divergence of a model Q from a base model P (same vocabulary), both run
// on the same chunks; at every scored position j, with t the actual next token:
//   kl_j  = KL(P || Q) = Σ_i P(i) (log P(i) − log Q(i))  (nats)
//             -> kl_mean, kl_stderr (stderr of the mean), kl_max
//   top1  = [argmax P == argmax Q]
//             -> top1_agreement: the % of positions where they agree,
//                top1_stderr: sqrt(a (1 − a) / (N − 1)) in % (a the fraction)
//   Δp_j  = Q(t) − P(t)
//             -> delta_p_mean, delta_p_stderr, delta_p_rms (probabilities, 0..1)
// and each model's own perplexity over the same scored tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace hearth::engine {

struct PerplexityOptions {
  int64_t n_ctx = 512;    // tokens per chunk
  int64_t n_batch = 512;  // tokens per forward step
  // Replaces the first token of every chunk; nullopt when the model does not
  // add a BOS (chunks are then cut as they are).
  std::optional<int32_t> bos;
};

// A text as the perplexity tools score it: tokenized as the reference does
// (BOS added as the vocabulary says, special-token text kept as text), with
// the options that go with it (bos: the vocabulary's, when it adds one).
struct PerplexityInput {
  std::vector<int32_t> tokens;
  PerplexityOptions options;
};
PerplexityInput perplexity_input(const tokenizer::Tokenizer& tok, const std::string& text, int64_t n_ctx,
                                 int64_t n_batch);

struct ChunkPlan {
  int64_t n_ctx = 0;
  int64_t n_chunks = 0;
  int64_t first_scored = 0;  // n_ctx / 2
  int64_t scored_per_chunk() const { return n_ctx - 1 - first_scored; }
};

// Throws hearth::Error when n_ctx < 4, when n_ctx exceeds model_ctx (the
// model's trained context; 0: unknown, not checked), or when the text is
// shorter than 2 · n_ctx tokens (the message says how many it has and needs).
ChunkPlan plan_chunks(int64_t n_tokens, int64_t n_ctx, int64_t model_ctx);

struct PerplexityResult {
  int64_t n_ctx = 0;
  int64_t n_chunks = 0;
  int64_t n_tokens = 0;         // tokens of the whole text
  int64_t n_tokens_scored = 0;  // n_chunks · scored_per_chunk
  double mean_nll = 0.0;        // nats
  double ppl = 0.0;
  double ppl_stderr = 0.0;
};

struct KlResult {
  PerplexityResult model, base;  // over the same scored tokens
  double kl_mean = 0.0, kl_stderr = 0.0, kl_max = 0.0;  // nats
  double top1_agreement = 0.0, top1_stderr = 0.0;       // %
  double delta_p_mean = 0.0, delta_p_stderr = 0.0, delta_p_rms = 0.0;
};

// After each chunk: running figures over the chunks done so far.
struct ChunkProgress {
  int64_t chunk = 0;  // chunks done (1-based)
  int64_t n_chunks = 0;
  double ppl = 0.0;                     // the model's running perplexity
  std::optional<double> base_ppl, kl_mean;  // KL runs only
};
using ProgressFn = std::function<void(const ChunkProgress&)>;

// Perplexity of `model` over `tokens` (the whole text, as tokenized).
PerplexityResult evaluate_perplexity(const model::Model& model, ThreadPool& pool,
                                     std::span<const int32_t> tokens, const PerplexityOptions& opt,
                                     const ProgressFn& progress = {});

// KL(base || model) and friends. Throws hearth::Error when the two models'
// vocabulary sizes differ.
KlResult evaluate_kl_divergence(const model::Model& model, const model::Model& base, ThreadPool& pool,
                                std::span<const int32_t> tokens, const PerplexityOptions& opt,
                                const ProgressFn& progress = {});

// Throws hearth::Error (naming both files and the first differing token)
// unless the two vocabularies have the same tokens: a KL divergence compares
// distributions over the same token ids.
void require_same_vocab(const tokenizer::Vocab& model, const tokenizer::Vocab& base);

}  // namespace hearth::engine

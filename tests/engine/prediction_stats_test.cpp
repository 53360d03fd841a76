// The statistics behind `hearth perplexity` (engine/prediction_stats.h) and
// its chunk plan (engine/perplexity.h), against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "engine/perplexity.h"
#include "engine/prediction_stats.h"
#include "test_data.h"
#include "tokenizer/vocab.h"

namespace hearth::engine {
namespace {

TEST(PredictionStats, LogSoftmaxIsNormalisedAndShiftInvariant) {
  std::vector<double> a, b;
  log_softmax(std::vector<float>{1.0f, 2.0f, 3.0f}, a);
  // log(e^k / (e + e^2 + e^3)).
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(a[0], 1.0 - lse, 1e-12);
  EXPECT_NEAR(a[2], 3.0 - lse, 1e-12);
  // Large logits do not overflow: the max is subtracted first.
  log_softmax(std::vector<float>{1001.0f, 1002.0f, 1003.0f}, b);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12);
  EXPECT_EQ(argmax(a), 2);
  EXPECT_THROW(log_softmax(std::vector<float>{}, a), Error);
}

TEST(PredictionStats, KlDivergenceOfTwoPointDistributions) {
  const std::vector<double> p = {std::log(0.5), std::log(0.5)};
  const std::vector<double> q = {std::log(0.9), std::log(0.1)};
  // 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1)
  EXPECT_NEAR(kl_divergence(p, q), 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(5.0), 1e-12);
  EXPECT_EQ(kl_divergence(p, p), 0.0);
  EXPECT_GT(kl_divergence(q, p), 0.0);
  EXPECT_THROW(kl_divergence(p, std::vector<double>{0.0}), Error);
}

TEST(PredictionStats, MeanStderrAndRms) {
  MeanEstimate m;
  for (const double x : {1.0, 2.0, 3.0, 4.0}) m.add(x);
  EXPECT_EQ(m.count(), 4);
  EXPECT_DOUBLE_EQ(m.mean(), 2.5);
  // Population variance (1 + 4 + 9 + 16)/4 − 2.5² = 1.25, over N − 1 = 3.
  EXPECT_NEAR(m.stderr_of_mean(), std::sqrt(1.25 / 3.0), 1e-12);
  EXPECT_NEAR(m.rms(), std::sqrt(7.5), 1e-12);
  MeanEstimate one;
  one.add(3.0);
  EXPECT_EQ(one.stderr_of_mean(), 0.0);
}

TEST(PredictionStats, PerplexityIsExpOfTheMeanNll) {
  PerplexityEstimate p;
  EXPECT_EQ(p.ppl(), 0.0);
  p.add_nll(1.0);
  p.add_nll(3.0);
  EXPECT_NEAR(p.ppl(), std::exp(2.0), 1e-12);
  // stderr(NLL) = sqrt(1 / 1) = 1; stderr(ppl) = ppl · 1.
  EXPECT_NEAR(p.ppl_stderr(), std::exp(2.0), 1e-12);
}

TEST(PerplexityPlan, ChunksAndErrors) {
  const ChunkPlan plan = plan_chunks(732, 128, 2048);
  EXPECT_EQ(plan.n_chunks, 5);
  EXPECT_EQ(plan.first_scored, 64);
  EXPECT_EQ(plan.scored_per_chunk(), 63);
  EXPECT_EQ(plan_chunks(256, 128, 0).n_chunks, 2);  // 0: context unknown, not checked
  EXPECT_THROW(plan_chunks(255, 128, 2048), Error);
  EXPECT_THROW(plan_chunks(10000, 4096, 2048), Error);
  EXPECT_THROW(plan_chunks(100, 3, 2048), Error);
}

TEST(PerplexityKl, ModelsWithDifferentVocabulariesAreRefused) {
  // stories260K has 512 tokens, tiny-llama the first 1024 of Llama 2's.
  const auto stories = model::Model::load(test::kStories);
  const auto tiny = model::Model::load(test::data_path("tiny/tiny-llama-F32.gguf"));
  ThreadPool pool(1);
  const std::vector<int32_t> tokens(64, 1);
  PerplexityOptions opt;
  opt.n_ctx = 8;
  EXPECT_THROW(evaluate_kl_divergence(*stories, *tiny, pool, tokens, opt), Error);
  EXPECT_THROW(require_same_vocab(tokenizer::Vocab::from_gguf(stories->file()),
                                  tokenizer::Vocab::from_gguf(tiny->file())),
               Error);
  EXPECT_NO_THROW(require_same_vocab(tokenizer::Vocab::from_gguf(stories->file()),
                                     tokenizer::Vocab::from_gguf(stories->file())));
  // The same model against itself runs: every figure of a KL run is defined.
  const KlResult same = evaluate_kl_divergence(*stories, *stories, pool, tokens, opt);
  EXPECT_EQ(same.model.n_tokens_scored, 8 * 3);  // 64 / 8 chunks, positions 4..6 scored
  EXPECT_EQ(same.kl_mean, 0.0);
  EXPECT_EQ(same.top1_agreement, 100.0);
}

}  // namespace
}  // namespace hearth::engine

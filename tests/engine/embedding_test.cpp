// Embeddings through the scheduler: pooled, normalised final hidden states.
//  - the same text gives the same vector alone and batched with other
//    embeddings and running generations: exactly on the Q8_0 model (each row
//    is quantized and computed on its own, see scheduler.h); within 1e-6 on
//    the F32 model, whose multi-row kernel sums in another order than the
//    one-row kernel (float rounding of a unit vector's components, ~1e-7);
//  - a 1-token input is the normalised final hidden state of that token
//    (Forward::hidden), and that state is the one the output head multiplies:
//    Wout . e reproduces the logits up to the factor |h| (F32 model, so the
//    only difference is float rounding of the dot products);
//  - the same input gives bit-identical vectors however its KV cells lie;
//  - an input longer than the context is refused with both numbers.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/embedding.h"
#include "engine/scheduler.h"
#include "model/forward.h"
#include "model/model.h"
#include "quant/type_traits.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {
namespace {

using namespace std::chrono_literals;

// The final event of a stream (fails the test after 60 s of silence).
StreamEvent final_event(TokenStream& s) {
  for (;;) {
    auto ev = s.next(60s);
    if (!ev) {
      ADD_FAILURE() << "stream stalled";
      return {};
    }
    if (ev->done) return std::move(*ev);
  }
}

struct ModelCase {
  const char* file;
  float batch_tolerance;  // |alone - batched| per component
};
void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.file; }

class EmbeddingTest : public ::testing::TestWithParam<ModelCase> {
 protected:
  void SetUp() override {
    model_ = model::Model::load(test::data_path(GetParam().file));
    tok_ = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::from_gguf(model_->file()));
  }

  std::unique_ptr<Scheduler> make(SchedulerConfig cfg) { return std::make_unique<Scheduler>(*model_, *tok_, pool_, cfg); }

  GenerationRequest embed(const std::vector<int32_t>& tokens) const {
    GenerationRequest r;
    r.prompt = tokens;
    r.embed = true;
    return r;
  }
  GenerationRequest embed(const std::string& text) const { return embed(tok_->encode(text, true, false)); }

  std::vector<float> embedding_of(Scheduler& s, GenerationRequest r) {
    StreamEvent ev = final_event(*s.submit(std::move(r)));
    EXPECT_EQ(ev.finish, FinishReason::stop) << ev.error;
    EXPECT_EQ(ev.completion_tokens, 0);
    return ev.embedding;
  }

  ThreadPool pool_{2};
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<tokenizer::Tokenizer> tok_;
};

double norm(const std::vector<float>& v) {
  double ss = 0;
  for (const float x : v) ss += static_cast<double>(x) * x;
  return std::sqrt(ss);
}

TEST_P(EmbeddingTest, SameTextAloneAndBatchedIsEqual) {
  const std::vector<std::string> texts = {"Once upon a time there was a little cat", "Hello",
                                          "The dog ran to the park and played with a ball all day long"};
  std::vector<std::vector<float>> alone;
  {
    auto s = make({.n_ctx = 256, .max_running = 1});
    for (const auto& t : texts) alone.push_back(embedding_of(*s, embed(t)));
  }
  for (const auto& v : alone) {
    ASSERT_EQ(static_cast<int64_t>(v.size()), model_->hparams().n_embd);
    EXPECT_NEAR(norm(v), 1.0, 1e-5);
  }
  EXPECT_NE(alone[0], alone[1]);

  // Batched: generations running while the inputs are prefilled in chunks
  // of 5 tokens, mixed with their decode rows and with each other.
  auto s = make({.n_ctx = 512, .max_running = 8, .prefill_chunk = 5});
  std::vector<std::shared_ptr<TokenStream>> gens, embeds;
  for (int i = 0; i < 3; ++i) {
    GenerationRequest g;
    g.prompt = tok_->encode("Tom and Lily", true, false);
    g.sampling.seed = static_cast<uint64_t>(i);
    g.max_tokens = 20;
    gens.push_back(s->submit(std::move(g)));
  }
  for (const auto& t : texts) embeds.push_back(s->submit(embed(t)));
  for (size_t i = 0; i < texts.size(); ++i) {
    const StreamEvent ev = final_event(*embeds[i]);
    EXPECT_EQ(ev.prompt_tokens, static_cast<int64_t>(tok_->encode(texts[i], true, false).size()));
    ASSERT_EQ(ev.embedding.size(), alone[i].size());
    for (size_t k = 0; k < alone[i].size(); ++k) {
      EXPECT_NEAR(ev.embedding[k], alone[i][k], GetParam().batch_tolerance) << "input " << i << " component " << k;
    }
  }
  for (auto& g : gens) EXPECT_EQ(final_event(*g).completion_tokens, 20);
  EXPECT_EQ(s->metrics().embedded_inputs.load(), texts.size());
  EXPECT_EQ(s->stats().cells_used, 0);
}

// Regression: attention summed over the KV cells in cell order, so an input
// whose cells the free list handed out in another order (after earlier
// requests) embedded slightly differently. Now bit-identical.
TEST_P(EmbeddingTest, SameInputAfterOtherRequestsIsBitIdentical) {
  const std::string text = "Once upon a time there was a little cat";
  auto s = make({.n_ctx = 256, .max_running = 4});
  const std::vector<float> first = embedding_of(*s, embed(text));
  // Interleaved requests that finish at different times leave the free list
  // out of order.
  GenerationRequest g;
  g.prompt = tok_->encode("Tom and Lily", true, false);
  g.sampling.seed = 1;
  g.max_tokens = 9;
  auto gen = s->submit(g);
  embedding_of(*s, embed("Hello there, little dog"));
  final_event(*gen);
  g.max_tokens = 3;
  final_event(*s->submit(g));
  EXPECT_EQ(embedding_of(*s, embed(text)), first);
}

TEST_P(EmbeddingTest, OneTokenInputIsTheNormalisedFinalHiddenState) {
  const int32_t token = tok_->encode("cat", false, false).front();
  auto s = make({.n_ctx = 64});
  const std::vector<float> e = embedding_of(*s, embed(std::vector<int32_t>{token}));

  // The same token through the forward pass on its own.
  const auto& hp = model_->hparams();
  model::KvStore kv(hp, 4);
  model::Forward fwd(*model_, pool_);
  model::Batch b;
  kv.assign(0, 0, 0);
  b.add(token, 0, 0, 0, /*logits=*/true, /*hidden=*/true);
  fwd.run(b, kv);
  std::vector<float> h = fwd.hidden();
  ASSERT_EQ(static_cast<int64_t>(h.size()), hp.n_embd);
  l2_normalise(h);
  EXPECT_EQ(e, h);
}

TEST_P(EmbeddingTest, InputLongerThanTheContextIsRefusedWithBothNumbers) {
  auto s = make({.n_ctx = 16});
  const std::vector<int32_t> tokens(17, tok_->encode("a", false, false).front());
  try {
    s->submit(embed(tokens));
    FAIL() << "expected ContextFullError";
  } catch (const ContextFullError& e) {
    EXPECT_NE(std::string(e.what()).find("17"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("16"), std::string::npos) << e.what();
  }
  // Exactly the context fits (an embedding generates nothing).
  EXPECT_EQ(embedding_of(*s, embed(std::vector<int32_t>(16, tokens[0]))).size(),
            static_cast<size_t>(model_->hparams().n_embd));
}

// The hidden state is the one the output head multiplies: Wout . (|h| e)
// gives the logits. F32 model only: with quantized weights the matmul also
// quantizes the activations, so the logits differ by more than rounding.
class HiddenStateTest : public EmbeddingTest {};

TEST_P(HiddenStateTest, OutputHeadOfTheEmbeddingGivesTheLogits) {
  const int32_t token = tok_->encode("cat", false, false).front();
  auto s = make({.n_ctx = 64});
  const std::vector<float> e = embedding_of(*s, embed(std::vector<int32_t>{token}));
  model::KvStore kv(model_->hparams(), 4);
  model::Forward fwd(*model_, pool_);
  model::Batch b;
  kv.assign(0, 0, 0);
  b.add(token, 0, 0, 0, /*logits=*/true, /*hidden=*/true);
  const std::vector<float> logits = fwd.run(b, kv);
  const double h_norm = norm(fwd.hidden());
  ASSERT_GT(h_norm, 0.0);
  const auto& W = model_->weights().output;
  const auto& tr = quant::traits(W.type);
  std::vector<float> row(static_cast<size_t>(W.n_in));
  double max_err = 0, max_logit = 0;
  for (int64_t v = 0; v < W.n_out; ++v) {
    tr.dequantize(W.data + static_cast<uint64_t>(v) * W.row_bytes, row.data(), W.n_in);
    double dot = 0;
    for (int64_t i = 0; i < W.n_in; ++i) dot += static_cast<double>(row[static_cast<size_t>(i)]) * e[static_cast<size_t>(i)];
    max_err = std::max(max_err, std::abs(dot * h_norm - logits[static_cast<size_t>(v)]));
    max_logit = std::max(max_logit, std::abs(static_cast<double>(logits[static_cast<size_t>(v)])));
  }
  // F32 weights and activations: only summation order differs (1e-4 of the
  // largest logit is ~100x the float rounding of a 256-term dot product).
  EXPECT_LT(max_err, 1e-4 * max_logit);
}


INSTANTIATE_TEST_SUITE_P(F32, HiddenStateTest, ::testing::Values(ModelCase{"tiny/tiny-llama-F32.gguf", 1e-6f}));

TEST(MeanPoolTest, MeansAndNormalises) {
  MeanPool p(2);
  p.add(std::vector<float>{3, 0});
  p.add(std::vector<float>{3, 8});
  EXPECT_EQ(p.count(), 2);
  const auto v = p.normalised_mean();  // mean (3, 4) -> (0.6, 0.8)
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_FLOAT_EQ(v[1], 0.8f);
  EXPECT_THROW(p.add(std::vector<float>{1}), Error);
}

INSTANTIATE_TEST_SUITE_P(Models, EmbeddingTest,
                         ::testing::Values(ModelCase{"tiny/tiny-llama-F32.gguf", 1e-6f},
                                           ModelCase{"tiny/tiny-llama-Q8_0.gguf", 0.0f}),
                         [](const auto& p) { return std::string(p.index == 0 ? "F32" : "Q8_0"); });

}  // namespace
}  // namespace hearth::engine

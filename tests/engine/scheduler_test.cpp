// The continuous-batching scheduler on a tiny quantized model (Q8_0: the
// activations are quantized per row, so a row's result must not depend on
// the other rows of the batch). Everything here is exact: token ids are
// compared for equality, cell counts are integers.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/generation.h"
#include "engine/scheduler.h"
#include "model/model.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {
namespace {

using namespace std::chrono_literals;

struct Result {
  std::vector<int32_t> tokens;
  std::string text;
  StreamEvent last;
};

// Drains a stream to its final event (fails the test after 60 s of silence).
Result drain(TokenStream& s) {
  Result r;
  for (;;) {
    auto ev = s.next(60s);
    if (!ev) {
      ADD_FAILURE() << "stream stalled";
      return r;
    }
    r.text += ev->text;
    if (ev->done) {
      r.last = std::move(*ev);
      return r;
    }
    r.tokens.push_back(ev->token);
  }
}

class SchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = model::Model::load(test::data_path("tiny/tiny-llama-Q8_0.gguf")).release();
    tok_ = new tokenizer::Tokenizer(tokenizer::Tokenizer::from_gguf(model_->file()));
    pool_ = new ThreadPool(2);
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete tok_;
    delete model_;
  }

  std::unique_ptr<Scheduler> make(SchedulerConfig cfg) {
    return std::make_unique<Scheduler>(*model_, *tok_, *pool_, cfg);
  }

  static GenerationRequest request(const std::string& prompt, uint64_t seed, int64_t max_tokens) {
    GenerationRequest r;
    r.prompt = tok_->encode(prompt, true, false);
    r.sampling.temperature = 0.9f;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    r.sampling.min_p = 0.0f;
    r.sampling.seed = seed;
    r.max_tokens = max_tokens;
    return r;
  }

  static model::Model* model_;
  static tokenizer::Tokenizer* tok_;
  static ThreadPool* pool_;
};

model::Model* SchedulerTest::model_ = nullptr;
tokenizer::Tokenizer* SchedulerTest::tok_ = nullptr;
ThreadPool* SchedulerTest::pool_ = nullptr;

const std::vector<std::string> kPrompts = {
    "Once upon a time", "The little dog ran to the park and", "Hello", "A long time ago, in a small town",
    "She said", "Tom and Lily liked to play with their ball in the garden every day", "Why", "One day,"};

TEST_F(SchedulerTest, SeededRequestsGiveTheSameTokensAloneAndBatched) {
  // Alone: one request at a time.
  std::vector<Result> alone;
  {
    auto s = make({.n_ctx = 512, .max_running = 1});
    for (size_t i = 0; i < kPrompts.size(); ++i) {
      alone.push_back(drain(*s->submit(request(kPrompts[i], 100 + i, 24))));
      ASSERT_EQ(alone.back().tokens.size(), 24u) << "max_tokens reached (no EOS on this model)";
    }
  }
  // Together: all eight in flight, with a small prefill chunk so prompts are
  // split across steps and mixed with other sequences' decode rows.
  auto s = make({.n_ctx = 512, .max_running = 8, .prefill_chunk = 5});
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (size_t i = 0; i < kPrompts.size(); ++i) streams.push_back(s->submit(request(kPrompts[i], 100 + i, 24)));
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    const Result r = drain(*streams[i]);
    EXPECT_EQ(r.tokens, alone[i].tokens) << "prompt " << i;
    EXPECT_EQ(r.text, alone[i].text) << "prompt " << i;
    EXPECT_EQ(r.last.finish, FinishReason::length);
    EXPECT_EQ(r.last.prompt_tokens, static_cast<int64_t>(tok_->encode(kPrompts[i], true, false).size()));
    EXPECT_EQ(r.last.completion_tokens, 24);
  }
  // Batching happened: fewer steps than one per token of every sequence.
  EXPECT_LT(s->stats().steps, 8u * 24u);
}

TEST_F(SchedulerTest, CellsAreFreedWhenSequencesFinish) {
  auto s = make({.n_ctx = 256, .max_running = 4});
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (int i = 0; i < 4; ++i) streams.push_back(s->submit(request(kPrompts[static_cast<size_t>(i)], 7, 16)));
  for (auto& st : streams) drain(*st);
  EXPECT_EQ(s->stats().cells_used, 0);
  EXPECT_EQ(s->stats().running, 0u);
}

TEST_F(SchedulerTest, OneRequestMayUseTheWholeContext) {
  // 64 cells shared: a request of prompt + max_tokens == 64 is accepted and
  // runs to its limit; one cell more is refused.
  auto s = make({.n_ctx = 64, .max_running = 4});
  auto req = request("Once upon a time", 3, 0);
  const auto n_prompt = static_cast<int64_t>(req.prompt.size());
  req.max_tokens = 64 - n_prompt;
  const Result r = drain(*s->submit(req));
  EXPECT_EQ(r.last.completion_tokens, 64 - n_prompt);
  EXPECT_EQ(s->stats().cells_used, 0);
}

TEST_F(SchedulerTest, ContextOverflowIsAnErrorWithBothNumbers) {
  auto s = make({.n_ctx = 64});
  auto req = request("Once upon a time", 3, 0);
  const auto n_prompt = static_cast<int64_t>(req.prompt.size());
  req.max_tokens = 65 - n_prompt;
  try {
    s->submit(req);
    FAIL() << "expected ContextFullError";
  } catch (const ContextFullError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("65"), std::string::npos) << msg;
    EXPECT_NE(msg.find("64"), std::string::npos) << msg;
  }
  // A prompt alone as long as the context cannot generate anything.
  GenerationRequest big = request("x", 1, -1);
  big.prompt.assign(64, big.prompt.back());
  EXPECT_THROW(s->submit(big), ContextFullError);
}

TEST_F(SchedulerTest, CancellationFreesCellsAtOnce) {
  auto s = make({.n_ctx = 1024, .max_running = 2});
  auto st = s->submit(request("Once upon a time", 5, 900));
  // Wait for a few tokens, then walk away.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(st->next(60s).has_value());
  EXPECT_GT(s->stats().cells_used, 0);
  st->cancel();
  Result rest = drain(*st);
  EXPECT_EQ(rest.last.finish, FinishReason::cancelled);
  EXPECT_EQ(s->stats().cancelled, 1u);
  EXPECT_LT(rest.last.completion_tokens, 900);
  EXPECT_EQ(s->stats().cells_used, 0);
  // The freed context serves the next request in full.
  auto next = s->submit(request("Hello", 6, 8));
  EXPECT_EQ(drain(*next).last.completion_tokens, 8);
}

TEST_F(SchedulerTest, StopStringsEndTheStreamWithoutShowingThem) {
  auto s = make({.n_ctx = 256});
  const Result free_run = drain(*s->submit(request("Once upon a time", 11, 32)));
  ASSERT_GE(free_run.text.size(), 6u);
  // Stop at a piece of text the free run produced: the output is exactly
  // what came before its first occurrence.
  const std::string stop = free_run.text.substr(free_run.text.size() / 2, 3);
  auto req = request("Once upon a time", 11, 32);
  req.stops = {"zz-never", stop};
  const Result r = drain(*s->submit(req));
  EXPECT_EQ(r.last.finish, FinishReason::stop);
  EXPECT_EQ(r.last.stop_index, 1u);  // which stop string ended it
  EXPECT_EQ(r.text, free_run.text.substr(0, free_run.text.find(stop)));
  EXPECT_FALSE(free_run.last.stop_index);  // ended by length: no stop string
}

TEST_F(SchedulerTest, QueueFullIsReported) {
  auto s = make({.n_ctx = 64, .max_running = 1, .max_waiting = 1});
  // Each reserves the whole context, so only one runs; one waits; the rest overflow.
  std::vector<std::shared_ptr<TokenStream>> streams;
  bool refused = false;
  for (int i = 0; i < 8 && !refused; ++i) {
    try {
      streams.push_back(s->submit(request("Hello", 1, -1)));
    } catch (const QueueFullError&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);
  for (auto& st : streams) st->cancel();
  for (auto& st : streams) drain(*st);
  EXPECT_EQ(s->stats().cells_used, 0);
}

// submit_all is all or nothing: a batch that does not fit the queue, or with
// one invalid request, queues none of its requests.
TEST_F(SchedulerTest, SubmitAllQueuesEveryRequestOrNone) {
  auto s = make({.n_ctx = 256, .max_running = 8, .max_waiting = 3});
  std::vector<GenerationRequest> four;
  for (int i = 0; i < 4; ++i) four.push_back(request(kPrompts[static_cast<size_t>(i)], 1, 4));
  EXPECT_THROW(s->submit_all(std::move(four)), QueueFullError);
  std::vector<GenerationRequest> bad;
  bad.push_back(request("Hello", 1, 4));
  bad.push_back(request("Hello", 1, 4));
  bad.back().prompt.push_back(1 << 30);  // outside the vocabulary
  EXPECT_THROW(s->submit_all(std::move(bad)), Error);
  EXPECT_EQ(s->stats().waiting, 0u);
  EXPECT_EQ(s->stats().steps, 0u);
}

// The requests of one submit_all start in the same step: three prompts of one
// token each to generate need exactly one forward pass together.
TEST_F(SchedulerTest, SubmitAllAdmitsItsRequestsIntoOneStep) {
  auto s = make({.n_ctx = 256, .max_running = 8});
  std::vector<GenerationRequest> three;
  for (int i = 0; i < 3; ++i) three.push_back(request(kPrompts[static_cast<size_t>(i)], 7, 1));
  auto streams = s->submit_all(std::move(three));
  ASSERT_EQ(streams.size(), 3u);
  for (auto& st : streams) {
    const Result r = drain(*st);
    EXPECT_EQ(r.tokens.size(), 1u);
  }
  EXPECT_EQ(s->stats().steps, 1u);
}

TEST_F(SchedulerTest, LogprobsComeWithEachTokenWhenAsked) {
  auto s = make({.n_ctx = 128});
  auto req = request("Hello", 2, 4);
  req.logprobs = true;
  req.sampling.n_probs = 3;
  auto st = s->submit(req);
  int n = 0;
  while (auto ev = st->next(60s)) {
    if (ev->done) break;
    ASSERT_TRUE(ev->logprobs.has_value());
    EXPECT_EQ(ev->logprobs->chosen.id, ev->token);
    EXPECT_LE(ev->logprobs->chosen.logprob, 0.0f);
    EXPECT_EQ(ev->logprobs->top.size(), 3u);
    ++n;
  }
  EXPECT_EQ(n, 4);
}

// JSON mode on a random-weight model (which never ends by itself): every
// batched JSON request stops with one JSON object within its max_tokens
// (the constraint closes the object in time), while a text request in the
// same batch keeps exactly the tokens it has alone.
TEST_F(SchedulerTest, JsonObjectRequestsStopWithAnObjectWithinMaxTokens) {
  auto json_request = [](size_t i, int64_t max_tokens) {
    GenerationRequest r = request(kPrompts[i], 300 + i, max_tokens);
    r.format = ResponseFormat::json_object;
    return r;
  };
  std::vector<int32_t> text_alone;
  {
    auto s = make({.n_ctx = 512, .max_running = 1});
    text_alone = drain(*s->submit(request(kPrompts[0], 9, 24))).tokens;
  }
  auto s = make({.n_ctx = 512, .max_running = 8, .prefill_chunk = 7});
  auto text_stream = s->submit(request(kPrompts[0], 9, 24));
  std::vector<std::shared_ptr<TokenStream>> streams;
  const int64_t budgets[] = {2, 6, 20, 40};
  for (size_t i = 0; i < 4; ++i) streams.push_back(s->submit(json_request(i + 1, budgets[i])));
  for (size_t i = 0; i < 4; ++i) {
    const Result r = drain(*streams[i]);
    EXPECT_EQ(r.last.finish, FinishReason::stop) << r.text;
    EXPECT_LE(r.last.completion_tokens, budgets[i]);
    ASSERT_TRUE(nlohmann::json::accept(r.text)) << testing::PrintToString(r.text);
    EXPECT_TRUE(nlohmann::json::parse(r.text).is_object()) << r.text;
  }
  EXPECT_EQ(drain(*text_stream).tokens, text_alone);
}

// A shared "system prompt" long enough for several 8-cell blocks.
const std::string kSystem =
    "You are a helpful assistant who tells short stories to children about animals, friends and the sea. ";

TEST_F(SchedulerTest, PrefixCacheGivesExactlyTheTokensOfAFreshComputation) {
  const std::vector<std::string> turns = {kSystem + "Tell me about a cat.", kSystem + "Tell me about a dog.",
                                          kSystem + "Tell me about a cat.", kSystem};
  // Reference: no prefix cache at all.
  std::vector<Result> fresh;
  {
    auto s = make({.n_ctx = 512, .max_running = 1, .kv_block = 8, .prefix_cache = false});
    for (size_t i = 0; i < turns.size(); ++i) fresh.push_back(drain(*s->submit(request(turns[i], 40 + i, 16))));
    EXPECT_EQ(s->stats().cached_tokens, 0u);
  }
  // The same requests one after another on one scheduler with the cache.
  auto s = make({.n_ctx = 512, .max_running = 1, .kv_block = 8});
  for (size_t i = 0; i < turns.size(); ++i) {
    const auto req = request(turns[i], 40 + i, 16);
    const Result r = drain(*s->submit(req));
    EXPECT_EQ(r.tokens, fresh[i].tokens) << "turn " << i;
    EXPECT_EQ(r.text, fresh[i].text) << "turn " << i;
    const auto n_prompt = static_cast<int64_t>(req.prompt.size());
    if (i == 0) {
      EXPECT_EQ(r.last.cached_tokens, 0);
    } else if (i == 2) {
      // Same prompt as turn 0: every full block but the one holding the last token.
      EXPECT_EQ(r.last.cached_tokens, (n_prompt - 1) / 8 * 8);
    } else {
      // Only the shared system prompt's full blocks (and at least some of them).
      EXPECT_GE(r.last.cached_tokens, 8);
      EXPECT_LE(r.last.cached_tokens, (n_prompt - 1) / 8 * 8);
    }
    EXPECT_EQ(r.last.prompt_tokens, n_prompt) << "usage counts the whole prompt, cached or not";
  }
  EXPECT_GT(s->stats().cached_tokens, 0u);
  EXPECT_GT(s->stats().cells_cached, 0);
  EXPECT_EQ(s->stats().cells_used, 0);
}

TEST_F(SchedulerTest, PrefixCacheIsSharedByConcurrentSequences) {
  // Eight streams with the same prefix at once, batched and sharing blocks,
  // against each run alone without the cache.
  std::vector<Result> alone;
  {
    auto s = make({.n_ctx = 512, .max_running = 1, .kv_block = 8, .prefix_cache = false});
    for (size_t i = 0; i < kPrompts.size(); ++i) alone.push_back(drain(*s->submit(request(kSystem + kPrompts[i], 7 + i, 12))));
  }
  auto s = make({.n_ctx = 512, .max_running = 8, .prefill_chunk = 16, .kv_block = 8});
  drain(*s->submit(request(kSystem, 1, 1)));  // warms the cache with the system prompt
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (size_t i = 0; i < kPrompts.size(); ++i) streams.push_back(s->submit(request(kSystem + kPrompts[i], 7 + i, 12)));
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    const Result r = drain(*streams[i]);
    EXPECT_EQ(r.tokens, alone[i].tokens) << "prompt " << i;
    EXPECT_GE(r.last.cached_tokens, 8) << "prompt " << i;
  }
}

TEST_F(SchedulerTest, ManyLongRequestsOnASmallContextAllFinishByPreemption) {
  // Eight requests that may each fill the whole 64-cell context, on a store
  // of 64 cells: they cannot all grow at once, so younger ones are
  // preempted and resumed. Every one finishes with the tokens it gives alone.
  constexpr int64_t kCtx = 64;
  std::vector<GenerationRequest> reqs;
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    auto r = request(kPrompts[i], 300 + i, 0);
    // Half bounded by max_tokens, half unbounded (they run to the context's end).
    r.max_tokens = i % 2 == 0 ? kCtx - static_cast<int64_t>(r.prompt.size()) : -1;
    reqs.push_back(r);
  }
  std::vector<Result> alone;
  {
    auto s = make({.n_ctx = kCtx, .max_running = 1, .kv_block = 8});
    for (const auto& r : reqs) alone.push_back(drain(*s->submit(r)));
  }
  for (const bool cache : {true, false}) {
    auto s = make({.n_ctx = kCtx, .max_running = 8, .prefill_chunk = 8, .kv_block = 8, .prefix_cache = cache});
    std::vector<std::shared_ptr<TokenStream>> streams;
    for (const auto& r : reqs) streams.push_back(s->submit(r));
    for (size_t i = 0; i < reqs.size(); ++i) {
      const Result r = drain(*streams[i]);
      EXPECT_EQ(r.last.finish, FinishReason::length) << "request " << i << " (cache " << cache << ")";
      EXPECT_EQ(r.last.completion_tokens, kCtx - static_cast<int64_t>(reqs[i].prompt.size()))
          << "every request ran to the context's end, never truncated";
      EXPECT_EQ(r.tokens, alone[i].tokens) << "request " << i << " (cache " << cache << ")" << [&] {
        size_t k = 0;
        while (k < r.tokens.size() && k < alone[i].tokens.size() && r.tokens[k] == alone[i].tokens[k]) ++k;
        return " first difference at " + std::to_string(k) + " prompt " + std::to_string(reqs[i].prompt.size());
      }();
    }
    EXPECT_GT(s->stats().preempted, 0u) << "the test must exercise preemption";
    EXPECT_EQ(s->stats().cells_used, 0);
    EXPECT_EQ(s->stats().running, 0u);
    EXPECT_EQ(s->stats().waiting, 0u);
  }
}

TEST_F(SchedulerTest, ARequestWithoutMaxTokensDoesNotHoldTheContext) {
  // An unbounded request first, a short one after: the short one is
  // admitted beside it and finishes while the long one still runs.
  auto s = make({.n_ctx = 1024, .max_running = 4});
  auto long_run = s->submit(request("Once upon a time", 1, -1));
  ASSERT_TRUE(long_run->next(60s).has_value());
  const Result quick = drain(*s->submit(request("Hello", 2, 4)));
  EXPECT_EQ(quick.last.completion_tokens, 4);
  EXPECT_EQ(s->stats().running, 1u) << "the unbounded request is still running";
  long_run->cancel();
  EXPECT_EQ(drain(*long_run).last.finish, FinishReason::cancelled);
}

TEST_F(SchedulerTest, ACancelledQueuedRequestEndsAtOnce) {
  // One slot, held by an unbounded request; the queued one is cancelled and
  // gets its final event while the first still runs.
  auto s = make({.n_ctx = 1024, .max_running = 1});
  auto first = s->submit(request("Once upon a time", 1, -1));
  ASSERT_TRUE(first->next(60s).has_value());
  auto queued = s->submit(request("Hello", 2, 8));
  queued->cancel();
  const Result r = drain(*queued);
  EXPECT_EQ(r.last.finish, FinishReason::cancelled);
  EXPECT_TRUE(r.tokens.empty());
  EXPECT_EQ(s->stats().running, 1u);
  first->cancel();
  drain(*first);
}

TEST(PlainChat, RendersRolesAndPromptsTheAssistant) {
  const auto msgs = nlohmann::ordered_json::parse(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
  EXPECT_EQ(render_plain_chat(msgs), "System: Be brief.\nUser: Hi\nAssistant:");
  EXPECT_THROW(render_plain_chat(nlohmann::ordered_json::parse(R"([{"role":"user"}])")), FormatError);
}

}  // namespace
}  // namespace hearth::engine

// JSON mode in the sampler: the trie mask equals a token-by-token check, and
// generations from random logits under the constraint always parse as a
// JSON object (nlohmann::json).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "sampling/json_constraint.h"
#include "sampling/sampler.h"

namespace hearth::sampling {
namespace {

// Every single byte, then multi-byte pieces like a BPE vocabulary has
// (several share prefixes, one repeats a single byte's text), one control
// token that adds nothing, and an end-of-generation token (the last id).
std::shared_ptr<const TokenVocab> test_vocab() {
  std::vector<std::string> bytes;
  for (int b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
  for (const char* piece : {"{\"", "\":", "\": \"", "\",", "\", \"", "true", "false", "null", "  ", "\n  ",
                            "},", "]}", "}}", "123", "-0.5", "e+", "1e", "\\u00", "\\uD83D", "\\uDE00", "\\n",
                            "\xc3\xa9", "\xe2\x82", "\xe2\x82\xac", "abc", "ab", "\"}", "[1,", "{}", "a"}) {
    bytes.emplace_back(piece);
  }
  bytes.emplace_back("");  // a control token
  bytes.emplace_back("");  // end of generation
  std::vector<bool> ends(bytes.size(), false);
  ends.back() = true;
  return std::make_shared<const TokenVocab>(std::move(bytes), std::move(ends));
}

// The allowed set by brute force: every token's bytes fed to a copy.
std::vector<bool> brute_force_allowed(const TokenVocab& v, const JsonRecognizer& state) {
  std::vector<bool> out(static_cast<size_t>(v.n_vocab()));
  for (int32_t id = 0; id < v.n_vocab(); ++id) {
    JsonRecognizer s = state;
    out[static_cast<size_t>(id)] =
        v.ends_generation(id) ? state.complete() : !v.bytes(id).empty() && s.feed(v.bytes(id));
  }
  return out;
}

TEST(JsonConstraint, TrieMaskEqualsTheTokenByTokenCheck) {
  const auto vocab = test_vocab();
  for (const std::string prefix : {"", "{", "{\"a", "{\"a\\u", "{\"a\\uD83D", "{\"k\": [1", "{\"k\": -",
                                   "{\"k\": 1e", "{\"k\":\"\xe2", "{\"k\": {\"x\": []}", "{}"}) {
    JsonRecognizer state;
    ASSERT_TRUE(state.feed(std::string_view(prefix))) << prefix;
    JsonConstraint c(vocab);
    for (const char ch : prefix) c.accept(static_cast<uint8_t>(ch));  // single-byte tokens: id == byte
    std::vector<float> logits(static_cast<size_t>(vocab->n_vocab()), 0.0f);
    c.mask(logits);
    const std::vector<bool> want = brute_force_allowed(*vocab, state);
    for (int32_t id = 0; id < vocab->n_vocab(); ++id) {
      EXPECT_EQ(std::isfinite(logits[static_cast<size_t>(id)]), want[static_cast<size_t>(id)])
          << testing::PrintToString(prefix) << " token " << id << " " << testing::PrintToString(vocab->bytes(id));
    }
  }
}

TEST(JsonConstraint, EndOnlyWhenCompleteAndClearErrors) {
  const auto vocab = test_vocab();
  const int32_t eog = vocab->n_vocab() - 1;
  JsonConstraint c(vocab);
  std::vector<float> logits(static_cast<size_t>(vocab->n_vocab()), 0.0f);
  c.mask(logits);
  EXPECT_TRUE(std::isinf(logits[static_cast<size_t>(eog)]));
  EXPECT_THROW(c.accept(eog), Error);
  EXPECT_THROW(c.accept('x'), Error);
  c.accept('{');
  c.accept('}');
  EXPECT_TRUE(c.done());
  std::fill(logits.begin(), logits.end(), 0.0f);
  c.mask(logits);
  for (int32_t id = 0; id < vocab->n_vocab(); ++id) {
    EXPECT_EQ(std::isfinite(logits[static_cast<size_t>(id)]), id == eog) << id;
  }
  std::vector<float> wrong(10, 0.0f);
  EXPECT_THROW(c.mask(wrong), Error);

  // A vocabulary without an end token: the complete object leaves nothing.
  JsonConstraint no_end(std::make_shared<const TokenVocab>(std::vector<std::string>{"{", "}"},
                                                           std::vector<bool>{false, false}));
  no_end.accept(0);
  no_end.accept(1);
  std::vector<float> two(2, 0.0f);
  EXPECT_THROW(no_end.mask(two), Error);
}

// Random logits (seeded), sampled at temperature 1 under the constraint;
// after 100 steps the closing tokens get a growing bonus so every walk
// ends. Every finished text parses as an object; the sampler never offers a
// token the constraint refuses (accept() would throw).
TEST(JsonConstraint, RandomGenerationsAlwaysParse) {
  const auto vocab = test_vocab();
  const int32_t eog = vocab->n_vocab() - 1;
  std::vector<bool> closing(static_cast<size_t>(vocab->n_vocab()));
  for (int32_t id = 0; id < vocab->n_vocab(); ++id) {
    const std::string& b = vocab->bytes(id);
    closing[static_cast<size_t>(id)] = b.find_first_of("\"}]0123456789el") != std::string::npos;
  }
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SamplingParams params;
    params.temperature = 1.0f;
    params.seed = seed;
    Sampler sampler(params);
    sampler.set_constraint(std::make_unique<JsonConstraint>(vocab));
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::normal_distribution<float> dist(0.0f, 2.0f);
    std::vector<float> logits(static_cast<size_t>(vocab->n_vocab()));
    std::string text;
    bool ended = false;
    for (int step = 0; step < 20000 && !ended; ++step) {
      const float bonus = step < 100 ? 0.0f : 0.05f * static_cast<float>(step - 100);
      for (size_t i = 0; i < logits.size(); ++i) logits[i] = dist(rng) + (closing[i] ? bonus : 0.0f);
      const int32_t t = sampler.sample(logits);
      if (t == eog) {
        ended = true;
      } else {
        text += vocab->bytes(t);
      }
    }
    ASSERT_TRUE(ended) << "seed " << seed << ": " << text.size() << " bytes, no end";
    EXPECT_TRUE(sampler.constraint_done());
    ASSERT_TRUE(nlohmann::json::accept(text)) << testing::PrintToString(text);
    EXPECT_TRUE(nlohmann::json::parse(text).is_object()) << text;
  }
}

// With a token budget and no help from the logits, every generation still
// closes its object within the budget (the budget check trusts
// closing_bytes(), so this also pins that it is never too small).
TEST(JsonConstraint, TokenBudgetClosesTheObjectInTime) {
  const auto vocab = test_vocab();
  const int32_t eog = vocab->n_vocab() - 1;
  for (const int64_t budget : {2, 3, 7, 20, 60}) {
    for (uint64_t seed = 1; seed <= 25; ++seed) {
      SamplingParams params;
      params.temperature = 1.0f;
      params.seed = seed;
      Sampler sampler(params);
      sampler.set_constraint(std::make_unique<JsonConstraint>(vocab, budget));
      std::mt19937 rng(static_cast<uint32_t>(seed));
      std::normal_distribution<float> dist(0.0f, 2.0f);
      std::vector<float> logits(static_cast<size_t>(vocab->n_vocab()));
      std::string text;
      int64_t n = 0;
      for (; n <= budget; ++n) {
        for (auto& l : logits) l = dist(rng);
        const int32_t t = sampler.sample(logits);
        if (t == eog) break;
        text += vocab->bytes(t);
      }
      EXPECT_LE(n, budget) << "budget " << budget << " seed " << seed;
      ASSERT_TRUE(nlohmann::json::accept(text)) << "budget " << budget << ": " << testing::PrintToString(text);
      EXPECT_TRUE(nlohmann::json::parse(text).is_object());
    }
  }
}

TEST(JsonRecognizerClosing, CountsTheShortestCompletion) {
  const std::pair<const char*, int> cases[] = {
      {"", 2}, {"{", 1}, {"{\"a", 4}, {"{\"a\"", 3}, {"{\"a\":", 2}, {"{\"a\":[", 2}, {"{\"a\":[1", 2},
      {"{\"a\":[1.", 3}, {"{\"a\":tru", 2}, {"{\"a\":\"\\", 3}, {"{\"a\":\"\\u0", 5},
      {"{\"a\":\"\\uD83D", 8}, {"{\"a\":\"\xe2", 4}, {"{\"a\":1,", 5}, {"{}", 0},
  };
  for (const auto& [prefix, want] : cases) {
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view(prefix))) << prefix;
    EXPECT_EQ(r.closing_bytes(), want) << prefix;
  }
}

TEST(JsonConstraint, ResetRewindsWithTheSampler) {
  const auto vocab = test_vocab();
  SamplingParams params;
  params.temperature = 1.0f;
  params.seed = 5;
  Sampler sampler(params);
  sampler.set_constraint(std::make_unique<JsonConstraint>(vocab));
  std::vector<float> logits(static_cast<size_t>(vocab->n_vocab()), 0.0f);
  std::vector<int32_t> first, second;
  for (int i = 0; i < 30; ++i) first.push_back(sampler.sample(logits));
  sampler.reset();
  for (int i = 0; i < 30; ++i) second.push_back(sampler.sample(logits));
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace hearth::sampling

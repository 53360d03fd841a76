#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "sampling/penalties.h"

namespace hearth::sampling {
namespace {

SamplingParams penalties(float repeat, float presence, float frequency, int32_t last_n = 64) {
  SamplingParams p;
  p.repeat_penalty = repeat;
  p.presence_penalty = presence;
  p.frequency_penalty = frequency;
  p.repeat_last_n = last_n;
  return p;
}

TokenHistory history_of(const std::vector<int32_t>& tokens, int32_t window) {
  TokenHistory h(window);
  for (const int32_t t : tokens) h.push(t);
  return h;
}

TEST(Penalties, ExactValues) {
  // Counts: token 0 twice, 1 once, 3 three times. All values exact in binary.
  std::vector<float> logits = {2.0f, -2.0f, 1.0f, 0.5f, 3.0f};
  const auto h = history_of({0, 0, 1, 3, 3, 3}, 64);
  apply_penalties(logits, h, penalties(2.0f, 0.5f, 0.25f));
  EXPECT_EQ(logits[0], 0.0f);    // 2/2 - 0.5 - 0.25*2
  EXPECT_EQ(logits[1], -4.75f);  // -2*2 - 0.5 - 0.25*1
  EXPECT_EQ(logits[2], 1.0f);    // unseen
  EXPECT_EQ(logits[3], -1.0f);   // 0.5/2 - 0.5 - 0.25*3
  EXPECT_EQ(logits[4], 3.0f);    // unseen
}

TEST(Penalties, OpenAIPresenceAndFrequencyAlone) {
  std::vector<float> logits = {1.0f, 1.0f, 1.0f};
  const auto h = history_of({1, 2, 2, 2}, -1);
  apply_penalties(logits, h, penalties(1.0f, 0.75f, 0.0f));
  EXPECT_EQ(logits, (std::vector<float>{1.0f, 0.25f, 0.25f}));  // presence ignores counts
  logits = {1.0f, 1.0f, 1.0f};
  apply_penalties(logits, h, penalties(1.0f, 0.0f, 0.5f));
  EXPECT_EQ(logits, (std::vector<float>{1.0f, 0.5f, -0.5f}));  // 1 - 0.5*c
  logits = {1.0f, 1.0f, 1.0f};
  apply_penalties(logits, h, penalties(1.0f, -1.0f, 0.0f));  // negative encourages
  EXPECT_EQ(logits, (std::vector<float>{1.0f, 2.0f, 2.0f}));
}

TEST(Penalties, WindowKeepsOnlyTheLastN) {
  std::vector<float> logits = {4.0f, 4.0f, 4.0f, 4.0f};
  const auto h = history_of({0, 1, 1, 2}, 2);  // window: {1, 2}
  apply_penalties(logits, h, penalties(2.0f, 0.0f, 1.0f, 2));
  EXPECT_EQ(logits, (std::vector<float>{4.0f, 1.0f, 1.0f, 4.0f}));  // 4/2 - 1*1
  EXPECT_EQ(h.counts().size(), 2u);
  EXPECT_EQ(h.counts().at(1), 1);
}

TEST(Penalties, ZeroWindowAndNeutralParamsChangeNothing) {
  const std::vector<float> original = {1.0f, -1.0f};
  std::vector<float> logits = original;
  apply_penalties(logits, history_of({0, 1}, 0), penalties(2.0f, 1.0f, 1.0f, 0));
  EXPECT_EQ(logits, original);
  apply_penalties(logits, history_of({0, 1}, 64), penalties(1.0f, 0.0f, 0.0f));
  EXPECT_EQ(logits, original);
}

TEST(Penalties, ClearForgetsAndBadIdsThrow) {
  auto h = history_of({5, 5}, -1);
  std::vector<float> logits(3, 0.0f);
  EXPECT_THROW(apply_penalties(logits, h, penalties(1.0f, 1.0f, 0.0f)), Error);
  h.clear();
  EXPECT_TRUE(h.counts().empty());
  EXPECT_THROW(h.push(-3), Error);
}

}  // namespace
}  // namespace hearth::sampling

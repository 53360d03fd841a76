#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "reference.h"
#include "sampling/logprobs.h"

namespace hearth::sampling {
namespace {

TEST(Logprobs, AreLogSoftmaxOfTheRawLogits) {
  const auto logits = test::random_logits(1000, 4);
  const auto probs = test::softmax(logits);
  const auto lp = token_logprobs(logits, 123, 5);
  EXPECT_EQ(lp.chosen.id, 123);
  // float logprob of magnitude < 20: 1e-5 absolute covers float rounding.
  EXPECT_NEAR(lp.chosen.logprob, std::log(probs[123]), 1e-5);
  ASSERT_EQ(lp.top.size(), 5u);
  for (size_t i = 0; i < lp.top.size(); ++i) {
    EXPECT_NEAR(lp.top[i].logprob, std::log(probs[static_cast<size_t>(lp.top[i].id)]), 1e-5);
    if (i > 0) {
      EXPECT_GE(lp.top[i - 1].logprob, lp.top[i].logprob);
    }
  }
  // The first entry is the most likely token.
  EXPECT_EQ(lp.top[0].id, std::max_element(probs.begin(), probs.end()) - probs.begin());
}

TEST(Logprobs, FullTopListSumsToOne) {
  const auto logits = test::random_logits(5000, 8, 10.0f);
  const auto lp = token_logprobs(logits, 0, 5000);
  ASSERT_EQ(lp.top.size(), 5000u);
  double sum = 0.0;
  for (const auto& t : lp.top) sum += std::exp(static_cast<double>(t.logprob));
  // Each float logprob carries relative error ~6e-8 (x |logprob| <= 20):
  // the probability-weighted error of the sum stays far below 1e-5.
  EXPECT_NEAR(sum, 1.0, 1e-5);
}

TEST(Logprobs, TiesGoToTheLowerIdAndNTopIsClamped) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f, -INFINITY};
  const auto lp = token_logprobs(logits, 4, 100);
  ASSERT_EQ(lp.top.size(), 5u);
  EXPECT_EQ(lp.top[0].id, 1);
  EXPECT_EQ(lp.top[1].id, 3);
  EXPECT_EQ(lp.top[0].logprob, lp.top[1].logprob);
  EXPECT_EQ(lp.top[2].id, 2);
  EXPECT_EQ(lp.top[4].id, 4);
  EXPECT_EQ(lp.chosen.logprob, -INFINITY);
  EXPECT_TRUE(token_logprobs(logits, 1, 0).top.empty());
}

TEST(Logprobs, BadInputThrows) {
  const std::vector<float> logits = {0.0f, 1.0f};
  EXPECT_THROW(token_logprobs(logits, 2, 1), Error);
  EXPECT_THROW(token_logprobs(logits, -1, 1), Error);
  EXPECT_THROW(token_logprobs(std::vector<float>{NAN, 0.0f}, 0, 1), Error);
}

}  // namespace
}  // namespace hearth::sampling

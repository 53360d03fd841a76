#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "reference.h"
#include "sampling/candidates.h"

namespace hearth::sampling {
namespace {

std::vector<int32_t> ids(const Candidates& c) {
  std::vector<int32_t> out;
  for (const Candidate& x : c.items) out.push_back(x.id);
  return out;
}

Candidates from_logits(const std::vector<float>& logits) {
  Candidates c;
  c.fill(logits);
  return c;
}

// Logits whose softmax is exactly proportional to `probs`.
std::vector<float> log_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (const double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

Candidates top_k(const std::vector<float>& logits, size_t k) {
  Candidates c;
  c.fill_top_k(logits, k);
  return c;
}

TEST(TopK, KeepsTheKBestSortedTiesToLowerId) {
  const auto c = top_k({0.5f, 2.0f, 1.0f, 2.0f, -1.0f, 1.0f}, 4);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{1, 3, 2, 5}));
  EXPECT_TRUE(c.sorted);
  // k beyond the vocabulary: all, sorted.
  EXPECT_EQ(ids(top_k({0.5f, 2.0f, 1.0f}, 10)), (std::vector<int32_t>{1, 2, 0}));
  const auto off = top_k({0.5f, 2.0f, 1.0f}, 0);
  EXPECT_EQ(ids(off), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_FALSE(off.sorted);
}

// Against a full sort, on rows where the heap is replaced often (rising
// logits), rarely (random) and with many ties (a few distinct values).
TEST(TopK, MatchesFullSort) {
  std::vector<std::vector<float>> rows = {test::random_logits(20000, 1)};
  rows.emplace_back(5000);
  for (size_t i = 0; i < rows.back().size(); ++i) rows.back()[i] = static_cast<float>(i) * 0.01f;
  rows.push_back(test::random_logits(5000, 2));
  for (float& x : rows.back()) x = std::round(x / 4.0f);
  for (const auto& row : rows) {
    std::vector<Candidate> ref;
    for (size_t i = 0; i < row.size(); ++i) ref.push_back({static_cast<int32_t>(i), row[i]});
    std::sort(ref.begin(), ref.end(), ranks_before);
    for (const size_t k : {1u, 7u, 40u, 1000u}) {
      const auto c = top_k(row, k);
      ASSERT_EQ(c.items.size(), k);
      for (size_t i = 0; i < k; ++i) ASSERT_EQ(c.items[i].id, ref[i].id) << "k " << k << " rank " << i;
    }
  }
}

TEST(TopP, KeepsTheSmallestSetReachingP) {
  // Probabilities 0.1, 0.4, 0.2, 0.3 (ids 0..3); cumulative in rank order
  // 0.4, 0.7, 0.9, 1.0. Thresholds sit between those sums.
  const auto logits = log_of({0.1, 0.4, 0.2, 0.3});
  const std::vector<std::pair<double, std::vector<int32_t>>> cases = {
      {0.05, {1}}, {0.35, {1}}, {0.65, {1, 3}}, {0.85, {1, 3, 2}}, {0.95, {1, 3, 2, 0}}};
  for (const auto& [p, expected] : cases) {
    auto c = from_logits(logits);
    keep_top_p(c, p);
    EXPECT_EQ(ids(c), expected) << "p = " << p;
  }
  auto off = from_logits(logits);
  keep_top_p(off, 1.0);
  EXPECT_EQ(ids(off), (std::vector<int32_t>{0, 1, 2, 3}));
}

// Against a full sort on a large row: the kept prefix reaches p and the
// prefix one shorter does not. Covers the chunked partial sort, including
// sets far larger than its first chunk.
TEST(TopP, MatchesFullSortOnLargeVocabulary) {
  const auto logits = test::random_logits(50000, 21, 6.0f);
  std::vector<Candidate> ref;
  for (size_t i = 0; i < logits.size(); ++i) ref.push_back({static_cast<int32_t>(i), logits[i]});
  std::sort(ref.begin(), ref.end(), ranks_before);
  const auto probs = test::softmax(logits);
  for (const double p : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    auto c = from_logits(logits);
    keep_top_p(c, p);
    ASSERT_FALSE(c.items.empty());
    double mass = 0.0;
    for (size_t i = 0; i < c.items.size(); ++i) {
      ASSERT_EQ(c.items[i].id, ref[i].id) << "p = " << p << " rank " << i;
      mass += probs[static_cast<size_t>(c.items[i].id)];
    }
    // Reference sums in a different precision: allow 1e-9 of rounding.
    EXPECT_GE(mass, p - 1e-9) << "p = " << p;
    EXPECT_LT(mass - probs[static_cast<size_t>(c.items.back().id)], p + 1e-9) << "p = " << p;
  }
}

TEST(TopP, AfterTopKUsesTheRenormalisedMass) {
  // Top-2 of {0.4, 0.3, 0.2, 0.1} renormalises to {4/7, 3/7}: p = 0.5 keeps
  // one (0.571 >= 0.5) though over the full set 0.4 < 0.5 would need two.
  auto c = top_k(log_of({0.4, 0.3, 0.2, 0.1}), 2);
  keep_top_p(c, 0.5);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{0}));
}

TEST(MinP, ThresholdIsRelativeToTheLargestProbability) {
  // p_max = 0.5: min_p 0.3 keeps p >= 0.15, i.e. 0.5, 0.2 and not 0.1, 0.12.
  const auto logits = log_of({0.1, 0.5, 0.12, 0.2, 0.08});
  auto c = from_logits(logits);
  keep_min_p(c, 0.3);
  EXPECT_EQ(ids(c), (std::vector<int32_t>{1, 3}));  // order kept
  auto loose = from_logits(logits);
  keep_min_p(loose, 0.19);  // threshold 0.095: only 0.08 goes
  EXPECT_EQ(ids(loose), (std::vector<int32_t>{0, 1, 2, 3}));
  auto strict = from_logits(logits);
  keep_min_p(strict, 1.0);  // only the maximum survives
  EXPECT_EQ(ids(strict), (std::vector<int32_t>{1}));
  auto off = from_logits(logits);
  keep_min_p(off, 0.0);
  EXPECT_EQ(off.items.size(), 5u);
}

TEST(Draw, WalksCumulativeWeightsAndSkipsZeros) {
  const std::vector<float> w = {0.0f, 1.0f, 0.0f, 3.0f, 0.0f};
  EXPECT_EQ(draw_index(w, 4.0, 0.0), 1u);
  EXPECT_EQ(draw_index(w, 4.0, 0.2499), 1u);
  EXPECT_EQ(draw_index(w, 4.0, 0.25), 3u);
  EXPECT_EQ(draw_index(w, 4.0, 0.9999999), 3u);
  // A total rounded slightly above the true sum never yields a zero weight.
  EXPECT_EQ(draw_index(w, 4.0 * (1 + 1e-12), 0.9999999999999), 3u);
}

TEST(Draw, SoftmaxWeightsAreStableAtTinyTemperature) {
  const std::vector<Candidate> c = {{0, 100.0f}, {1, 99.0f}, {2, -INFINITY}};
  std::vector<float> w;
  const double total = softmax_weights(c, 1e-30f, w);
  EXPECT_EQ(total, 1.0);
  EXPECT_EQ(w, (std::vector<float>{1.0f, 0.0f, 0.0f}));
  const double t2 = softmax_weights(c, 1.0f, w);
  EXPECT_NEAR(t2, 1.0 + std::exp(-1.0), 1e-6);  // float weight, < 2e-7 relative
}

TEST(CheckLogits, RejectsNanInfAndAllMasked) {
  EXPECT_NO_THROW(check_logits(std::vector<float>{-INFINITY, 0.0f}));
  EXPECT_THROW(check_logits(std::vector<float>{}), Error);
  EXPECT_THROW(check_logits(std::vector<float>{0.0f, NAN}), Error);
  EXPECT_THROW(check_logits(std::vector<float>{INFINITY}), Error);
  EXPECT_THROW(check_logits(std::vector<float>{-INFINITY, -INFINITY}), Error);
}

TEST(Argmax, TiesGoToTheLowestId) {
  EXPECT_EQ(argmax(std::vector<float>{1.0f, 5.0f, 5.0f, 4.0f}), 1);
  EXPECT_EQ(argmax(std::vector<float>{-INFINITY, -3.0f}), 1);
  EXPECT_EQ(argmax(std::vector<float>{2.0f}), 0);
}

}  // namespace
}  // namespace hearth::sampling

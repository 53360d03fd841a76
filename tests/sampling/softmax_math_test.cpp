#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "sampling/softmax_math.h"

namespace hearth::sampling {
namespace {

// The bound promised in softmax_math.h: relative error < 2e-7 against
// std::exp (double) over [-87, 0], sampled densely and at the reduction's
// seams (multiples of ln 2 / 2).
TEST(ExpNonpositive, MatchesStdExp) {
  double worst = 0.0;
  auto check = [&](float x) {
    const double ref = std::exp(static_cast<double>(x));
    const double rel = std::abs(exp_nonpositive(x) - ref) / ref;
    worst = std::max(worst, rel);
  };
  for (int i = 0; i <= 870000; ++i) check(-static_cast<float>(i) * 1e-4f);
  for (int k = 0; k < 250; ++k) {
    const float seam = -static_cast<float>(k) * 0.34657359f;
    check(std::nextafter(seam, 0.0f));
    check(std::nextafter(seam, -1.0f));
  }
  EXPECT_LT(worst, 2e-7);  // measured 9.7e-8
}

TEST(ExpNonpositive, EdgeValues) {
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-87.5f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-1e30f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_GT(exp_nonpositive(-86.9f), 0.0f);
}

TEST(LaneSum, SumsEveryTermInDouble) {
  for (const size_t n : {0u, 1u, 7u, 8u, 9u, 1001u}) {
    // Terms i + 0.5: the exact sum n^2 / 2 is representable.
    const double s = lane_sum(n, [](size_t i) { return static_cast<float>(i) + 0.5f; });
    EXPECT_EQ(s, static_cast<double>(n) * static_cast<double>(n) / 2.0) << n;
  }
  // 1e6 terms of 0.1f: a float running sum would drift by ~1%; double does not.
  const double s = lane_sum(1000000, [](size_t) { return 0.1f; });
  EXPECT_NEAR(s, 1e6 * static_cast<double>(0.1f), 1e-6);
}

}  // namespace
}  // namespace hearth::sampling

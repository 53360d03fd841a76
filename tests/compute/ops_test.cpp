// The row ops that have SIMD kernels (silu_mul, gelu_mul, rms_norm) against
// their portable references, and rope() against its two halves (angles once, then the
// rotation of each head) as the forward pass calls them.
#include "compute/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hearth::compute {
namespace {

// silu_mul (the AVX2 kernel on this machine) within 4 float steps of the
// std::exp formula: the polynomial e^x is within ~2e-7 relative of std::exp,
// and e^-g enters g / (1 + e^-g) damped by 1 / (1 + e^-g) <= 1; the division
// and the multiply by up add one rounding each. Below -87 the kernel's e^-g
// saturates at e^88 where std::exp overflows: a gate of -90 gives ~1e-36
// instead of -0, hence the 1e-30 absolute floor. Lengths around the 8-wide
// body (the tail goes through the same formula).
TEST(SiluMul, MatchesTheReferenceWithinFourUlps) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  for (const int64_t n : {1, 7, 8, 9, 31, 2048}) {
    std::vector<float> gate(static_cast<size_t>(n)), up(gate.size());
    for (auto& x : gate) x = dist(rng);
    for (auto& x : up) x = dist(rng);
    gate[0] = 0.0f;
    if (n > 4) gate[1] = -90.0f, gate[2] = 90.0f, gate[3] = -1e-30f, gate[4] = 30.0f;
    std::vector<float> fast = gate, ref = gate;
    silu_mul(fast.data(), up.data(), n);
    silu_mul_generic(ref.data(), up.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const float tol = 4 * std::numeric_limits<float>::epsilon() * std::fabs(ref[static_cast<size_t>(i)]) + 1e-30f;
      EXPECT_NEAR(fast[static_cast<size_t>(i)], ref[static_cast<size_t>(i)], tol) << "n " << n << " i " << i;
    }
  }
}

TEST(SiluMul, PropagatesNanAndInfinity) {
  std::vector<float> gate = {std::nanf(""), INFINITY, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, std::nanf("")};
  const std::vector<float> up(gate.size(), 1.0f);
  silu_mul(gate.data(), up.data(), static_cast<int64_t>(gate.size()));
  EXPECT_TRUE(std::isnan(gate[0]));
  EXPECT_EQ(gate[1], INFINITY);
  EXPECT_TRUE(std::isnan(gate[8]));  // the tail
}

// gelu_mul against the tanh formula. The kernel computes g sigmoid(2u); the
// reference 0.5 g (1 + tanh(u)), whose 1 + tanh(u) loses up to an ulp of 1
// (~6e-8) where tanh(u) is near -1 (g below ~-3): so besides 4 float steps
// of the result, 0.5 |g up| 2^-23 absolute.
TEST(GeluMul, MatchesTheReferenceWithinItsRounding) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (const int64_t n : {1, 7, 8, 9, 2048}) {
    std::vector<float> gate(static_cast<size_t>(n)), up(gate.size());
    for (auto& x : gate) x = dist(rng);
    for (auto& x : up) x = dist(rng);
    if (n > 3) gate[0] = 0.0f, gate[1] = -12.0f, gate[2] = 12.0f;
    std::vector<float> fast = gate, ref = gate;
    gelu_mul(fast.data(), up.data(), n);
    gelu_mul_generic(ref.data(), up.data(), n);
    for (size_t i = 0; i < fast.size(); ++i) {
      const float tol = 4 * std::numeric_limits<float>::epsilon() * std::fabs(ref[i]) +
                        0.5f * std::fabs(gate[i] * up[i]) * std::numeric_limits<float>::epsilon();
      EXPECT_NEAR(fast[i], ref[i], tol) << "n " << n << " i " << i;
    }
  }
}

// rms_norm's SIMD sum of squares (another order, in double like the
// reference's) gives the same float scale here, so the same bits: with and
// without a weight, in place, and with a tail past the 8-wide body.
TEST(RmsNorm, MatchesTheReference) {
  std::mt19937 rng(6);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  for (const int64_t n : {8, 13, 64, 2048}) {
    std::vector<float> x(static_cast<size_t>(n)), w(x.size()), a(x.size()), b(x.size());
    for (auto& v : x) v = dist(rng);
    for (auto& v : w) v = dist(rng);
    for (const float* weight : {static_cast<const float*>(w.data()), static_cast<const float*>(nullptr)}) {
      rms_norm(x.data(), weight, a.data(), n, 1e-5f);
      rms_norm_generic(x.data(), weight, b.data(), n, 1e-5f);
      EXPECT_EQ(a, b) << "n " << n;
    }
    std::vector<float> in_place = x;
    rms_norm(in_place.data(), w.data(), in_place.data(), n, 1e-5f);
    rms_norm_generic(x.data(), w.data(), b.data(), n, 1e-5f);
    EXPECT_EQ(in_place, b);
  }
}

// The forward pass's split (angles once per position, then each head
// rotated) gives rope()'s bits, in both pairings.
TEST(Rope, AnglesThenRotationIsRope) {
  constexpr int64_t kHead = 64, kRope = 32;  // partial rotation: dims past kRope untouched
  std::vector<float> freqs(kRope / 2);
  for (size_t i = 0; i < freqs.size(); ++i) freqs[i] = std::pow(10000.0f, -2.0f * static_cast<float>(i) / kRope);
  std::mt19937 rng(5);
  std::normal_distribution<float> dist;
  for (const RopeStyle style : {RopeStyle::Adjacent, RopeStyle::Halves}) {
    std::vector<float> a(kHead), b(kHead);
    for (auto& x : a) x = dist(rng);
    b = a;
    const std::vector<float> before = a;
    rope(a.data(), kRope, 1234, freqs.data(), style);
    std::vector<float> cs(kRope);
    rope_angles(kRope, 1234, freqs.data(), cs.data());
    rope_rotate(b.data(), kRope, cs.data(), style);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, before);
    for (int64_t i = kRope; i < kHead; ++i) EXPECT_EQ(a[static_cast<size_t>(i)], before[static_cast<size_t>(i)]);
  }
}

}  // namespace
}  // namespace hearth::compute

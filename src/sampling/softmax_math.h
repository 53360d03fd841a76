// The two hot pieces of every softmax over a vocabulary row: exp of a
// non-positive number, and a long sum.
//
// exp(x) for x <= 0, the only case softmax needs once the max logit is
// subtracted. Written so a row of 150k logits vectorises (plain SSE2: no
// calls, no floor, no branches) and so its result does not depend on the
// platform's libm: a seed gives the same tokens everywhere.
//
// Method: x = n*ln2 + r with n = round(x / ln2), |r| <= ln2/2; exp(r) by its
// Taylor series to r^7 (truncation < 0.3466^8/8! = 5e-9 relative); 2^n put
// straight into the exponent bits. Relative error < 2e-7 (tested against
// std::exp). Below -87 (where exp < 1.7e-38, a probability no sampler can
// see) the result is exactly 0, so a masked -inf logit is never drawn.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hearth::sampling {

inline float exp_nonpositive(float x) {
  constexpr float kCutoff = -87.0f;          // n stays >= -126: a normal 2^n
  constexpr float kLog2e = 1.44269504f;
  constexpr float kLn2Hi = 0.693145752f;     // ln 2 split so n * kLn2Hi is exact
  constexpr float kLn2Lo = 1.42860677e-06f;
  constexpr float kRound = 12582912.0f;      // 1.5 * 2^23: adding it rounds to an integer
  // Both selects are bit masks: the compiler keeps a float ternary (or
  // std::max) as a branch, which stops the loop from vectorising.
  const uint32_t keep = 0u - static_cast<uint32_t>(x >= kCutoff);  // all ones, or 0 below the cutoff
  const float xc = std::bit_cast<float>((std::bit_cast<uint32_t>(x) & keep) |
                                        (std::bit_cast<uint32_t>(kCutoff) & ~keep));
  const float n = (xc * kLog2e + kRound) - kRound;
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23);
  return std::bit_cast<float>(std::bit_cast<uint32_t>(p * scale) & keep);
}

// sum of term(i) for i in [0, n), in double. Eight interleaved partial sums:
// no single chain of dependent adds (so 150k terms are not latency-bound,
// and term() can be vectorised across lanes), a fixed order (so the result
// is deterministic), and double precision over a long sum of floats.
template <class Term>
double lane_sum(size_t n, Term term) {
  constexpr size_t kLanes = 8;
  double lane[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j) lane[j] += static_cast<double>(term(i + j));
  double total = 0.0;
  for (const double s : lane) total += s;
  for (; i < n; ++i) total += static_cast<double>(term(i));
  return total;
}

}  // namespace hearth::sampling

// The llama q/k row permutation of `hearth convert`, checked against the
// rotary maths rather than against its own inverse: Hugging Face rotates each
// head's two halves (x[i], x[i + d/2]) — the "halves" pairing — while GGUF
// llama rotates adjacent pairs. Permuting a projection's rows and rotating
// adjacent pairs must give the permuted HF result, so attention scores q·k
// are the same in both files.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "compute/ops.h"
#include "model/convert.h"

namespace hearth::model {
namespace {

TEST(ConvertPermute, AdjacentRopeOnPermutedRowsEqualsHalvesRopeOnHfRows) {
  constexpr int64_t kHeads = 3, kHeadDim = 8, kIn = 5;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> w_hf(kHeads * kHeadDim * kIn), x(kIn);
  for (auto& v : w_hf) v = dist(rng);
  for (auto& v : x) v = dist(rng);
  std::vector<float> w_gguf(w_hf.size());
  permute_rotary_rows(w_hf.data(), w_gguf.data(), kHeads, kHeadDim, kIn);

  auto project = [&](const std::vector<float>& w) {
    std::vector<float> q(kHeads * kHeadDim, 0.0f);
    for (int64_t r = 0; r < kHeads * kHeadDim; ++r) {
      for (int64_t c = 0; c < kIn; ++c) q[r] += w[r * kIn + c] * x[c];
    }
    return q;
  };
  std::vector<float> freqs(kHeadDim / 2);
  for (int64_t i = 0; i < kHeadDim / 2; ++i) freqs[i] = std::pow(10000.0f, -2.0f * i / kHeadDim);

  for (const int64_t pos : {0, 1, 17}) {
    std::vector<float> q_hf = project(w_hf), q_gguf = project(w_gguf);
    for (int64_t h = 0; h < kHeads; ++h) {
      compute::rope(q_hf.data() + h * kHeadDim, kHeadDim, pos, freqs.data(), compute::RopeStyle::Halves);
      compute::rope(q_gguf.data() + h * kHeadDim, kHeadDim, pos, freqs.data(), compute::RopeStyle::Adjacent);
    }
    std::vector<float> q_hf_permuted(q_hf.size());
    permute_rotary_rows(q_hf.data(), q_hf_permuted.data(), kHeads, kHeadDim, 1);
    for (size_t i = 0; i < q_hf.size(); ++i) {
      // Same products in the same order: equal to float rounding.
      EXPECT_NEAR(q_gguf[i], q_hf_permuted[i], 1e-5f) << "pos " << pos << " row " << i;
    }
  }
}

TEST(ConvertPermute, MovesRowHalfIToAdjacentSlot) {
  // One head of 4: HF rows [x0 x1 | y0 y1] -> GGUF [x0 y0 x1 y1].
  const std::vector<float> hf = {10, 11, 20, 21};
  std::vector<float> g(4);
  permute_rotary_rows(hf.data(), g.data(), 1, 4, 1);
  EXPECT_EQ(g, (std::vector<float>{10, 20, 11, 21}));
}

}  // namespace
}  // namespace hearth::model

// The activation quantizers of the best table (AVX2 on x86: quant/x86/
// activations_avx2.cpp) against the scalar references, bit for bit: every
// matmul's input goes through them, and the gemm/dot bit-equality tests
// quantize their activations with the reference, so a kernel that rounded
// one element differently would go unnoticed there. Rows mix ordinary values
// with the edges: zeros, ties, tiny, huge (the fp16 scale saturates), inf and
// NaN of both signs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "quant/type_traits.h"

namespace hearth::quant {
namespace {

// n >= 256 (the edge cases sit in the first 256 elements).
std::vector<float> row(int64_t n, uint32_t seed, int edges) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = dist(rng);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  switch (edges) {
    case 1:  // a zero block, a constant one, exact ties (127 / 2 steps)
      for (int i = 0; i < 32; ++i) x[static_cast<size_t>(i)] = 0.0f;
      for (int i = 32; i < 64; ++i) x[static_cast<size_t>(i)] = 1.5f;
      for (int i = 64; i < 96; ++i) x[static_cast<size_t>(i)] = (i % 2 ? 0.5f : -2.5f) * (i == 64 ? 50.8f : 1.0f);
      break;
    case 2:  // tiny, huge and non-finite values
      x[1] = 1e-30f;
      x[40] = 3e38f;
      x[41] = -3e38f;
      x[70] = INFINITY;
      x[100] = -INFINITY;
      x[130] = nan;
      x[131] = -nan;
      x[200] = 1e-42f;  // subnormal
      break;
    default:
      break;
  }
  return x;
}

void expect_same_bits(TensorType type) {
  const TypeTraits& best = traits(type);
  const TypeTraits& ref = generic_traits(type);
  for (const int64_t n : {int64_t{256}, int64_t{512}, int64_t{8192}}) {
    for (int edges = 0; edges < 3; ++edges) {
      const std::vector<float> x = row(n, static_cast<uint32_t>(n + edges), edges);
      const uint64_t bytes = row_bytes(layout_of(type), static_cast<uint64_t>(n));
      std::vector<uint8_t> a(bytes, 0xAA), b(bytes, 0x55);
      best.quantize(x.data(), a.data(), n, nullptr);
      ref.quantize(x.data(), b.data(), n, nullptr);
      EXPECT_EQ(0, std::memcmp(a.data(), b.data(), bytes))
          << tensor_type_name(type) << " n " << n << " edges " << edges;
    }
  }
}

TEST(ActivationQuantizers, Q8_0MatchesTheReferenceBitForBit) { expect_same_bits(TensorType::Q8_0); }
TEST(ActivationQuantizers, Q8_KMatchesTheReferenceBitForBit) { expect_same_bits(TensorType::Q8_K); }

// The table really runs the SIMD quantizer where the CPU has it: without this
// the bit tests above would pass comparing the reference with itself.
TEST(ActivationQuantizers, TheBestTableHasTheSimdQuantizers) {
  if (std::string_view(kernel_isa()) == "generic") GTEST_SKIP() << "no SIMD kernels on this CPU";
  EXPECT_NE(traits(TensorType::Q8_0).quantize, generic_traits(TensorType::Q8_0).quantize);
  EXPECT_NE(traits(TensorType::Q8_K).quantize, generic_traits(TensorType::Q8_K).quantize);
}

}  // namespace
}  // namespace hearth::quant

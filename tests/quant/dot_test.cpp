// Dot kernels of every weight type on random data:
//  - the scalar reference equals the dot of the dequantized rows,
//  - the table's kernel (AVX2 where the CPU has it) equals the scalar one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"

namespace hearth::quant {
namespace {

constexpr int64_t kN = 4096;  // 16 super-blocks, 128 legacy blocks

struct Rows {
  std::vector<uint8_t> x, y;       // weight row, activation row (vec_dot_type)
  std::vector<float> xd, yd;       // their dequantized values
};

Rows make_rows(TensorType type, uint32_t seed, int64_t n = kN) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> xf(n), yf(n);
  for (auto& v : xf) v = dist(rng) * 0.05f;
  for (auto& v : yf) v = dist(rng);
  const TypeTraits& tr = generic_traits(type);
  const TypeTraits& act = generic_traits(tr.vec_dot_type);
  Rows r;
  r.x.resize(row_bytes(layout_of(type), n));
  r.y.resize(row_bytes(layout_of(tr.vec_dot_type), n));
  tr.quantize(xf.data(), r.x.data(), n, nullptr);
  act.quantize(yf.data(), r.y.data(), n, nullptr);
  r.xd.resize(n);
  r.yd.resize(n);
  tr.dequantize(r.x.data(), r.xd.data(), n);
  act.dequantize(r.y.data(), r.yd.data(), n);
  return r;
}

std::vector<TensorType> weight_types() {
  int n = 0;
  const TensorType* t = types_with_kernels(&n);
  std::vector<TensorType> out;
  for (int i = 0; i < n; ++i) {
    if (generic_traits(t[i]).weight_type) out.push_back(t[i]);
  }
  return out;
}

std::string type_name(const testing::TestParamInfo<TensorType>& info) {
  return std::string(tensor_type_name(info.param));
}

class Dot : public testing::TestWithParam<TensorType> {};

// The scalar kernel computes sum(x_i * y_i) over the dequantized rows. Integer
// parts are exact; the tolerance covers float summation order and the fp16
// rounding of the stored block sums of Q8_1 (relative 2^-11 on that term):
// 1e-3 of sum |x_i y_i|.
TEST_P(Dot, ScalarMatchesDequantized) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const Rows r = make_rows(GetParam(), seed);
    double want = 0, mag = 0;
    for (int64_t i = 0; i < kN; ++i) {
      want += double(r.xd[i]) * r.yd[i];
      mag += std::fabs(double(r.xd[i]) * r.yd[i]);
    }
    const float got = generic_traits(GetParam()).vec_dot(kN, r.x.data(), r.y.data());
    EXPECT_NEAR(got, want, 1e-3 * mag) << "seed " << seed;
  }
}

// SIMD and scalar kernels differ only in float summation order: 1e-5 of
// sum |x_i y_i| (float has 24 bits; 4096 terms in a few partial sums).
TEST_P(Dot, SimdMatchesScalar) {
  const TypeTraits& best = traits(GetParam());
  for (uint32_t seed : {4u, 5u, 6u}) {
    const Rows r = make_rows(GetParam(), seed);
    double mag = 0;
    for (int64_t i = 0; i < kN; ++i) mag += std::fabs(double(r.xd[i]) * r.yd[i]);
    const float ref = generic_traits(GetParam()).vec_dot(kN, r.x.data(), r.y.data());
    const float got = best.vec_dot(kN, r.x.data(), r.y.data());
    EXPECT_NEAR(got, ref, 1e-5 * mag) << kernel_isa() << " seed " << seed;
  }
}

// The AVX2 row loops take scales 8 blocks at a time (x86/legacy_avx2.h) and
// finish the remaining blocks one by one: rows of 8k + 1 .. 8k + 7 blocks go
// through both paths. Same tolerance as above.
TEST_P(Dot, SimdMatchesScalarWhenBlocksAreNotAMultipleOf8) {
  const TypeTraits& best = traits(GetParam());
  const int64_t block = std::max<int64_t>(layout_of(GetParam()).block_size, 32);
  for (const int64_t blocks : {int64_t{1}, int64_t{7}, int64_t{13}, int64_t{22}}) {
    const int64_t n = blocks * block;
    const Rows r = make_rows(GetParam(), static_cast<uint32_t>(blocks), n);
    double mag = 0;
    for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(r.xd[i]) * r.yd[i]);
    const float ref = generic_traits(GetParam()).vec_dot(n, r.x.data(), r.y.data());
    const float got = best.vec_dot(n, r.x.data(), r.y.data());
    EXPECT_NEAR(got, ref, 1e-5 * mag) << kernel_isa() << ", " << blocks << " blocks";
  }
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, Dot, testing::ValuesIn(weight_types()), type_name);

// On an AVX2 machine the table must use the AVX2 kernel for every type that
// x86/fallbacks.h says has one.
TEST(KernelTable, UsesAvx2WhereListed) {
  if (!cpu_features().has_avx2_kernels()) {
    EXPECT_STREQ(kernel_isa(), "generic");
    return;
  }
  EXPECT_TRUE(std::string(kernel_isa()) == "avx2" || std::string(kernel_isa()) == "avx2+avx512") << kernel_isa();
  for (const auto& k : x86::kAvx2Kernels) {
    EXPECT_EQ(k.vec_dot, traits(k.type).vec_dot != generic_traits(k.type).vec_dot)
        << tensor_type_name(k.type);
  }
}

TEST(KernelTable, UnsupportedTypeIsAClearError) {
  try {
    traits(TensorType::IQ2_XXS);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hearth::quant

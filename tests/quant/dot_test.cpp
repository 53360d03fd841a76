// Dot kernels of every weight type on random data:
//  - the scalar reference equals the dot of the dequantized rows,
//  - the table's kernel (AVX2 where the CPU has it) equals the scalar one.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/gemm.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"
#include "activation_rows.h"

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
    const float got = best.vec_dot(kN, r.x.data(), test::as_read_by(best, r.y, kN).data());
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
    const float got = best.vec_dot(n, r.x.data(), test::as_read_by(best, r.y, n).data());
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
  EXPECT_TRUE(std::string(kernel_isa()).starts_with("avx2")) << kernel_isa();
  for (const auto& k : x86::kAvx2Kernels) {
    EXPECT_EQ(k.vec_dot, traits(k.type).vec_dot != generic_traits(k.type).vec_dot)
        << tensor_type_name(k.type);
  }
}

// Where the CPU has AVX-512 VNNI and VBMI, the table takes the VNNI dot and
// gemm of every type that has them (with their activation side data; the
// gemm is checked against the dot in gemm_test.cpp), and nowhere else:
// an AVX2-only CPU must never reach it.
TEST(Avx512VnniDot, TableUsesItExactlyWhereTheCpuHasIt) {
  const char* env = std::getenv("HEARTH_KERNELS");
  const bool vnni = cpu_features().has_avx512_vnni_kernels() && (env == nullptr || std::string(env) != "avx2");
  EXPECT_EQ(std::string(kernel_isa()) == "avx2+avx512vnni", vnni) << kernel_isa();
  for (const TensorType t : x86::kAvx512VnniDots) {
    EXPECT_EQ(traits(t).vec_dot == avx512::vec_dot_q4_0_q8_0, vnni) << tensor_type_name(t);
    EXPECT_EQ(traits(t).gemm == avx512::gemm_q4_0_q8_0, vnni) << tensor_type_name(t);
    // with its own side data (the codes in its order: block_groups.h)
    EXPECT_EQ(traits(t).act_extras == &avx512::q4_0_activation_extras, vnni) << tensor_type_name(t);
    EXPECT_EQ(traits(t).act_extras == &avx2::q4_0_activation_extras, cpu_features().has_avx2_kernels() && !vnni)
        << tensor_type_name(t);
  }
}

// Block b's exact integer dot with its activations: (code - 8) y for Q4_0,
// x y for Q8_0.
int32_t block_sum(const BlockQ4_0& x, const BlockQ8_0& y) {
  int32_t sum = 0;
  for (int j = 0; j < 16; ++j) sum += ((x.qs[j] & 0x0f) - 8) * y.qs[j] + ((x.qs[j] >> 4) - 8) * y.qs[j + 16];
  return sum;
}
int32_t block_sum(const BlockQ8_0& x, const BlockQ8_0& y) {
  int32_t sum = 0;
  for (int j = 0; j < 32; ++j) sum += x.qs[j] * y.qs[j];
  return sum;
}

// The x86 Q4_0 dots (AVX2 and AVX-512 VNNI) and the AVX2 Q8_0 dot are
// exactly their documented arithmetic (x86/block_groups.h): per group of 8
// blocks, lane l takes block l's exact integer sum times d_x d_y in one FMA;
// the row ends with the lanes' sum ((a0 + a4) + (a2 + a6)) + ((a1 + a5) +
// (a3 + a7)); the last nb % 8 blocks are one more group with zeros in the
// unused lanes. Modelled here in scalar code and compared bit for bit, on raw
// random codes (Q8_0's -128 included) and scales, for block counts on both
// sides of the groups. (Each gemm returns its dot's bits: gemm_test.cpp.)
template <typename Block>
void expect_group_formula(VecDotFn dot, const ActivationExtras& extras, const char* name) {
  std::mt19937 rng(31);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (const int64_t nb : {1, 2, 7, 8, 9, 16, 23, 64, 129}) {
    const int64_t n = nb * 32;
    std::vector<Block> x(static_cast<size_t>(nb));
    for (auto& b : x) {  // finite scales of any magnitude fp16 holds, raw codes
      b.d = fp32_to_fp16(std::ldexp(dist(rng), static_cast<int>(rng() % 20) - 14));
      for (auto& q : b.qs) q = static_cast<std::remove_reference_t<decltype(q)>>(rng());
    }
    std::vector<float> yf(static_cast<size_t>(n));
    for (auto& v : yf) v = dist(rng) * 10.0f;
    std::vector<uint8_t> y(row_bytes(layout_of(TensorType::Q8_0), static_cast<uint64_t>(n)));
    generic_traits(TensorType::Q8_0).quantize(yf.data(), y.data(), n, nullptr);
    const auto* yb = reinterpret_cast<const BlockQ8_0*>(y.data());

    float acc[8] = {};
    for (int64_t b = 0; b < nb; ++b) {
      const int32_t sum = block_sum(x[b], yb[b]);
      const float d = fp16_to_fp32(x[b].d) * fp16_to_fp32(yb[b].d);
      acc[b % 8] = std::fma(d, static_cast<float>(sum), acc[b % 8]);
    }
    const float want = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    TypeTraits rows = traits(TensorType::Q8_0);  // the kernel's activation rows, whatever HEARTH_KERNELS says
    rows.act_extras = &extras;
    const float got = dot(n, x.data(), test::as_read_by(rows, y, n).data());
    EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
        << name << ", " << nb << " blocks: " << got << " vs " << want;
  }
}

TEST(Q4_0GroupDot, Avx2IsExactlyItsFormula) {
  if (!cpu_features().has_avx2_kernels()) {
    EXPECT_EQ(traits(TensorType::Q4_0).vec_dot, generic_traits(TensorType::Q4_0).vec_dot);
    return;
  }
  expect_group_formula<BlockQ4_0>(avx2::vec_dot_q4_0_q8_0, avx2::q4_0_activation_extras, "avx2 q4_0");
}

TEST(Q8_0GroupDot, Avx2IsExactlyItsFormula) {
  if (!cpu_features().has_avx2_kernels()) {
    EXPECT_EQ(traits(TensorType::Q8_0).vec_dot, generic_traits(TensorType::Q8_0).vec_dot);
    return;
  }
  EXPECT_EQ(traits(TensorType::Q8_0).act_extras, &avx2::q8_0_activation_extras);
  expect_group_formula<BlockQ8_0>(avx2::vec_dot_q8_0_q8_0, avx2::q8_0_activation_extras, "avx2 q8_0");
}

// Without VNNI the table must not use the VNNI dot.
TEST(Q4_0GroupDot, Avx512VnniIsExactlyItsFormula) {
  if (!cpu_features().has_avx512_vnni_kernels()) {
    EXPECT_NE(traits(TensorType::Q4_0).vec_dot, avx512::vec_dot_q4_0_q8_0);
    return;
  }
  expect_group_formula<BlockQ4_0>(avx512::vec_dot_q4_0_q8_0, avx512::q4_0_activation_extras, "avx512 vnni q4_0");
}

// The AVX-512 dot of a type listed in kAvx512Dots.
VecDotFn avx512_k_dot(TensorType t) {
  return t == TensorType::Q4_K ? avx512::vec_dot_q4_K_q8_K : avx512::vec_dot_q6_K_q8_K;
}

// Where the CPU has AVX-512 (F, BW, VL), the table takes the AVX-512 dot of
// every type listed in kAvx512Dots, and nowhere else.
TEST(Avx512Dot, TableUsesItExactlyWhereTheCpuHasAvx512) {
  const bool avx512 = std::string(kernel_isa()).starts_with("avx2+avx512");
  const char* env = std::getenv("HEARTH_KERNELS");
  EXPECT_EQ(avx512, cpu_features().has_avx512_kernels() && (env == nullptr || std::string(env) != "avx2"));
  for (const TensorType t : x86::kAvx512Dots) {
    EXPECT_EQ(traits(t).vec_dot == avx512_k_dot(t), avx512) << tensor_type_name(t);
  }
}

// The AVX-512 K dots return the AVX2 dots' bits (x86/k_avx512.cpp says why),
// so a row gives the same logits on either CPU and the gemms (AVX2 bits too)
// stay equal to them. Checked on quantized rows and on raw random bytes with
// finite scales of any magnitude (every code, scale and min the formats can
// hold), for 1 to 33 super-blocks.
TEST(Avx512Dot, EqualsTheAvx2DotBitForBit) {
  if (!cpu_features().has_avx512_kernels()) {
    EXPECT_NE(traits(TensorType::Q4_K).vec_dot, avx512::vec_dot_q4_K_q8_K);
    EXPECT_NE(traits(TensorType::Q6_K).vec_dot, avx512::vec_dot_q6_K_q8_K);
    return;
  }
  std::mt19937 rng(57);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (const TensorType t : x86::kAvx512Dots) {
    const VecDotFn avx512_dot = avx512_k_dot(t);
    const VecDotFn avx2_dot = t == TensorType::Q4_K ? avx2::vec_dot_q4_K_q8_K : avx2::vec_dot_q6_K_q8_K;
    for (const int64_t nb : {1, 2, 3, 16, 33}) {
      const int64_t n = nb * 256;
      Rows r = make_rows(t, static_cast<uint32_t>(nb), n);
      const auto same = [&](const char* what) {
        const float want = avx2_dot(n, r.x.data(), r.y.data());
        const float got = avx512_dot(n, r.x.data(), r.y.data());
        EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
            << tensor_type_name(t) << ", " << nb << " super-blocks, " << what << ": " << got << " vs " << want;
      };
      same("quantized");
      for (auto& byte : r.x) byte = static_cast<uint8_t>(rng());
      // The super-block scales (fp16 at the block's start: Q4_K d and dmin,
      // Q6_K d at its end) made finite.
      const uint64_t bb = row_bytes(layout_of(t), 256);
      for (int64_t b = 0; b < nb; ++b) {
        uint8_t* blk = r.x.data() + b * bb;
        const auto finite = [&](uint8_t* at) {
          const uint16_t h = fp32_to_fp16(std::ldexp(dist(rng), static_cast<int>(rng() % 20) - 14));
          std::memcpy(at, &h, sizeof(h));
        };
        if (t == TensorType::Q4_K) {
          finite(blk);
          finite(blk + 2);
        } else {
          finite(blk + bb - 2);
        }
      }
      same("raw bytes");
    }
    // A row that is not a whole number of super-blocks is the AVX2 dot's clear error, not a read past it.
    const Rows r = make_rows(t, 1, 512);
    try {
      avx512_dot(300, r.x.data(), r.y.data());
      ADD_FAILURE() << tensor_type_name(t) << ": expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("whole number of blocks"), std::string::npos) << e.what();
    }
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

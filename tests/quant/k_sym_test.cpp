// The symmetric formats (Q3_K, Q6_K, IQ4_NL, IQ4_XS) beyond the goldens of
// golden_test.cpp and the random rows of dot_test.cpp: bit-layout round trips,
// exactly representable blocks, zero and extreme blocks, dots on arbitrary
// block bytes (every bit pattern is a valid block) against an independent
// double-precision oracle, several super-blocks, the imatrix, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/sym_layout.h"
#include "quant/type_traits.h"

namespace hearth::quant {
namespace {

using TT = TensorType;

const TT kTypes[] = {TT::Q3_K, TT::Q6_K, TT::IQ4_NL, TT::IQ4_XS};

std::string type_name(const testing::TestParamInfo<TT>& info) {
  return std::string(tensor_type_name(info.param));
}

size_t row_size(TT t, int64_t n) { return row_bytes(layout_of(t), static_cast<uint64_t>(n)); }
int64_t block_elems(TT t) { return layout_of(t).block_size; }

// Byte offset and block size of the fp16 super-scale `d` of each format.
struct DField {
  size_t offset, block_bytes;
};
DField d_field(TT t) {
  switch (t) {
    case TT::Q3_K:
      return {offsetof(BlockQ3_K, d), sizeof(BlockQ3_K)};
    case TT::Q6_K:
      return {offsetof(BlockQ6_K, d), sizeof(BlockQ6_K)};
    case TT::IQ4_NL:
      return {offsetof(BlockIQ4_NL, d), sizeof(BlockIQ4_NL)};
    default:
      return {offsetof(BlockIQ4_XS, d), sizeof(BlockIQ4_XS)};
  }
}

std::vector<float> dequantized(TT t, const std::vector<uint8_t>& q, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  generic_traits(t).dequantize(q.data(), y.data(), n);
  return y;
}

std::vector<uint8_t> quantized(TT t, const std::vector<float>& x, const float* imatrix = nullptr) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_size(t, n));
  generic_traits(t).quantize(x.data(), q.data(), n, imatrix);
  return q;
}

// ---- bit layouts: every index / scale written is read back, and writes of
// one element never touch another's bits ----

TEST(SymLayout, IndicesRoundTripInEveryPosition) {
  std::mt19937 rng(1);
  BlockQ6_K b6{};
  BlockQ3_K b3{};
  int want6[kQKK], want3[kQKK];
  for (int e = 0; e < kQKK; ++e) {
    want6[e] = static_cast<int>(rng() % 64);
    want3[e] = static_cast<int>(rng() % 8);
    sym::q6_K_set_index(b6, e, want6[e]);
    sym::q3_K_set_index(b3, e, want3[e]);
  }
  uint8_t nib[kQK / 2] = {};
  int want4[kQK];
  for (int e = 0; e < kQK; ++e) {
    want4[e] = static_cast<int>(rng() % 16);
    sym::iq4_set_index(nib, e, want4[e]);
  }
  int8_t got6[kQKK], got3[kQKK];
  sym::q6_K_values(b6, got6);
  sym::q3_K_values(b3, got3);
  for (int e = 0; e < kQKK; ++e) {
    EXPECT_EQ(got6[e], want6[e] - 32) << e;
    EXPECT_EQ(got3[e], want3[e] - 4) << e;
  }
  for (int e = 0; e < kQK; ++e) EXPECT_EQ(sym::iq4_index(nib, e), want4[e]) << e;
}

TEST(SymLayout, ScalesRoundTripOverTheFullRange) {
  for (int c0 = -32; c0 < 32; ++c0) {
    uint8_t packed[12] = {};
    BlockIQ4_XS xs{};
    int want[16];
    for (int j = 0; j < 16; ++j) {
      want[j] = (c0 + 32 + 5 * j) % 64 - 32;  // every value in every slot over the loop
      sym::q3_K_set_scale(packed, j, want[j]);
      if (j < 8) sym::iq4_xs_set_scale(xs, j, want[j]);
    }
    for (int j = 0; j < 16; ++j) {
      EXPECT_EQ(sym::q3_K_scale(packed, j), want[j]) << c0 << " " << j;
      if (j < 8) {
        EXPECT_EQ(sym::iq4_xs_scale(xs, j), want[j]) << c0 << " " << j;
      }
    }
  }
}

class KSym : public testing::TestWithParam<TT> {};

// ---- quantizer ----

// Values that are exactly d * c_j * level for a power-of-two d are recovered
// exactly: the search puts the largest |x| of each sub-block on the lowest
// level (each sub-block holds one), and one sub-block has the largest integer
// scale, so the candidates include the exact scales.
TEST_P(KSym, RecoversExactlyRepresentableValues) {
  const TT t = GetParam();
  const int64_t n = 3 * kQKK;
  std::mt19937 rng(2);
  std::vector<float> x(static_cast<size_t>(n));
  const float d = 1.0f / 256.0f;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    // per format: sub-block size, integer scale range, lowest level, levels
    int sub = 16, cmax = 31, nlev = 8;
    if (t == TT::Q6_K) cmax = 127, nlev = 64;
    if (t == TT::IQ4_NL) sub = 32, cmax = 1, nlev = 16;
    if (t == TT::IQ4_XS) sub = 32, nlev = 16;
    auto level = [&](int i) -> float {
      if (t == TT::Q3_K) return static_cast<float>(i - 4);
      if (t == TT::Q6_K) return static_cast<float>(i - 32);
      return kIQ4NLValues[i];
    };
    for (int j = 0; j < kQKK / sub; ++j) {
      const int c = j == 0 ? cmax : 1 + static_cast<int>(rng() % static_cast<unsigned>(cmax));
      for (int i = 0; i < sub; ++i) {
        const int l = i == 3 ? 0 : static_cast<int>(rng() % static_cast<unsigned>(nlev));
        x[static_cast<size_t>(b * kQKK + j * sub + i)] = d * static_cast<float>(c) * level(l);
      }
    }
  }
  const std::vector<float> y = dequantized(t, quantized(t, x), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(y[i], x[i]) << i;
}

// All-zero input gives all-zero output (no NaN from a zero scale).
TEST_P(KSym, ZeroBlocksStayZero) {
  const TT t = GetParam();
  const int64_t n = 2 * kQKK;
  const std::vector<float> x(static_cast<size_t>(n), 0.0f);
  const std::vector<float> y = dequantized(t, quantized(t, x), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(y[i], 0.0f) << i;
}

// Error bounds per format on Gaussian data over several super-blocks, as a
// fraction of the data's RMS: the measured values are Q3_K 0.141, Q6_K 0.016,
// IQ4_NL / IQ4_XS 0.073 (golden_test.cpp holds them to the reference); the
// bounds leave 10-20% margin. Also: a row of several super-blocks quantizes each
// independently (the same bytes as quantizing them one by one).
TEST_P(KSym, GaussianErrorWithinBoundAndBlocksIndependent) {
  const TT t = GetParam();
  const double bound = t == TT::Q3_K ? 0.16 : t == TT::Q6_K ? 0.019 : 0.081;
  const int64_t n = 8 * kQKK;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = dist(rng) * 0.02f;
  const std::vector<uint8_t> q = quantized(t, x);
  const std::vector<float> y = dequantized(t, q, n);
  double se = 0, ss = 0;
  for (int64_t i = 0; i < n; ++i) {
    se += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    ss += double(x[i]) * x[i];
  }
  RecordProperty("relative_rmse", std::to_string(std::sqrt(se / ss)));
  EXPECT_LE(std::sqrt(se / ss), bound);

  const std::vector<float> last(x.end() - kQKK, x.end());
  const std::vector<uint8_t> q_last = quantized(t, last);
  EXPECT_EQ(std::memcmp(q_last.data(), q.data() + q.size() - q_last.size(), q_last.size()), 0);
}

// Outliers: one huge value among small ones (the search must still place it
// on a level, within its format's step), and values near the largest the
// fp16 super-scale allows.
TEST_P(KSym, ExtremeValues) {
  const TT t = GetParam();
  const int64_t n = kQKK;
  std::vector<float> x(static_cast<size_t>(n));
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (auto& v : x) v = dist(rng) * 1e-3f;
  x[17] = -50.0f;
  std::vector<float> y = dequantized(t, quantized(t, x), n);
  // The outlier lands on the lowest level of every format; the least-squares
  // scale and the stored scale's rounding move it by well under 1%.
  EXPECT_NEAR(y[17], -50.0f, 0.5f);

  // Large values: 2e4 needs d = 2e4 / (127 * 32) = 4.9 (Q6_K) .. 2e4 / (32 * 4)
  // = 156 (Q3_K), all far below fp16's 65504.
  for (int64_t i = 0; i < n; ++i) x[i] = (i % 2 ? 2e4f : -2e4f) * static_cast<float>(i % 7) / 6;
  y = dequantized(t, quantized(t, x), n);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(std::isfinite(y[i])) << i;
    EXPECT_NEAR(y[i], x[i], 0.2 * 2e4) << i;
  }
}

// The imatrix weights the error: quantizing with weights 100 on every 11th
// element must give a clearly lower weighted error than quantizing without it
// (measured: 0.38-0.41 of it; bound 0.7).
TEST_P(KSym, ImatrixLowersWeightedError) {
  const TT t = GetParam();
  const int64_t n = 8 * kQKK;
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    x[i] = dist(rng);
    w[i] = i % 11 == 0 ? 100.0f : 1.0f;
  }
  auto weighted_se = [&](const std::vector<float>& y) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += w[i] * (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    return s;
  };
  const double plain = weighted_se(dequantized(t, quantized(t, x), n));
  const double weighted = weighted_se(dequantized(t, quantized(t, x, w.data()), n));
  RecordProperty("weighted_ratio", std::to_string(weighted / plain));
  EXPECT_LT(weighted, 0.7 * plain);

  // Zero weights on a whole super-block leave its scale free: the result must
  // still be finite and as close as the unweighted quantization (maximum-
  // magnitude scale), here within 2x its error.
  std::fill(w.begin(), w.begin() + kQKK, 0.0f);
  const std::vector<float> y0 = dequantized(t, quantized(t, x, w.data()), n);
  const std::vector<float> y1 = dequantized(t, quantized(t, x), n);
  double e0 = 0, e1 = 0;
  for (int64_t i = 0; i < kQKK; ++i) {
    ASSERT_TRUE(std::isfinite(y0[i])) << i;
    e0 += (double(x[i]) - y0[i]) * (double(x[i]) - y0[i]);
    e1 += (double(x[i]) - y1[i]) * (double(x[i]) - y1[i]);
  }
  EXPECT_LE(e0, 2.0 * e1);
}

TEST_P(KSym, BadInputIsAClearError) {
  const TT t = GetParam();
  const std::string name(tensor_type_name(t));
  const auto& tr = generic_traits(t);
  std::vector<float> x(static_cast<size_t>(kQKK), 1.0f);
  std::vector<uint8_t> q(row_size(t, kQKK) + 64);
  auto expect_error = [&](auto&& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { tr.quantize(x.data(), q.data(), block_elems(t) + 8, nullptr); },
               "whole number of blocks");
  x[9] = NAN;
  expect_error([&] { tr.quantize(x.data(), q.data(), kQKK, nullptr); }, "element 9");
  x[9] = 1e30f;  // every scale overflows fp16
  expect_error([&] { tr.quantize(x.data(), q.data(), kQKK, nullptr); }, "fp16");
  x[9] = 1.0f;
  std::vector<float> w(static_cast<size_t>(kQKK), 1.0f);
  w[3] = -1.0f;
  expect_error([&] { tr.quantize(x.data(), q.data(), kQKK, w.data()); }, "element 3");
  std::vector<float> out(static_cast<size_t>(kQKK));
  expect_error([&] { tr.dequantize(q.data(), out.data(), 100); }, name);
  expect_error([&] { tr.vec_dot(100, q.data(), q.data()); }, name);
  expect_error([&] { traits(t).vec_dot(100, q.data(), q.data()); }, name);
}

// ---- dots on arbitrary blocks ----

// A weight row of random bytes (any bit pattern is a valid block) with sane
// fp16 scales, and an activation row (Q8_K or Q8_0) of random int8 in
// -127..127 (the activation contract) with consistent block sums.
// With fill >= 0: every weight byte is `fill`, every d is 1 and every
// activation is `act`.
struct DotRows {
  std::vector<uint8_t> x, y;
};

DotRows random_rows(TT t, int64_t n, std::mt19937& rng, int fill = -1, int act = 0) {
  const bool fixed = fill >= 0;
  DotRows r;
  r.x.resize(row_size(t, n));
  for (auto& b : r.x) b = static_cast<uint8_t>(fixed ? fill : static_cast<int>(rng() & 0xff));
  const DField f = d_field(t);
  std::uniform_real_distribution<float> scale(0.25f, 2.0f);
  for (size_t o = 0; o < r.x.size(); o += f.block_bytes) {
    const uint16_t d = fp32_to_fp16(fixed ? 1.0f : scale(rng));
    std::memcpy(r.x.data() + o + f.offset, &d, sizeof d);
  }
  auto next_act = [&] {
    return static_cast<int8_t>(fixed ? act : static_cast<int>(rng() % 255) - 127);
  };
  if (generic_traits(t).vec_dot_type == TT::Q8_K) {
    std::vector<BlockQ8_K> y(static_cast<size_t>(n / kQKK));
    for (auto& b : y) {
      b.d = fixed ? 1.0f : scale(rng);
      for (int g = 0; g < kQKK / 16; ++g) {
        int s = 0;
        for (int i = 16 * g; i < 16 * g + 16; ++i) s += b.qs[i] = next_act();
        b.bsums[g] = static_cast<int16_t>(s);
      }
    }
    r.y.resize(y.size() * sizeof(BlockQ8_K));
    std::memcpy(r.y.data(), y.data(), r.y.size());
  } else {
    std::vector<BlockQ8_0> y(static_cast<size_t>(n / kQK));
    for (auto& b : y) {
      b.d = fp32_to_fp16(fixed ? 1.0f : scale(rng));
      for (auto& v : b.qs) v = next_act();
    }
    r.y.resize(y.size() * sizeof(BlockQ8_0));
    std::memcpy(r.y.data(), y.data(), r.y.size());
  }
  return r;
}

// sum x_i y_i in double from the dequantized rows; mag = sum |x_i y_i|.
void oracle(TT t, const DotRows& r, int64_t n, double* dot, double* mag) {
  const std::vector<float> xd = dequantized(t, r.x, n);
  std::vector<float> yd(static_cast<size_t>(n));
  generic_traits(generic_traits(t).vec_dot_type).dequantize(r.y.data(), yd.data(), n);
  *dot = 0;
  *mag = 0;
  for (int64_t i = 0; i < n; ++i) {
    *dot += double(xd[i]) * yd[i];
    *mag += std::fabs(double(xd[i]) * yd[i]);
  }
}

// Scalar and table (AVX2 here) dots equal the oracle on random block bytes,
// for 1, 2 and 5 super-blocks. The integer part of both kernels is exact;
// what differs is float rounding of the per-block products and their sum:
// 1e-5 of sum |x_i y_i|.
TEST_P(KSym, DotsMatchOracleOnArbitraryBlocks) {
  const TT t = GetParam();
  std::mt19937 rng(6);
  for (const int64_t n : {int64_t{kQKK}, int64_t{2 * kQKK}, int64_t{5 * kQKK}}) {
    for (int trial = 0; trial < 4; ++trial) {
      const DotRows r = random_rows(t, n, rng);
      double want, mag;
      oracle(t, r, n, &want, &mag);
      EXPECT_NEAR(generic_traits(t).vec_dot(n, r.x.data(), r.y.data()), want, 1e-5 * mag)
          << "scalar n " << n;
      EXPECT_NEAR(traits(t).vec_dot(n, r.x.data(), r.y.data()), want, 1e-5 * mag)
          << kernel_isa() << " n " << n;
    }
  }
  EXPECT_EQ(traits(t).vec_dot(0, nullptr, nullptr), 0.0f);
}

// Extreme blocks: every weight byte one pattern (all indices and scales at
// their ends or alternating bits) against activations all +127 or all -127,
// d = 1: the largest sums the kernels can meet, where saturation of the int16
// products (maddubs) or a wrong offset would show as a large error. The
// integer sums are exact; the bound covers float rounding of sums up to 2^27.
TEST_P(KSym, DotsOnExtremeBlocks) {
  const TT t = GetParam();
  std::mt19937 rng(8);
  const int64_t n = 2 * kQKK;
  for (const int fill : {0x00, 0x55, 0x80, 0xaa, 0xff}) {
    for (const int act : {127, -127}) {
      const DotRows r = random_rows(t, n, rng, fill, act);
      double want, mag;
      oracle(t, r, n, &want, &mag);
      EXPECT_NEAR(generic_traits(t).vec_dot(n, r.x.data(), r.y.data()), want, 1e-6 * mag)
          << "fill " << fill << " act " << act;
      EXPECT_NEAR(traits(t).vec_dot(n, r.x.data(), r.y.data()), want, 1e-6 * mag)
          << kernel_isa() << " fill " << fill << " act " << act;
    }
  }
}

// The scalar Q3_K and Q6_K dots share one loop (sym::dot_sym_K_q8_K); its
// result is pinned bit for bit to the definition, spelled out here with no
// shared code: per block, the exact integer sum of (scale * value) * q_y,
// with scale * value recovered from the dequantizer as round(x / d) (exact:
// |scale * value| <= 4096), then d * d_y * sum added in block order.
TEST(KSymScalarDot, Q3_KAndQ6_KAreBitIdenticalToTheirDefinition) {
  for (const TT t : {TT::Q3_K, TT::Q6_K}) {
    std::mt19937 rng(11);
    for (const int64_t n : {int64_t{kQKK}, int64_t{3 * kQKK}}) {
      const DotRows r = random_rows(t, n, rng);
      const std::vector<float> xd = dequantized(t, r.x, n);
      const DField f = d_field(t);
      const auto* y = reinterpret_cast<const BlockQ8_K*>(r.y.data());
      float want = 0.0f;
      for (int64_t b = 0; b < n / kQKK; ++b) {
        uint16_t d16;
        std::memcpy(&d16, r.x.data() + static_cast<size_t>(b) * f.block_bytes + f.offset, sizeof d16);
        const float d = fp16_to_fp32(d16);
        int32_t sumi = 0;
        for (int e = 0; e < kQKK; ++e) {
          sumi += static_cast<int32_t>(std::lround(xd[static_cast<size_t>(b * kQKK + e)] / d)) * y[b].qs[e];
        }
        want += d * y[b].d * static_cast<float>(sumi);
      }
      const float got = generic_traits(t).vec_dot(n, r.x.data(), r.y.data());
      EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0)
          << tensor_type_name(t) << " n " << n << ": " << got << " vs " << want;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Symmetric, KSym, testing::ValuesIn(kTypes), type_name);

}  // namespace
}  // namespace hearth::quant

// The asymmetric K-quants (Q2_K, Q4_K, Q5_K) and their activation type Q8_K,
// beyond the goldens of golden_test.cpp and the random rows of dot_test.cpp:
// scale packing against the format's formulas, Q8_K's rounding bound, dots on
// hand-made extreme blocks and odd row lengths, the imatrix, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/k_asym.h"
#include "quant/kernels.h"
#include "quant/type_traits.h"

namespace hearth::quant {
namespace {

// ---- 6-bit scales of Q4_K / Q5_K ----

// The unpacking formulas of the format, written out per element as an
// independent oracle for the word-at-a-time unpack.
void unpack_by_formula(const uint8_t b[12], uint8_t sc[8], uint8_t m[8]) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      sc[j] = b[j] & 63;
      m[j] = b[j + 4] & 63;
    } else {
      sc[j] = static_cast<uint8_t>((b[j + 4] & 0xf) | ((b[j - 4] >> 6) << 4));
      m[j] = static_cast<uint8_t>((b[j + 4] >> 4) | ((b[j] >> 6) << 4));
    }
  }
}

TEST(SixBitScales, PackUnpackRoundTripsAndMatchesFormula) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 64; ++trial) {
    uint8_t sc[8], m[8], packed[12], sc2[8], m2[8], sc3[8], m3[8];
    for (int j = 0; j < 8; ++j) {
      // every value 0..63 appears in every slot across the trials
      sc[j] = static_cast<uint8_t>((trial + 9 * j) % 64);
      m[j] = static_cast<uint8_t>(rng() % 64);
    }
    kasym::pack_scales_mins_6bit(sc, m, packed);
    kasym::unpack_scales_mins_6bit(packed, sc2, m2);
    unpack_by_formula(packed, sc3, m3);
    for (int j = 0; j < 8; ++j) {
      EXPECT_EQ(sc2[j], sc[j]) << "trial " << trial << " j " << j;
      EXPECT_EQ(m2[j], m[j]) << "trial " << trial << " j " << j;
      EXPECT_EQ(sc3[j], sc[j]);
      EXPECT_EQ(m3[j], m[j]);
    }
  }
}

// ---- Q8_K ----

TEST(Q8K, RoundsWithinHalfAStepAndKeepsBlockSums) {
  constexpr int64_t n = 3 * kQKK;
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = dist(rng);
  x[5] = -9.0f;  // the extreme of block 0 is negative: it must map to -127
  std::vector<BlockQ8_K> q(n / kQKK);
  generic::quantize_row_q8_K(x.data(), q.data(), n, nullptr);
  std::vector<float> y(n);
  generic::dequantize_row_q8_K(q.data(), y.data(), n);
  EXPECT_EQ(q[0].qs[5], -127);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    ASSERT_GT(q[b].d, 0.0f);
    for (int i = 0; i < kQKK; ++i) {
      const int64_t k = b * kQKK + i;
      // half a step, plus float rounding of x / d (relative 2^-23 of |x|)
      EXPECT_LE(std::fabs(y[k] - x[k]), 0.5f * q[b].d * (1 + 1e-5f)) << k;
    }
    for (int s = 0; s < kQKK / 16; ++s) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += q[b].qs[16 * s + i];
      EXPECT_EQ(q[b].bsums[s], sum);
    }
  }
}

TEST(Q8K, ZeroBlockIsAllZero) {
  std::vector<float> x(kQKK, 0.0f);
  BlockQ8_K q;
  std::memset(&q, 0x55, sizeof(q));
  generic::quantize_row_q8_K(x.data(), &q, kQKK, nullptr);
  EXPECT_EQ(q.d, 0.0f);
  for (int8_t v : q.qs) EXPECT_EQ(v, 0);
  for (int16_t v : q.bsums) EXPECT_EQ(v, 0);
}

// ---- the three weight formats ----

struct Format {
  TensorType type;
  size_t block_bytes;
  DequantizeRowFn dequantize;
  QuantizeRowFn quantize;
  VecDotFn dot;       // scalar reference
  VecDotFn dot_avx2;
};

const Format kFormats[] = {
    {TensorType::Q2_K, sizeof(BlockQ2_K), generic::dequantize_row_q2_K,
     generic::quantize_row_q2_K, generic::vec_dot_q2_K_q8_K, avx2::vec_dot_q2_K_q8_K},
    {TensorType::Q4_K, sizeof(BlockQ4_K), generic::dequantize_row_q4_K,
     generic::quantize_row_q4_K, generic::vec_dot_q4_K_q8_K, avx2::vec_dot_q4_K_q8_K},
    {TensorType::Q5_K, sizeof(BlockQ5_K), generic::dequantize_row_q5_K,
     generic::quantize_row_q5_K, generic::vec_dot_q5_K_q8_K, avx2::vec_dot_q5_K_q8_K},
};

std::string format_name(const testing::TestParamInfo<Format>& info) {
  return std::string(tensor_type_name(info.param.type));
}

void PrintTo(const Format& f, std::ostream* os) { *os << tensor_type_name(f.type); }

bool have_avx2() { return cpu_features().has_avx2_kernels(); }

class KAsym : public testing::TestWithParam<Format> {};

// A row of n_blocks super-blocks of raw bytes with fp16 scales set to sane values.
std::vector<uint8_t> raw_row(const Format& f, int n_blocks, uint8_t fill, std::mt19937* rng,
                             uint16_t d, uint16_t dmin) {
  std::vector<uint8_t> row(f.block_bytes * static_cast<size_t>(n_blocks));
  for (auto& b : row) b = rng ? static_cast<uint8_t>((*rng)()) : fill;
  // d and dmin sit at offsets 0 / 2 in Q4_K and Q5_K, at the end in Q2_K.
  const size_t off = f.type == TensorType::Q2_K ? offsetof(BlockQ2_K, d) : 0;
  for (int b = 0; b < n_blocks; ++b) {
    std::memcpy(row.data() + b * f.block_bytes + off, &d, 2);
    std::memcpy(row.data() + b * f.block_bytes + off + 2, &dmin, 2);
  }
  return row;
}

// Q8_K row with every quant = v (bsums consistent), or random quants when rng.
std::vector<BlockQ8_K> act_row(int n_blocks, int v, std::mt19937* rng) {
  std::vector<BlockQ8_K> y(static_cast<size_t>(n_blocks));
  for (auto& b : y) {
    b.d = 0.03f;
    for (auto& q : b.qs) q = static_cast<int8_t>(rng ? static_cast<int>((*rng)() % 256) - 128 : v);
    for (int s = 0; s < kQKK / 16; ++s) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += b.qs[16 * s + i];
      b.bsums[s] = static_cast<int16_t>(sum);
    }
  }
  return y;
}

// Scalar dot vs the dot of the dequantized rows, and AVX2 vs scalar. Integer
// parts are exact in both kernels; the float error is a few ulps of the
// largest terms, which can cancel (x = d*sc*q - dmin*m), so the bound is
// relative to sum_i (|d sc q_i| + |dmin m_i|) |y_i| >= sum_i |x_i y_i|, which
// we bound by (|x_i| + 2 * max offset) |y_i|.
void check_dots(const Format& f, const std::vector<uint8_t>& x, const std::vector<BlockQ8_K>& y,
                const std::string& what) {
  const auto n = static_cast<int64_t>(y.size()) * kQKK;
  std::vector<float> xd(static_cast<size_t>(n)), yd(static_cast<size_t>(n));
  f.dequantize(x.data(), xd.data(), n);
  generic::dequantize_row_q8_K(y.data(), yd.data(), n);
  double want = 0, mag = 0;
  float max_abs_x = 0;
  for (float v : xd) max_abs_x = std::max(max_abs_x, std::fabs(v));
  for (int64_t i = 0; i < n; ++i) {
    want += double(xd[i]) * yd[i];
    mag += (std::fabs(double(xd[i])) + 2.0 * max_abs_x) * std::fabs(double(yd[i]));
  }
  const float scalar = f.dot(n, x.data(), y.data());
  EXPECT_NEAR(scalar, want, 1e-5 * mag + 1e-30) << what << ": scalar vs dequantized";
  if (have_avx2()) {
    const float simd = f.dot_avx2(n, x.data(), y.data());
    EXPECT_NEAR(simd, scalar, 1e-5 * mag + 1e-30) << what << ": avx2 vs scalar";
  }
}

TEST_P(KAsym, DotsOnExtremeBlocks) {
  const Format& f = GetParam();
  const uint16_t one = fp32_to_fp16(1.0f), half = fp32_to_fp16(0.5f);
  // every quant, scale and min at its maximum, against the extreme activations
  for (int v : {127, -128, -1, 0}) {
    check_dots(f, raw_row(f, 3, 0xff, nullptr, one, half), act_row(3, v, nullptr),
               "all-max block, y = " + std::to_string(v));
  }
  // all-zero quants and scales
  std::mt19937 rng(3);
  check_dots(f, raw_row(f, 2, 0x00, nullptr, one, half), act_row(2, 0, &rng), "zero block");
  // random bytes everywhere, rows of 1, 5 and 7 super-blocks
  for (int blocks : {1, 5, 7}) {
    check_dots(f, raw_row(f, blocks, 0, &rng, fp32_to_fp16(0.01f), fp32_to_fp16(0.02f)),
               act_row(blocks, 0, &rng), std::to_string(blocks) + " random blocks");
  }
}

// The quantizer is a least-squares search; it must beat the plain grid from
// each sub-block's min to its max (with exact float scales, which even gives
// the plain grid an advantage) on smooth random data.
TEST_P(KAsym, QuantizerBeatsMinMaxGrid) {
  const Format& f = GetParam();
  const kasym::Spec spec = f.type == TensorType::Q2_K   ? kasym::Spec{16, 3, 15}
                           : f.type == TensorType::Q4_K ? kasym::Spec{32, 15, 63}
                                                        : kasym::Spec{32, 31, 63};
  constexpr int64_t n = 6 * kQKK;
  std::mt19937 rng(21);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> x(n), y(n);
  for (auto& v : x) v = dist(rng);
  std::vector<uint8_t> q(f.block_bytes * n / kQKK);
  f.quantize(x.data(), q.data(), n, nullptr);
  f.dequantize(q.data(), y.data(), n);
  double err = 0, err_grid = 0;
  for (int64_t s = 0; s < n; s += spec.sub_size) {
    float lo = 0, hi = x[s];
    for (int64_t i = s; i < s + spec.sub_size; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    const float step = (hi - lo) / static_cast<float>(spec.nmax);
    for (int64_t i = s; i < s + spec.sub_size; ++i) {
      const float g = lo + step * std::round((x[i] - lo) / step);
      err_grid += double(x[i] - g) * (x[i] - g);
      err += double(x[i] - y[i]) * (x[i] - y[i]);
    }
  }
  EXPECT_LT(err, err_grid) << "rmse " << std::sqrt(err / n) << " grid " << std::sqrt(err_grid / n);
}

// Importance weights must steer the error: the weighted error with the
// imatrix is lower than without it. All-zero weights mean "no preference"
// and give the same bytes as no imatrix.
TEST_P(KAsym, ImatrixLowersWeightedError) {
  const Format& f = GetParam();
  constexpr int64_t n = 4 * kQKK;
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n), w(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = dist(rng);
    w[i] = (rng() % 8 == 0) ? 50.0f : 0.5f;
  }
  auto weighted_error = [&](const float* imatrix) {
    std::vector<uint8_t> q(f.block_bytes * n / kQKK);
    std::vector<float> y(n);
    f.quantize(x.data(), q.data(), n, imatrix);
    f.dequantize(q.data(), y.data(), n);
    double e = 0;
    for (int64_t i = 0; i < n; ++i) e += w[i] * double(x[i] - y[i]) * (x[i] - y[i]);
    return e;
  };
  EXPECT_LT(weighted_error(w.data()), 0.9 * weighted_error(nullptr));

  std::vector<float> zeros(n, 0.0f);
  std::vector<uint8_t> a(f.block_bytes * n / kQKK), b(a.size());
  f.quantize(x.data(), a.data(), n, nullptr);
  f.quantize(x.data(), b.data(), n, zeros.data());
  EXPECT_EQ(a, b);
}

TEST_P(KAsym, ZeroRowRoundTripsExactly) {
  const Format& f = GetParam();
  std::vector<float> x(2 * kQKK, 0.0f), y(x.size(), 1.0f);
  std::vector<uint8_t> q(2 * f.block_bytes);
  f.quantize(x.data(), q.data(), 2 * kQKK, nullptr);
  f.dequantize(q.data(), y.data(), 2 * kQKK);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

// Large but representable values (up to 10^5, past the fp16 range of the
// quants' own scale) quantize as well as small ones: the error relative to
// the data scale is the same as for the same data scaled down.
TEST_P(KAsym, LargeValuesKeepRelativeError) {
  const Format& f = GetParam();
  constexpr int64_t n = 2 * kQKK;
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> small(n), large(n), y(n);
  for (int64_t i = 0; i < n; ++i) {
    small[i] = dist(rng);
    large[i] = small[i] * 1e5f;
  }
  auto rel_rmse = [&](const std::vector<float>& x, float scale) {
    std::vector<uint8_t> q(f.block_bytes * n / kQKK);
    f.quantize(x.data(), q.data(), n, nullptr);
    f.dequantize(q.data(), y.data(), n);
    double e = 0;
    for (int64_t i = 0; i < n; ++i) e += double(x[i] - y[i]) * (x[i] - y[i]);
    return std::sqrt(e / n) / scale;
  };
  // fp16 super-scales round differently at the two magnitudes: 1% apart at most
  EXPECT_NEAR(rel_rmse(large, 1e5f), rel_rmse(small, 1.0f), 0.01 * rel_rmse(small, 1.0f));
}

TEST_P(KAsym, BadInputIsAClearError) {
  const Format& f = GetParam();
  const std::string name(tensor_type_name(f.type));
  std::vector<float> x(2 * kQKK, 0.1f), y(x.size());
  std::vector<uint8_t> q(2 * f.block_bytes);
  std::vector<BlockQ8_K> act(2);
  auto expect_error = [&](auto&& fn, const char* what) {
    try {
      fn();
      ADD_FAILURE() << what << ": expected an error";
    } catch (const Error& e) {
      std::string msg = e.what();
      for (char& c : msg) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_NE(msg.find(name), std::string::npos) << what << ": " << e.what();
    }
  };
  expect_error([&] { f.quantize(x.data(), q.data(), 300, nullptr); }, "quantize 300");
  expect_error([&] { f.dequantize(q.data(), y.data(), 100); }, "dequantize 100");
  expect_error([&] { f.dot(257, q.data(), act.data()); }, "dot 257");
  if (have_avx2()) expect_error([&] { f.dot_avx2(257, q.data(), act.data()); }, "avx2 dot 257");
  x[77] = NAN;
  expect_error([&] { f.quantize(x.data(), q.data(), 2 * kQKK, nullptr); }, "NaN input");
  x[77] = 0.0f;
  std::vector<float> w(x.size(), 1.0f);
  w[3] = -1.0f;
  expect_error([&] { f.quantize(x.data(), q.data(), 2 * kQKK, w.data()); }, "negative weight");
  x[300] = 3e38f;  // finite, but no fp16 super-scale reaches it
  expect_error([&] { f.quantize(x.data(), q.data(), 2 * kQKK, nullptr); }, "huge value");
}

INSTANTIATE_TEST_SUITE_P(Formats, KAsym, testing::ValuesIn(kFormats), format_name);

}  // namespace
}  // namespace hearth::quant

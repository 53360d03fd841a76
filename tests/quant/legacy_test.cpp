// The legacy 32-element formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1) beyond
// the golden files: bit layouts decoded from hand-made blocks, SIMD dots on
// arbitrary bit patterns, quantizer edge cases and the imatrix search.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/type_traits.h"
#include "activation_rows.h"

namespace hearth::quant {
namespace {

using TT = TensorType;

constexpr uint16_t kOne = 0x3c00, kTwo = 0x4000, kHalf = 0x3800, kQuarter = 0x3400,
                   kMinusOne = 0xbc00;

const TT kWeightTypes[] = {TT::Q4_0, TT::Q4_1, TT::Q5_0, TT::Q5_1, TT::Q8_0};

std::vector<float> decode(TT type, const void* block) {
  std::vector<float> out(kQK);
  dequantize(type, block, out.data(), kQK);
  return out;
}

// ---- bit layouts, written out by hand from the format description ----------

// qs[i] = i | (15 - i) << 4: element i has code i, element 16 + i code 15 - i.
int nibble_code(int j) { return j < 16 ? j : 15 - (j - 16); }
// qh bytes {0x0f, 0xf0, 0x55, 0xaa}: bit j of the little-endian u32.
constexpr uint8_t kQh[4] = {0x0f, 0xf0, 0x55, 0xaa};
int fifth_bit(int j) { return (kQh[j / 8] >> (j % 8)) & 1; }

template <typename Block>
void fill_nibbles(Block& b) {
  for (int i = 0; i < 16; ++i) b.qs[i] = static_cast<uint8_t>(i | ((15 - i) << 4));
}

TEST(LegacyLayout, Q4_0) {
  BlockQ4_0 b{};
  b.d = kTwo;
  fill_nibbles(b);
  const auto y = decode(TT::Q4_0, &b);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(y[j], 2.0f * (nibble_code(j) - 8)) << j;
}

TEST(LegacyLayout, Q4_1) {
  BlockQ4_1 b{};
  b.d = kTwo;
  b.m = kMinusOne;
  fill_nibbles(b);
  const auto y = decode(TT::Q4_1, &b);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(y[j], 2.0f * nibble_code(j) - 1.0f) << j;
}

TEST(LegacyLayout, Q5_0) {
  BlockQ5_0 b{};
  b.d = kHalf;
  fill_nibbles(b);
  std::memcpy(b.qh, kQh, 4);
  const auto y = decode(TT::Q5_0, &b);
  for (int j = 0; j < kQK; ++j) {
    EXPECT_EQ(y[j], 0.5f * ((nibble_code(j) | fifth_bit(j) << 4) - 16)) << j;
  }
}

TEST(LegacyLayout, Q5_1) {
  BlockQ5_1 b{};
  b.d = kHalf;
  b.m = kOne;
  fill_nibbles(b);
  std::memcpy(b.qh, kQh, 4);
  const auto y = decode(TT::Q5_1, &b);
  for (int j = 0; j < kQK; ++j) {
    EXPECT_EQ(y[j], 0.5f * (nibble_code(j) | fifth_bit(j) << 4) + 1.0f) << j;
  }
}

TEST(LegacyLayout, Q8_0AndQ8_1) {
  BlockQ8_0 b{};
  BlockQ8_1 b1{};
  b.d = b1.d = kQuarter;
  for (int j = 0; j < kQK; ++j) b.qs[j] = b1.qs[j] = static_cast<int8_t>(j * 8 - 128);
  const auto y = decode(TT::Q8_0, &b);
  const auto y1 = decode(TT::Q8_1, &b1);
  for (int j = 0; j < kQK; ++j) {
    EXPECT_EQ(y[j], 0.25f * (j * 8 - 128)) << j;
    EXPECT_EQ(y1[j], y[j]) << j;
  }
}

// ---- dots on arbitrary blocks ----------------------------------------------

// Weight rows of random bytes (every code and qh pattern, Q8_0 including
// -128) with random normal fp16 scales/mins, activations from the quantizer.
// An odd block count exercises the SIMD kernel's single-block tail. Bounds as
// in dot_test.cpp: 1e-3 of sum |x_i y_i| against the dequantized rows (fp16
// block sums of Q8_1), 1e-5 between SIMD and scalar (summation order).
class LegacyDot : public testing::TestWithParam<TT> {};

TEST_P(LegacyDot, SimdMatchesScalarOnRawBits) {
  const TT type = GetParam();
  const TypeTraits& tr = generic_traits(type);
  const size_t block_bytes = layout_of(type).type_size;
  std::mt19937 rng(23);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t nb : {1, 2, 7, 64}) {
    const int64_t n = nb * kQK;
    std::vector<uint8_t> x(static_cast<size_t>(nb) * block_bytes);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    for (int64_t b = 0; b < nb; ++b) {  // d (and m) lead every legacy block
      uint16_t dm[2] = {fp32_to_fp16(0.01f * dist(rng)), fp32_to_fp16(0.1f * dist(rng))};
      const bool has_min = type == TT::Q4_1 || type == TT::Q5_1;
      std::memcpy(&x[static_cast<size_t>(b) * block_bytes], dm, has_min ? 4 : 2);
    }
    std::vector<float> yf(static_cast<size_t>(n)), xd(yf.size()), yd(yf.size());
    for (auto& v : yf) v = dist(rng);
    std::vector<uint8_t> y(row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(n)));
    generic_traits(tr.vec_dot_type).quantize(yf.data(), y.data(), n, nullptr);
    tr.dequantize(x.data(), xd.data(), n);
    generic_traits(tr.vec_dot_type).dequantize(y.data(), yd.data(), n);
    double want = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) {
      want += double(xd[i]) * yd[i];
      mag += std::fabs(double(xd[i]) * yd[i]);
    }
    const float ref = tr.vec_dot(n, x.data(), y.data());
    EXPECT_NEAR(ref, want, 1e-3 * mag) << "blocks " << nb;
    EXPECT_NEAR(traits(type).vec_dot(n, x.data(), test::as_read_by(traits(type), y, n).data()), ref, 1e-5 * mag)
        << kernel_isa() << " blocks " << nb;
  }
}

std::string type_name(const testing::TestParamInfo<TT>& info) {
  return std::string(tensor_type_name(info.param));
}

INSTANTIATE_TEST_SUITE_P(Legacy, LegacyDot, testing::ValuesIn(kWeightTypes), type_name);

// ---- quantizers -----------------------------------------------------------

std::vector<float> round_trip(TT type, const std::vector<float>& x, const float* imatrix,
                              std::vector<uint8_t>* bytes = nullptr) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(layout_of(type), x.size()));
  quantize(type, x.data(), q.data(), 1, n, imatrix);
  std::vector<float> y(x.size());
  dequantize(type, q.data(), y.data(), n);
  if (bytes) *bytes = q;
  return y;
}

TEST(LegacyQuantize, ZeroAndConstantBlocks) {
  for (TT type : {TT::Q4_0, TT::Q4_1, TT::Q5_0, TT::Q5_1, TT::Q8_0, TT::Q8_1}) {
    const auto zeros = round_trip(type, std::vector<float>(kQK, 0.0f), nullptr);
    for (float v : zeros) ASSERT_EQ(v, 0.0f) << tensor_type_name(type);
    // a constant block is exact when its scale is an fp16 value: c / 8, c / 16,
    // c / 127 all are for c = -127/64 (and Q4_1 / Q5_1 store it as the minimum)
    const float c = -127.0f / 64;
    const auto consts = round_trip(type, std::vector<float>(kQK, c), nullptr);
    for (float v : consts) ASSERT_EQ(v, c) << tensor_type_name(type);
  }
}

// The element of largest magnitude (and the minimum, for formats with one)
// lands on a level: its error is only the fp16 rounding (relative 2^-11) of
// the block's scale and minimum: at most 2^-10 of the block's range.
TEST(LegacyQuantize, ExtremesLandOnALevel) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (TT type : kWeightTypes) {
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<float> x(kQK);
      for (auto& v : x) v = dist(rng);
      size_t imax = 0, imin = 0;
      for (size_t j = 0; j < x.size(); ++j) {
        if (std::fabs(x[j]) > std::fabs(x[imax])) imax = j;
        if (x[j] < x[imin]) imin = j;
      }
      const auto y = round_trip(type, x, nullptr);
      const float range = std::fabs(x[imax]) + std::fabs(x[imin]);
      EXPECT_NEAR(y[imax], x[imax], 0x1p-10f * range) << tensor_type_name(type);
      if (type == TT::Q4_1 || type == TT::Q5_1) {
        EXPECT_NEAR(y[imin], x[imin], 0x1p-10f * range) << tensor_type_name(type);
      }
    }
  }
}

// The largest scale fp16 can hold (65504) still represents the block exactly.
TEST(LegacyQuantize, LargestRepresentableScale) {
  const struct {
    TT type;
    float extreme;  // d = 65504 maps this element to the extreme level
  } cases[] = {{TT::Q4_0, -65504.0f * 8}, {TT::Q5_0, -65504.0f * 16}, {TT::Q8_0, 65504.0f * 127}};
  for (const auto& c : cases) {
    std::vector<float> x(kQK, 0.0f);
    x[3] = c.extreme;
    x[17] = 65504.0f * 5;
    const auto y = round_trip(c.type, x, nullptr);
    EXPECT_EQ(y, x) << tensor_type_name(c.type);
  }
}

// Beyond that, the stored parameters saturate at +-65504 instead of becoming
// infinity: the block clips to the largest levels and decodes finite.
TEST(LegacyQuantize, HugeValuesSaturate) {
  std::vector<float> x(kQK, 1.0f);
  x[0] = -1e9f;
  x[1] = 1e9f;
  for (TT type : kWeightTypes) {
    const auto y = round_trip(type, x, nullptr);
    for (float v : y) ASSERT_TRUE(std::isfinite(v)) << tensor_type_name(type);
    EXPECT_LE(y[0], -65504.0f) << tensor_type_name(type);  // a minimum clips to -65504
    EXPECT_GT(y[1], 65504.0f) << tensor_type_name(type);
  }
}

TEST(LegacyQuantize, RejectsPartialBlocks) {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> out(1024);
  for (TT type : kWeightTypes) {
    for (int64_t n : {1, 16, 33, 63}) {
      try {
        quantize(type, x.data(), out.data(), 1, n, nullptr);
        ADD_FAILURE() << tensor_type_name(type) << " accepted a row of " << n;
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(tensor_type_name(type)), std::string::npos) << msg;
        EXPECT_NE(msg.find(std::to_string(n)), std::string::npos) << msg;
      }
    }
  }
}

// A NaN or infinity spoils its own block only; the quantizer stays defined
// (no float->int overflow: UBSan checks this in the sanitizer build).
TEST(LegacyQuantize, NonFiniteInputStaysInItsBlock) {
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> clean(4 * kQK);
  for (auto& v : clean) v = dist(rng);
  std::vector<float> dirty = clean;
  dirty[kQK + 5] = NAN;
  dirty[2 * kQK + 7] = INFINITY;
  dirty[2 * kQK + 8] = -INFINITY;
  for (TT type : {TT::Q4_0, TT::Q4_1, TT::Q5_0, TT::Q5_1, TT::Q8_0, TT::Q8_1}) {
    std::vector<uint8_t> a, b;
    round_trip(type, clean, nullptr, &a);
    round_trip(type, dirty, nullptr, &b);
    const size_t bb = layout_of(type).type_size;
    EXPECT_EQ(std::memcmp(a.data(), b.data(), bb), 0) << tensor_type_name(type);
    EXPECT_EQ(std::memcmp(a.data() + 3 * bb, b.data() + 3 * bb, bb), 0) << tensor_type_name(type);
  }
}

// Q8_0 / Q8_1 activations stay in -127..127 (the AVX2 dots rely on it) and
// Q8_1's s is d * sum(q) rounded once to fp16.
TEST(LegacyQuantize, Q8ActivationsInvariants) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(64 * kQK);
  for (auto& v : x) v = dist(rng) * (1 + static_cast<float>(rng() % 1000));
  for (size_t b = 0; b < 64; b += 2) x[b * kQK + b % kQK] = -std::fabs(x[b * kQK]) * 10;
  std::vector<BlockQ8_1> q1(64);
  std::vector<BlockQ8_0> q0(64);
  quantize(TT::Q8_1, x.data(), q1.data(), 1, static_cast<int64_t>(x.size()), nullptr);
  quantize(TT::Q8_0, x.data(), q0.data(), 1, static_cast<int64_t>(x.size()), nullptr);
  for (size_t b = 0; b < q1.size(); ++b) {
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      ASSERT_GE(q1[b].qs[j], -127);
      ASSERT_GE(q0[b].qs[j], -127);
      EXPECT_EQ(q1[b].qs[j], q0[b].qs[j]);
      sum += q1[b].qs[j];
    }
    EXPECT_EQ(q1[b].d, q0[b].d);
    EXPECT_EQ(q1[b].s, fp32_to_fp16(fp16_to_fp32(q1[b].d) * static_cast<float>(sum))) << b;
  }
}

// ---- imatrix ---------------------------------------------------------------

double weighted_error(const std::vector<float>& x, const std::vector<float>& y,
                      const std::vector<float>& w, size_t from, size_t count) {
  double e = 0;
  for (size_t i = from; i < from + count; ++i) {
    e += w[i % w.size()] * (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  }
  return e;
}

// With importance weights the quantizer minimises the weighted error: on
// weights spread over two orders of magnitude it must be clearly lower than
// plain rounding's overall, and never higher in any block (plain rounding is
// one of the candidates it compares, with the same stored precision).
TEST(LegacyQuantize, ImatrixLowersWeightedError) {
  constexpr size_t kRow = 256, kRows = 32;
  std::mt19937 rng(17);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> w(kRow), x(kRow * kRows);
  for (auto& v : w) v = std::exp(1.5f * dist(rng));
  for (auto& v : x) v = 0.05f * dist(rng);
  for (TT type : {TT::Q4_0, TT::Q4_1, TT::Q5_0, TT::Q5_1}) {
    std::vector<uint8_t> plain_q(row_bytes(layout_of(type), x.size())), weighted_q(plain_q.size());
    std::vector<float> plain(x.size()), weighted(x.size());
    quantize(type, x.data(), plain_q.data(), kRows, kRow, nullptr);
    quantize(type, x.data(), weighted_q.data(), kRows, kRow, w.data());
    dequantize(type, plain_q.data(), plain.data(), static_cast<int64_t>(x.size()));
    dequantize(type, weighted_q.data(), weighted.data(), static_cast<int64_t>(x.size()));
    for (size_t b = 0; b < x.size(); b += kQK) {
      const double ep = weighted_error(x, plain, w, b, kQK);
      const double ew = weighted_error(x, weighted, w, b, kQK);
      ASSERT_LE(ew, ep * (1 + 1e-9)) << tensor_type_name(type) << " block " << b / kQK;
    }
    const double ep = weighted_error(x, plain, w, 0, x.size());
    const double ew = weighted_error(x, weighted, w, 0, x.size());
    RecordProperty(std::string(tensor_type_name(type)) + "_weighted_error_ratio",
                   std::to_string(ew / ep));
    EXPECT_LT(ew, 0.9 * ep) << tensor_type_name(type);
  }
}

}  // namespace
}  // namespace hearth::quant

// F32 / F16 / BF16 rows through the kernel table: rounding of the "quantizers"
// (nearest even, overflow, NaN), and the SIMD dots on lengths that leave a
// scalar tail (the shared dot test only uses multiples of 32).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "quant/type_traits.h"

namespace hearth::quant {
namespace {

uint16_t to_f16(float v) {
  uint16_t h = 0;
  quantize(TensorType::F16, &v, &h, 1, 1, nullptr);
  return h;
}

uint16_t to_bf16(float v) {
  uint16_t h = 0;
  quantize(TensorType::BF16, &v, &h, 1, 1, nullptr);
  return h;
}

float bits(uint32_t b) { return std::bit_cast<float>(b); }

TEST(F16Quantize, RoundsToNearestEven) {
  // fp16 ulp at 1.0 is 2^-10; these sit exactly halfway between two halves.
  EXPECT_EQ(to_f16(1.0f + 0x1p-11f), 0x3c00);      // 1.0 (even) wins over 1 + 2^-10
  EXPECT_EQ(to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);  // 1 + 2^-9 (even) wins over 1 + 2^-10
  EXPECT_EQ(to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);  // just above half: rounds up
  EXPECT_EQ(to_f16(-2.5f), 0xc100);
  // subnormal halves: smallest is 2^-24; 1.5 * 2^-24 is a tie -> 2 * 2^-24 (even)
  EXPECT_EQ(to_f16(1.5f * 0x1p-24f), 0x0002);
  EXPECT_EQ(to_f16(0.5f * 0x1p-24f), 0x0000);  // tie with zero -> zero (even)
}

TEST(F16Quantize, OverflowAndNonFinite) {
  EXPECT_EQ(to_f16(65504.0f), 0x7bff);  // largest half
  EXPECT_EQ(to_f16(65519.0f), 0x7bff);  // below the halfway point to 65536
  EXPECT_EQ(to_f16(65520.0f), 0x7c00);  // halfway rounds to even = infinity
  EXPECT_EQ(to_f16(-1e9f), 0xfc00);
  EXPECT_EQ(to_f16(INFINITY), 0x7c00);
  const uint16_t nan = to_f16(NAN);
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0) << "NaN must not become infinity";
}

TEST(BF16Quantize, RoundsToNearestEven) {
  // bf16 ulp at 1.0 is 2^-7.
  EXPECT_EQ(to_bf16(1.0f + 0x1p-8f), 0x3f80);      // tie -> 1.0 (even)
  EXPECT_EQ(to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);  // tie -> 1 + 2^-6 (even)
  EXPECT_EQ(to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
  EXPECT_EQ(to_bf16(bits(0x7f7fffffu)), 0x7f80);  // FLT_MAX rounds up to infinity
  EXPECT_EQ(to_bf16(-INFINITY), 0xff80);
}

TEST(BF16Quantize, NaNStaysNaN) {
  // A NaN whose payload is only in the low 16 bits would truncate (or round)
  // to infinity; it must come out a quiet NaN with its sign.
  for (uint32_t b : {0x7f800001u, 0xff800001u, 0x7fc00000u, 0x7fbfffffu}) {
    const uint16_t h = to_bf16(bits(b));
    EXPECT_EQ(h & 0x7f80, 0x7f80) << std::hex << b;
    EXPECT_NE(h & 0x007f, 0) << std::hex << b;
    EXPECT_EQ(h >> 15, b >> 31) << std::hex << b;
    float back = 0;
    dequantize(TensorType::BF16, &h, &back, 1);
    EXPECT_TRUE(std::isnan(back));
  }
}

TEST(FloatTypes, RoundTripIsExactForRepresentableValues) {
  std::mt19937 rng(7);
  std::vector<uint16_t> h(1000);
  // finite values in both encodings (exponent field below all-ones); half negative
  for (auto& v : h) v = static_cast<uint16_t>(rng() & 0x7bff);
  for (size_t i = 0; i < h.size(); i += 2) h[i] |= 0x8000;
  for (TensorType t : {TensorType::F16, TensorType::BF16}) {
    std::vector<float> f(h.size());
    std::vector<uint16_t> back(h.size());
    dequantize(t, h.data(), f.data(), static_cast<int64_t>(f.size()));
    quantize(t, f.data(), back.data(), 1, static_cast<int64_t>(f.size()), nullptr);
    EXPECT_EQ(back, h) << tensor_type_name(t);
  }
}

// The SIMD float dots work 32 and 8 elements at a time and hand the rest to
// the scalar kernel: check lengths around those boundaries. The bound is the
// shared dot test's (summation order only): 1e-5 of sum |x_i y_i|.
TEST(FloatTypes, SimdDotHandlesAnyLength) {
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (TensorType t : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    const auto& layout = layout_of(t);
    for (int64_t n : {1, 7, 8, 9, 31, 32, 33, 40, 1000, 4099}) {
      std::vector<float> xf(static_cast<size_t>(n)), yf(static_cast<size_t>(n));
      for (auto& v : xf) v = dist(rng);
      for (auto& v : yf) v = dist(rng);
      std::vector<uint8_t> x(row_bytes(layout, static_cast<uint64_t>(n)));
      std::vector<uint8_t> y(x.size());
      quantize(t, xf.data(), x.data(), 1, n, nullptr);
      quantize(t, yf.data(), y.data(), 1, n, nullptr);
      dequantize(t, x.data(), xf.data(), n);
      dequantize(t, y.data(), yf.data(), n);
      double want = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i) {
        want += double(xf[i]) * yf[i];
        mag += std::fabs(double(xf[i]) * yf[i]);
      }
      EXPECT_NEAR(generic_traits(t).vec_dot(n, x.data(), y.data()), want, 1e-6 * mag)
          << tensor_type_name(t) << " n=" << n;
      EXPECT_NEAR(traits(t).vec_dot(n, x.data(), y.data()), want, 1e-5 * mag)
          << tensor_type_name(t) << " n=" << n;
    }
  }
}

}  // namespace
}  // namespace hearth::quant

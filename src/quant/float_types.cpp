// F32, F16 and BF16 rows: any n (block size 1). "Quantizing" F32 is a copy;
// F16 and BF16 round to nearest even (core/fp16.h), NaN stays NaN. The
// imatrix is meaningless for them and ignored.
#include <cstring>

#include "core/fp16.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {

namespace {

float f32_value(float v) { return v; }

template <typename T, float (*ToF32)(T)>
void to_f32_row(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const T*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = ToF32(x[i]);
}

template <typename T, T (*FromF32)(float)>
void from_f32_row(const float* src, void* dst, int64_t n) {
  auto* y = static_cast<T*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = FromF32(src[i]);
}

// Reference dot: products are exact in double and summed in double, so this
// is the oracle the SIMD float sums are checked against.
template <typename T, float (*ToF32)(T)>
float dot_row(int64_t n, const void* vx, const void* vy) {
  const auto* x = static_cast<const T*>(vx);
  const auto* y = static_cast<const T*>(vy);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += double(ToF32(x[i])) * double(ToF32(y[i]));
  return static_cast<float>(sum);
}

}  // namespace

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
void quantize_row_f32(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
float vec_dot_f32_f32(int64_t n, const void* x, const void* y) {
  return dot_row<float, f32_value>(n, x, y);
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  to_f32_row<uint16_t, fp16_to_fp32>(src, dst, n);
}
void quantize_row_f16(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  from_f32_row<uint16_t, fp32_to_fp16>(src, dst, n);
}
float vec_dot_f16_f16(int64_t n, const void* x, const void* y) {
  return dot_row<uint16_t, fp16_to_fp32>(n, x, y);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  to_f32_row<uint16_t, bf16_to_fp32>(src, dst, n);
}
void quantize_row_bf16(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  from_f32_row<uint16_t, fp32_to_bf16>(src, dst, n);
}
float vec_dot_bf16_bf16(int64_t n, const void* x, const void* y) {
  return dot_row<uint16_t, bf16_to_fp32>(n, x, y);
}

}  // namespace hearth::quant::generic

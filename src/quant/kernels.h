// Kernel signatures per tensor type. Each format has:
//   dequantize_row_T(src, dst, n)       n elements, a whole number of blocks
//   quantize_row_T(src, dst, n, imatrix) imatrix: n importance weights or nullptr
//   vec_dot_T_U(n, x, y)                dot of a weight row x (type T) with an
//                                       activation row y (type U), n elements
// `generic` holds the scalar reference of every kernel (the oracle for tests);
// `avx2` holds the AVX2+FMA+F16C versions, same signatures, same results up to
// float summation order; `avx512` a few AVX-512 ones. Which SIMD kernels
// exist is listed in x86/fallbacks.h; callers go through the table in
// quant/type_traits.h, never these directly.
#pragma once

#include <cstdint>

namespace hearth::quant {

using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n, const float* imatrix);
using VecDotFn = float (*)(int64_t n, const void* x, const void* y);

// Side data that some dot kernels read after their activation row, computed
// once per activation row rather than once per weight row it meets (a decode
// step dots one activation row with thousands of weight rows). An activation
// row as such a kernel reads it is the row quantized to the type's
// vec_dot_type, then the extras, row_bytes(n) bytes in all. Kernels that take
// none read the plain vec_dot_type row. Reached through
// quant::quantize_activation (type_traits.h), never directly.
struct ActivationExtras {
  uint64_t (*row_bytes)(int64_t n);  // the whole row: vec_dot_type blocks + extras
  // Writes the extras of blocks [b0, b1) of the quantized row at `row` (of n
  // elements): b0 a multiple of piece_blocks, b1 too or the row's last block
  // + 1. Pieces of a row filled by different threads write disjoint bytes.
  void (*fill)(int64_t n, uint8_t* row, int64_t b0, int64_t b1);
  int64_t piece_blocks;
};

#define HEARTH_DECLARE_FORMAT(T)                                              \
  void dequantize_row_##T(const void* src, float* dst, int64_t n);            \
  void quantize_row_##T(const float* src, void* dst, int64_t n, const float* imatrix);

namespace generic {
HEARTH_DECLARE_FORMAT(f32)
HEARTH_DECLARE_FORMAT(f16)
HEARTH_DECLARE_FORMAT(bf16)
HEARTH_DECLARE_FORMAT(q4_0)
HEARTH_DECLARE_FORMAT(q4_1)
HEARTH_DECLARE_FORMAT(q5_0)
HEARTH_DECLARE_FORMAT(q5_1)
HEARTH_DECLARE_FORMAT(q8_0)
HEARTH_DECLARE_FORMAT(q8_1)
HEARTH_DECLARE_FORMAT(q2_K)
HEARTH_DECLARE_FORMAT(q3_K)
HEARTH_DECLARE_FORMAT(q4_K)
HEARTH_DECLARE_FORMAT(q5_K)
HEARTH_DECLARE_FORMAT(q6_K)
HEARTH_DECLARE_FORMAT(q8_K)
HEARTH_DECLARE_FORMAT(iq4_nl)
HEARTH_DECLARE_FORMAT(iq4_xs)
}  // namespace generic

#undef HEARTH_DECLARE_FORMAT

// Dot kernels: the same list in both namespaces.
#define HEARTH_DECLARE_DOTS                                            \
  float vec_dot_f32_f32(int64_t n, const void* x, const void* y);      \
  float vec_dot_f16_f16(int64_t n, const void* x, const void* y);      \
  float vec_dot_bf16_bf16(int64_t n, const void* x, const void* y);    \
  float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y);    \
  float vec_dot_q4_1_q8_1(int64_t n, const void* x, const void* y);    \
  float vec_dot_q5_0_q8_0(int64_t n, const void* x, const void* y);    \
  float vec_dot_q5_1_q8_1(int64_t n, const void* x, const void* y);    \
  float vec_dot_q8_0_q8_0(int64_t n, const void* x, const void* y);    \
  float vec_dot_q2_K_q8_K(int64_t n, const void* x, const void* y);    \
  float vec_dot_q3_K_q8_K(int64_t n, const void* x, const void* y);    \
  float vec_dot_q4_K_q8_K(int64_t n, const void* x, const void* y);    \
  float vec_dot_q5_K_q8_K(int64_t n, const void* x, const void* y);    \
  float vec_dot_q6_K_q8_K(int64_t n, const void* x, const void* y);    \
  float vec_dot_iq4_nl_q8_0(int64_t n, const void* x, const void* y);  \
  float vec_dot_iq4_xs_q8_K(int64_t n, const void* x, const void* y);

namespace generic {
HEARTH_DECLARE_DOTS
}  // namespace generic
namespace avx2 {
HEARTH_DECLARE_DOTS
// The activation quantizers (x86/activations_avx2.cpp): the scalar ones' bits.
void quantize_row_q8_0(const float* src, void* dst, int64_t n, const float* imatrix);
void quantize_row_q8_K(const float* src, void* dst, int64_t n, const float* imatrix);
}  // namespace avx2

#undef HEARTH_DECLARE_DOTS

// AVX-512 kernels, where the CPU has them (x86/fallbacks.h). The K dots
// (AVX-512 BW) return the AVX2 bits; the Q4_0 dot (VNNI + VBMI, kAvx512VnniDots)
// shares the AVX2 Q4_0 kernel's group shape and float steps (x86/block_groups.h),
// so it returns the AVX2 bits too.
namespace avx512 {
float vec_dot_q4_K_q8_K(int64_t n, const void* x, const void* y);  // AVX-512 BW, the AVX2 bits
float vec_dot_q6_K_q8_K(int64_t n, const void* x, const void* y);  // AVX-512 BW, the AVX2 bits
float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y);  // reads avx512::q4_0_activation_extras
}  // namespace avx512

// The activation side data read by the x86 Q4_0 and Q8_0 kernels
// (x86/block_groups.h): the same scales and corrections for every ISA, the
// Q4_0 codes in the order each ISA's kernel multiplies them.
namespace avx2 {
extern const ActivationExtras q4_0_activation_extras;
extern const ActivationExtras q8_0_activation_extras;
}  // namespace avx2
namespace avx512 {
extern const ActivationExtras q4_0_activation_extras;
}  // namespace avx512

}  // namespace hearth::quant

// Scalar helpers shared by the legacy 32-element formats (Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, Q8_1): nibble / fifth-bit (un)packing, exact rounding, the
// integer block dot and the row loops each format instantiates. Portable C++
// (no intrinsics): the generic reference kernels and the quantizers use them;
// the AVX2 kernels have their own (x86/legacy_avx2.h).
//
// Quant values are handled as int8_t q[kQK] in element order; for the 4/5-bit
// formats q is the stored code (0..15 or 0..31) minus the format's offset.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/legacy_quantize.h"

namespace hearth::quant::legacy {

// Number of whole blocks in n elements (n is a multiple of kQK by contract).
inline int64_t block_count(int64_t n) { return n / kQK; }

// qs[i] holds element i (low nibble) and element i + 16 (high nibble).
// out[j] = code_j - offset, j in 0..31.
inline void unpack_nibbles(const uint8_t qs[kQK / 2], int offset, int8_t out[kQK]) {
  for (int i = 0; i < kQK / 2; ++i) {
    out[i] = static_cast<int8_t>((qs[i] & 0x0f) - offset);
    out[i + kQK / 2] = static_cast<int8_t>((qs[i] >> 4) - offset);
  }
}

// Inverse of unpack_nibbles for codes 0..15 (the low 4 bits of code[j] are used).
inline void pack_nibbles(const uint8_t code[kQK], uint8_t qs[kQK / 2]) {
  for (int i = 0; i < kQK / 2; ++i) {
    qs[i] = static_cast<uint8_t>((code[i] & 0x0f) | ((code[i + kQK / 2] & 0x0f) << 4));
  }
}

// qh is a little-endian u32 whose bit j is bit 4 of element j's code.
inline uint32_t load_qh(const uint8_t qh[4]) {
  return static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
         (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
}

// 5-bit codes: low nibble from qs (as unpack_nibbles), bit 4 from qh.
// out[j] = code_j - offset.
inline void unpack_q5(const uint8_t qs[kQK / 2], const uint8_t qh[4], int offset,
                      int8_t out[kQK]) {
  const uint32_t h = load_qh(qh);
  for (int i = 0; i < kQK / 2; ++i) {
    const int lo = (qs[i] & 0x0f) | static_cast<int>(((h >> i) & 1u) << 4);
    const int hi = (qs[i] >> 4) | static_cast<int>(((h >> (i + kQK / 2)) & 1u) << 4);
    out[i] = static_cast<int8_t>(lo - offset);
    out[i + kQK / 2] = static_cast<int8_t>(hi - offset);
  }
}

// Inverse of unpack_q5 for codes 0..31 (offset already added back).
inline void pack_q5(const uint8_t code[kQK], uint8_t qs[kQK / 2], uint8_t qh[4]) {
  pack_nibbles(code, qs);
  uint32_t h = 0;
  for (int j = 0; j < kQK; ++j) h |= static_cast<uint32_t>((code[j] >> 4) & 1u) << j;
  for (int b = 0; b < 4; ++b) qh[b] = static_cast<uint8_t>(h >> (8 * b));
}

// Round to nearest, ties to even, for |v| < 2^22: adding 1.5 * 2^23 pushes the
// integer part into the low mantissa bits, where the FPU's own rounding (the
// default nearest-even mode) has already happened. Branch-free and exact, so
// the quantizer loops stay vectorisable and never hit a float->int UB.
inline int round_nearest(float v) {
  const float t = v + 12582912.0f;
  return static_cast<int>(std::bit_cast<uint32_t>(t) & 0x007fffffu) - 0x00400000;
}

// v clamped to [lo, hi]; a NaN v gives hi (never UB in the conversion after).
inline float clamp(float v, float lo, float hi) {
  const float c = v < hi ? v : hi;  // NaN < hi is false -> hi
  return c > lo ? c : lo;
}

// fp16 bits of a block parameter (scale or minimum). A finite value beyond
// the fp16 range saturates to +-65504 instead of becoming infinity, so a block
// of huge values clips rather than decoding to inf * 0 = NaN.
inline uint16_t saturating_fp16(float v) {
  const uint16_t h = fp32_to_fp16(v);
  const bool overflowed = (h & 0x7fffu) == 0x7c00u && std::fabs(v) < INFINITY;
  return overflowed ? static_cast<uint16_t>((h & 0x8000u) | 0x7bffu) : h;
}

// Exact integer dot of two blocks of quant values: |sum| < 2^21, no overflow.
inline int32_t dot_block(const int8_t a[kQK], const int8_t b[kQK]) {
  int32_t s = 0;
  for (int j = 0; j < kQK; ++j) s += static_cast<int32_t>(a[j]) * b[j];
  return s;
}

// ---- Row loops shared by the formats --------------------------------------
// `unpack(block, q)` writes the block's 32 quant values (code - offset) to q;
// `pack(code, block)` stores 32 codes into the block's bit layout. Blocks with
// a member `m` (Q4_1, Q5_1) decode as d * q + m, the others as d * q.

template <typename Block>
inline constexpr bool kHasMin = requires(Block b) { b.m; };

// dst[32 b + j] = d_b * q_bj (+ m_b), computed in float exactly as the format
// defines it, so the result is bit-identical to any faithful implementation.
template <typename Block, typename Unpack>
void dequantize_row(const void* src, float* dst, int64_t n, Unpack unpack) {
  const auto* x = static_cast<const Block*>(src);
  int8_t q[kQK];
  for (int64_t b = 0; b < block_count(n); ++b, dst += kQK) {
    unpack(x[b], q);
    const float d = fp16_to_fp32(x[b].d);
    if constexpr (kHasMin<Block>) {
      const float m = fp16_to_fp32(x[b].m);
      for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(q[j]) * d + m;
    } else {
      for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(q[j]) * d;
    }
  }
}

// Symmetric formats (code = q + nmax) through quantize_block_symmetric.
template <typename Block, typename Pack>
void quantize_row_symmetric(const float* src, void* dst, int64_t n, const float* imatrix,
                            int nmax, Pack pack) {
  auto* y = static_cast<Block*>(dst);
  uint8_t code[kQK];
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* w = imatrix ? imatrix + b * kQK : nullptr;
    y[b].d = quantize_block_symmetric(src + b * kQK, w, nmax, code);
    pack(code, y[b]);
  }
}

// Formats with a minimum (code = q) through quantize_block_asymmetric.
template <typename Block, typename Pack>
void quantize_row_asymmetric(const float* src, void* dst, int64_t n, const float* imatrix,
                             int qmax, Pack pack) {
  auto* y = static_cast<Block*>(dst);
  uint8_t code[kQK];
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* w = imatrix ? imatrix + b * kQK : nullptr;
    const ScaleMin sm = quantize_block_asymmetric(src + b * kQK, w, qmax, code);
    y[b].d = sm.d;
    y[b].m = sm.m;
    pack(code, y[b]);
  }
}

// Scalar reference dot of a weight row with its activation row (Q8_0, or Q8_1
// for formats with a minimum):
//   sum_b d_x d_y sum_j q_xj q_yj  (+ m_x * s_y, s_y = d_y sum_j q_yj)
// The block sums are exact integers; only the per-block terms round.
template <typename Block, typename ActBlock, typename Unpack>
float vec_dot_row(int64_t n, const void* vx, const void* vy, Unpack unpack) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const ActBlock*>(vy);
  int8_t q[kQK];
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    unpack(x[b], q);
    const int32_t sumi = dot_block(q, y[b].qs);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
    if constexpr (kHasMin<Block>) sum += fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

}  // namespace hearth::quant::legacy

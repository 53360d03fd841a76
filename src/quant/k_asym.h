// Helpers shared by the asymmetric K-quant formats Q2_K, Q4_K and Q5_K.
//
// All three store a 256-element super-block as
//     x = (d * sc[j]) * q - (dmin * m[j])      q in 0..nmax, j = element / sub_size
// with fp16 super-scales d, dmin and small unsigned integer sub-block scales
// sc[j] and mins m[j] (4 bits in Q2_K, 6 bits packed in 12 bytes in Q4_K/Q5_K).
// The formats differ only in how q, sc and m are packed into bytes, so the
// quantizer, the scalar dequantizer and the scalar dot live here once, working
// on the unpacked codes; each format file only packs and unpacks.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/error.h"
#include "quant/blocks.h"
#include "quant/quant_input.h"

namespace hearth::quant::kasym {

// ---- 6-bit scale/min packing of Q4_K and Q5_K (12 bytes for 8 + 8 values) ----
// Byte layout (b = the 12 bytes):
//   j < 4:  sc[j] = b[j] & 63            m[j] = b[j+4] & 63
//   j >= 4: sc[j] = (b[j+4] & 15) | (b[j-4] >> 6) << 4
//           m[j]  = (b[j+4] >> 4) | (b[j]   >> 6) << 4
// i.e. the top two bits of sc[4..7] / m[4..7] ride in the spare top bits of
// bytes 0..3 / 4..7, and their low nibbles share bytes 8..11.
void pack_scales_mins_6bit(const uint8_t sc[8], const uint8_t m[8], uint8_t out[kKScaleBytes]);

// Inline and branch-free (three 32-bit words) because the dot kernels call it
// once per super-block.
inline void unpack_scales_mins_6bit(const uint8_t in[kKScaleBytes], uint8_t sc[8], uint8_t m[8]) {
  uint32_t w[3];
  std::memcpy(w, in, sizeof(w));
  const uint32_t sc_lo = w[0] & 0x3f3f3f3fu;
  const uint32_t m_lo = w[1] & 0x3f3f3f3fu;
  // (b >> 6) << 4 per byte == (b >> 2) & 0x30, done on four bytes at once.
  const uint32_t sc_hi = (w[2] & 0x0f0f0f0fu) | ((w[0] >> 2) & 0x30303030u);
  const uint32_t m_hi = ((w[2] >> 4) & 0x0f0f0f0fu) | ((w[1] >> 2) & 0x30303030u);
  std::memcpy(sc, &sc_lo, 4);
  std::memcpy(sc + 4, &sc_hi, 4);
  std::memcpy(m, &m_lo, 4);
  std::memcpy(m + 4, &m_hi, 4);
}

// ---- one super-block, unpacked ----

inline constexpr int kMaxSubBlocks = kQKK / 16;  // Q2_K
inline constexpr int kMaxSubSize = 32;           // Q4_K, Q5_K

// Shape of a format: Q2_K {16, 3, 15}, Q4_K {32, 15, 63}, Q5_K {32, 31, 63}.
struct Spec {
  int sub_size;   // elements per sub-block (16 or 32)
  int nmax;       // largest quant level
  int scale_max;  // largest sub-block scale / min code
  int n_sub() const { return kQKK / sub_size; }
  // Largest |x| a block can hold: largest fp16 super-scale x code x level.
  float max_abs() const { return 65504.0f * static_cast<float>(scale_max * nmax); }
};

// A super-block with every field unpacked to one byte per value.
struct Unpacked {
  uint16_t d = 0, dmin = 0;        // fp16 bits
  uint8_t sc[kMaxSubBlocks] = {};  // n_sub() used
  uint8_t m[kMaxSubBlocks] = {};
  uint8_t q[kQKK] = {};            // in element order, 0..nmax
};

// Quantizes 256 values x; w: 256 importance weights of the squared error, or
// nullptr for plain squared error. Chooses per sub-block (scale, min) by a
// least-squares search, then the super-scales and the integer codes.
void quantize_superblock(const Spec& spec, const float* x, const float* w, Unpacked* out);

// y[i] = float(d * sc[j]) * q[i] - float(dmin * m[j]): the exact order of
// float operations of the format, so results are bit-identical to any
// conforming dequantizer.
void dequantize_superblock(const Spec& spec, const Unpacked& b, float* y);

// The exact integer sums of a super-block's dot with one Q8_K block:
// q = sum_j sc[j] * sum_{i in j} q[i] * y[i], m = sum_j m[j] * sum_{i in j} y[i]
// (from the 16-element bsums). The dot is y.d (d q - dmin m).
struct SuperblockSums {
  int32_t q = 0, m = 0;
};
SuperblockSums superblock_sums(const Spec& spec, const Unpacked& b, const BlockQ8_K& y);

// Dot of one unpacked super-block with one Q8_K block: the integer sums
// above, one float product per super-block (the scalar reference).
float dot_superblock(const Spec& spec, const Unpacked& b, const BlockQ8_K& y);

// Q4_K's shape, and one of its super-blocks unpacked (quant/q4_K.cpp), for
// the Q4_K band reference (quant/q4_K_bands.cpp).
inline constexpr Spec kQ4KSpec{32, 15, 63};
void unpack_q4_K(const BlockQ4_K& b, Unpacked* u);

// Throws Error naming the format and the element unless every |x| <= spec.max_abs().
void check_representable(const char* format, const Spec& spec, const float* x, int64_t n);

inline bool fp16_is_finite(uint16_t h) { return (h & 0x7c00u) != 0x7c00u; }

// ---- row kernels of one format, written once ----
// F provides: `Block` (its struct), `kName`, `kSpec`, and
//   static void unpack(const Block&, Unpacked*);  static void pack(const Unpacked&, Block*);

// Row-length and input checks are the ones all quantizers share
// (quant/quant_input.h): a clear Error naming the format, never a crash.
template <class F>
void dequantize_row(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks(F::kName, n, kQKK);
  const auto* blocks = static_cast<const typename F::Block*>(src);
  Unpacked u;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    F::unpack(blocks[b], &u);
    dequantize_superblock(F::kSpec, u, dst + b * kQKK);
  }
}

template <class F>
void quantize_row(const float* src, void* dst, int64_t n, const float* imatrix) {
  sym::check_quantize_input(F::kName, src, n, kQKK, imatrix);
  check_representable(F::kName, F::kSpec, src, n);
  auto* blocks = static_cast<typename F::Block*>(dst);
  Unpacked u;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    quantize_superblock(F::kSpec, src + b * kQKK, imatrix ? imatrix + b * kQKK : nullptr, &u);
    if (!fp16_is_finite(u.d) || !fp16_is_finite(u.dmin)) {
      throw Error(std::string(F::kName) + ": super-block " + std::to_string(b) +
                  " holds values too large for its fp16 scales");
    }
    F::pack(u, blocks + b);
  }
}

// The scalar reference dot (x: n / 256 blocks of F, y: n / 256 Q8_K blocks).
template <class F>
float vec_dot_row(int64_t n, const void* x, const void* y) {
  sym::check_whole_blocks(F::kName, n, kQKK);
  const auto* xb = static_cast<const typename F::Block*>(x);
  const auto* yb = static_cast<const BlockQ8_K*>(y);
  Unpacked u;
  float sum = 0;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    F::unpack(xb[b], &u);
    sum += dot_superblock(F::kSpec, u, yb[b]);
  }
  return sum;
}

}  // namespace hearth::quant::kasym

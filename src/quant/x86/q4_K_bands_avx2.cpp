// AVX2 kernel of Q4_K in bands of 8 rows (layout: quant/q4_K_bands.h) with
// Q8_K activations. Lanes are rows, as in the legacy bands
// (legacy_bands_avx2.cpp): vector u of a super-block's codes holds 4 qs bytes
// of each row, and the 4 activation bytes each nibble meets are one broadcast.
// Per sub-block and token: 8 maddubs add up in int16 (each below
// 2 * 15 * 128, 8 of them below 2^15), then one madd by the rows' 6-bit
// scales, as int16 pairs (sc_r, sc_r), leaves sc_r * sum_r in lane r. The
// mins cost one madd per sub-block and token, against the activation's two
// 16-element sums of that sub-block (one 32-bit broadcast). Against the
// row kernel (x86/q4_K_avx2.cpp), which reduces every row's lanes and unpacks
// every row's scales alone, a super-block costs far fewer operations. One
// core, AMD Zen 4 (make bench, Bands/Q4_K against VecDot/Q4_K): 30 against 18
// GB/s in L2, 23-24 against 17 from memory; BandGemm 150 against 110 GFLOP/s.
//
// Tuning, measured the same way:
//   - no software prefetch: the legacy bands' L1 + L2 requests (18 lines
//     each per super-block) cost 22.5 -> 18 GB/s from memory, L2 requests
//     alone 22.4; the stream prefetchers keep up with a band's one stream;
//   - chunks unrolled (their scale shuffles get constant indices: 27 -> 30
//     GB/s in L2), the 8 vectors of a chunk unrolled by 2 only: fully
//     unrolled, the compiler hoists every product ahead of its sum and spills
//     them (16 -> 22 GB/s from memory);
//   - 2 tokens per tile: 4 spill (BandGemm 134 against 150 GFLOP/s).
//   - the mins cost ~12 % (34 GB/s in L2 without them).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/interleave.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::avx2 {

namespace {

using bands::kRows;
namespace q4k = bands::q4k;

// Tokens per register tile: per token two int16 sums, an int32 sum and a
// float accumulator stay in registers beside a code vector's two halves
// (see the tuning notes above).
constexpr int kTokens = 2;


inline __m256i broadcast4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

inline __m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// The 6-bit scales (or mins) of 4 sub-blocks from their low nibbles (at
// `shift_low` in `low`) and high bits (at `shift_high` in `high`): byte
// 8 (j % 4) + r is sub-block j's value for row r.
inline __m256i six_bits(__m256i low, __m256i high, int shift_low, int shift_high) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), bits45 = _mm256_set1_epi8(0x30);
  const __m256i l = _mm256_and_si256(_mm256_srl_epi16(low, _mm_cvtsi32_si128(shift_low)), low4);
  const __m256i h = shift_high >= 0 ? _mm256_sll_epi16(high, _mm_cvtsi32_si128(shift_high))
                                    : _mm256_srl_epi16(high, _mm_cvtsi32_si128(-shift_high));
  return _mm256_or_si256(l, _mm256_and_si256(h, bits45));
}

// Sub-block q (0..3) of `v` (from six_bits) as int16 pairs (v_r, v_r) in
// 32-bit lane r: row 0..3's bytes to the low 128 bits, row 4..7's to the high
// ones, then each byte to both 16-bit halves of its lane.
inline __m256i pairs16(__m256i v, int q) {
  const __m256i quad = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(2 * q, 2 * q, 2 * q, 2 * q, 2 * q + 1,
                                                                        2 * q + 1, 2 * q + 1, 2 * q + 1));
  const __m256i spread = _mm256_setr_epi8(0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3, -1,  //
                                          0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3, -1);
  return _mm256_shuffle_epi8(quad, spread);
}

// acc[t] (lane r: row r) += the band's rows . activation row t.
template <int NT>
inline void band_times_tokens(int64_t nsb, const uint8_t* band, const BlockQ8_K* const (&y)[NT], __m256 (&acc)[NT]) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  for (int64_t s = 0; s < nsb; ++s) {
    const uint8_t* sb = band + static_cast<uint64_t>(s) * q4k::kSuperBlockBytes;
    const __m256i low0 = load32(sb + q4k::kNibbles), low1 = load32(sb + q4k::kNibbles + 32);
    const __m256i high = load32(sb + q4k::kHighs);

    // The mins: sum_j m_j,r (bsums_2j + bsums_2j+1), per token.
    __m256i mins[NT];
    for (int t = 0; t < NT; ++t) mins[t] = _mm256_setzero_si256();
    for (int g = 0; g < 2; ++g) {
      const __m256i m = six_bits(g ? low1 : low0, high, 4, g ? -2 : 0);
      for (int q = 0; q < 4; ++q) {
        const __m256i m16 = pairs16(m, q);
        for (int t = 0; t < NT; ++t) {
          mins[t] = _mm256_add_epi32(mins[t], _mm256_madd_epi16(m16, broadcast4(y[t][s].bsums + 2 * (4 * g + q))));
        }
      }
    }

    // The codes: sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles) of
    // vectors 8c .. 8c + 7.
    const __m256i sc0 = six_bits(low0, high, 0, 4), sc1 = six_bits(low1, high, 0, 2);
    __m256i sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      __m256i lo16[NT], hi16[NT];
      for (int t = 0; t < NT; ++t) lo16[t] = hi16[t] = _mm256_setzero_si256();
      const uint8_t* codes = sb + 256 * c;
#pragma GCC unroll 2
      for (int v = 0; v < 8; ++v) {
        const __m256i x = load32(codes + 32 * v);
        const __m256i lo = _mm256_and_si256(x, low4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y[t][s].qs + 64 * c + 4 * v;
          lo16[t] = _mm256_add_epi16(lo16[t], _mm256_maddubs_epi16(lo, broadcast4(yq)));
          hi16[t] = _mm256_add_epi16(hi16[t], _mm256_maddubs_epi16(hi, broadcast4(yq + 32)));
        }
      }
      // sub-blocks 2c and 2c + 1: quads 2c % 4 and 2c % 4 + 1 of sc0 (c < 2) or sc1
      const __m256i sc = c < 2 ? sc0 : sc1;
      const __m256i s_lo = pairs16(sc, (2 * c) % 4), s_hi = pairs16(sc, (2 * c) % 4 + 1);
      for (int t = 0; t < NT; ++t) {
        sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(_mm256_madd_epi16(lo16[t], s_lo),
                                                             _mm256_madd_epi16(hi16[t], s_hi)));
      }
    }

    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + q4k::kD)));
    const __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + q4k::kDmin)));
    for (int t = 0; t < NT; ++t) {
      const __m256 dy = _mm256_set1_ps(y[t][s].d);
      acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(d, dy), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      acc[t] = _mm256_fnmadd_ps(_mm256_mul_ps(dmin, dy), _mm256_cvtepi32_ps(mins[t]), acc[t]);
    }
  }
}

template <int NT>
inline void tile(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, float* y,
                 int64_t ldy) {
  const BlockQ8_K* rows[NT];
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) {
    rows[t] = reinterpret_cast<const BlockQ8_K*>(a + static_cast<uint64_t>(t0 + t) * a_stride);
    acc[t] = _mm256_setzero_ps();
  }
  band_times_tokens<NT>(n / kQKK, band, rows, acc);
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy, acc[t]);
}

void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
          float* y, int64_t ldy) {
  const uint64_t band_bytes = static_cast<uint64_t>(n / kQKK) * q4k::kSuperBlockBytes;
  const auto* act = static_cast<const uint8_t*>(a);
  for (int64_t k = 0; k < n_bands; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes;
    float* yk = y + k * kRows;
    int64_t t = 0;
    for (; t + kTokens <= n_tok; t += kTokens) tile<kTokens>(n, band, act, a_stride, t, yk, ldy);
    for (; t < n_tok; ++t) tile<1>(n, band, act, a_stride, t, yk, ldy);
  }
}

}  // namespace

const InterleavedKernels q4_K_x8{kRows, bands::q4k::pack, bands::q4k::unpack, gemm};

}  // namespace hearth::quant::avx2

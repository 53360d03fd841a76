// AVX2 kernel of Q4_K in bands of 8 rows (layout: quant/q4_K_bands.h) with
// Q8_K activations. Lanes are rows, as in the legacy bands
// (legacy_bands_avx2.cpp): vector u of a super-block's codes holds 4 qs bytes
// of each row, and the 4 activation bytes each nibble meets are one broadcast.
// Per sub-block and token: 8 maddubs add up in int16 (each below
// 2 * 15 * 128, 8 of them below 2^15), then one madd by the rows' 6-bit
// scales, as int16 pairs (sc_r, sc_r), leaves sc_r * sum_r in lane r. The
// mins cost one madd per pair of sub-blocks and token: the rows' mins as
// int16 pairs (m_2p,r, m_2p+1,r) against the activation's sums of both
// sub-blocks. Against the row kernel (x86/q4_K_avx2.cpp), which reduces every
// row's lanes and unpacks every row's scales alone, a super-block costs far
// fewer operations. One core, AMD Zen 4 (make bench, Bands/Q4_K against
// VecDot/Q4_K): 31 against 18 GB/s in L2, 24 against 17 from memory;
// BandGemm 155 against 110 GFLOP/s.
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
//   - the mins cost ~10 % (34 GB/s in L2 without them); one madd per
//     sub-block (8 broadcasts of its two bsums, 8 shuffles of the mins)
//     instead of one per pair: 30 against 31 GB/s in L2, gemm 150 against 155.
#include <immintrin.h>

#include <cstdint>

#include "quant/interleave.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/bands_avx2.h"

namespace hearth::quant::avx2 {

namespace {

using bands::kRows;
using bandsimd::broadcast4;
using bandsimd::load32;
using bandsimd::one_of_pair;
namespace q4k = bands::q4k;

// The 6-bit scales (or mins) of 4 sub-blocks from their low nibbles (at
// `shift_low` in `low`) and high bits (at `shift_high` in `high`): the bytes
// of pairs 2g and 2g + 1 (q4_K_bands.h).
inline __m256i six_bits(__m256i low, __m256i high, int shift_low, int shift_high) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), bits45 = _mm256_set1_epi8(0x30);
  const __m256i l = _mm256_and_si256(_mm256_srl_epi16(low, _mm_cvtsi32_si128(shift_low)), low4);
  const __m256i h = shift_high >= 0 ? _mm256_sll_epi16(high, _mm_cvtsi32_si128(shift_high))
                                    : _mm256_srl_epi16(high, _mm_cvtsi32_si128(-shift_high));
  return _mm256_or_si256(l, _mm256_and_si256(h, bits45));
}

// Pair `half` (0, 1) of six_bits' vector as int16 lanes (v_2p,r, v_2p+1,r).
inline __m256i pair16(__m256i v, int half) {
  return _mm256_cvtepu8_epi16(half ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v));
}

// The activation block's sums of sub-blocks 2p and 2p + 1 (each of two
// 16-element bsums) as int16 pairs in every 32-bit lane, for p = 0..3.
inline void pair_sums(const BlockQ8_K& y, __m256i (&s)[4]) {
  const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
  // per 128 bits: sums of adjacent bsums, twice: S0 S1 S2 S3 S0 .. | S4 .. S7 S4 ..
  const __m256i sub = _mm256_hadd_epi16(bs, bs);
  for (int p = 0; p < 4; ++p) s[p] = _mm256_permutevar8x32_epi32(sub, _mm256_set1_epi32(p % 2 + 4 * (p / 2)));
}

struct Q4KBands {
  static constexpr uint64_t kSuperBlockBytes = q4k::kSuperBlockBytes;
  // Tokens per register tile: per token two int16 sums, an int32 sum and a
  // float accumulator stay in registers beside a code vector's two halves
  // (see the tuning notes above).
  static constexpr int kTokens = 2;

  // acc[t] (lane r: row r) += the band's rows . activation row t.
  template <int NT>
  static void band_times_tokens(int64_t nsb, const uint8_t* band, const BlockQ8_K* const (&y)[NT], __m256 (&acc)[NT]) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int64_t s = 0; s < nsb; ++s) {
      const uint8_t* sb = band + static_cast<uint64_t>(s) * q4k::kSuperBlockBytes;
      const __m256i low0 = load32(sb + q4k::kNibbles), low1 = load32(sb + q4k::kNibbles + 32);
      const __m256i high = load32(sb + q4k::kHighs);

      // The mins: sum_j m_j,r (bsums_2j + bsums_2j+1), per token, a pair of
      // sub-blocks per madd.
      const __m256i m_lo = six_bits(low0, high, 4, 0), m_hi = six_bits(low1, high, 4, -2);
      const __m256i m16[4] = {pair16(m_lo, 0), pair16(m_lo, 1), pair16(m_hi, 0), pair16(m_hi, 1)};
      __m256i mins[NT];
      for (int t = 0; t < NT; ++t) {
        __m256i sums[4];
        pair_sums(y[t][s], sums);
        mins[t] =
            _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(m16[0], sums[0]), _mm256_madd_epi16(m16[1], sums[1])),
                             _mm256_add_epi32(_mm256_madd_epi16(m16[2], sums[2]), _mm256_madd_epi16(m16[3], sums[3])));
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
        const uint8_t* codes = sb + q4k::kCodes + 256 * c;
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
        // sub-blocks 2c and 2c + 1: pair c % 2 of sc0 (c < 2) or sc1
        const __m256i sc = pair16(c < 2 ? sc0 : sc1, c % 2);
        const __m256i s_lo = one_of_pair(sc, 0), s_hi = one_of_pair(sc, 1);
        for (int t = 0; t < NT; ++t) {
          sumi[t] = _mm256_add_epi32(
              sumi[t], _mm256_add_epi32(_mm256_madd_epi16(lo16[t], s_lo), _mm256_madd_epi16(hi16[t], s_hi)));
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
};

}  // namespace

const InterleavedKernels q4_K_x8{kRows, bands::q4k::pack, bands::q4k::unpack, bandsimd::gemm<Q4KBands>};

}  // namespace hearth::quant::avx2

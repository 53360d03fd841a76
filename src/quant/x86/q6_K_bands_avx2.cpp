// AVX2 kernel of Q6_K in bands of 8 rows (layout: quant/q6_K_bands.h) with
// Q8_K activations. Lanes are rows (as in q4_K_bands_avx2.cpp): each group of
// three vectors gives four vectors of 6-bit indices (0..63), 4 elements of
// each row, each meeting one 4-byte activation broadcast. Two maddubs
// products add up in int16 (each below 2 * 63 * 128, two below 2^15), then
// one madd by the rows' sub-block scales as int16 pairs (sc_r, sc_r) widens
// them. The -32 of every index is one madd per pair of sub-blocks, against
// the activation's 16-element sums.
//
// One core, AMD Zen 4 (make bench, Bands/Q6_K against VecDot/Q6_K): 23-25
// against 19-20 GB/s from memory, 29-30 against 21-22 in L2; BandGemm 92
// against the row gemm's 105 GFLOP/s (prefill reads Q6_K's few matrices at
// that speed: Q4_K_M's output, half its ffn_down and attn_v).
// Tuning, measured the same way:
//   - the indices re-encoded (q6_K_bands.h: 11 operations per 4 vectors
//     instead of ql / qh's 17), with one mask register for all (three
//     masks spilled: 26.5 GB/s in L2): 22-23 -> 23-25 from memory;
//   - the file's ql and qh in regions of their own, not in groups: 5 GB/s
//     from memory (software prefetch brought it to 14-18);
//   - keeping the compiler from hoisting loads across groups (an empty asm
//     on the sums) spills less: 29.5 -> 32 GB/s in L2, gemm 92 -> 98, but
//     22.5 against 23-24.5 from memory, the case decode runs: the loads
//     issued early keep more of the stream in flight.
#include <immintrin.h>

#include <cstdint>

#include "quant/interleave.h"
#include "quant/q6_K_bands.h"
#include "quant/x86/bands_avx2.h"

namespace hearth::quant::avx2 {

namespace {

using bands::kRows;
using bandsimd::broadcast4;
using bandsimd::load32;
using bandsimd::one_of_pair;
namespace q6k = bands::q6k;

// Pair p of the rows' scales as int16 lanes (sc_2p,r, sc_2p+1,r).
inline __m256i scale_pair(const uint8_t* sb, int p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + q6k::kScales + 16 * p)));
}

struct Q6KBands {
  static constexpr uint64_t kSuperBlockBytes = q6k::kSuperBlockBytes;
  // Tokens per register tile (one token: BandGemm 78 against 92 GFLOP/s).
  static constexpr int kTokens = 2;

  // Quarter hk of a super-block: half h = hk / 2, rows l = 0..15 (k = 0) or
  // 16..31 (k = 1) of it: sub-blocks 8h + k + 0, 2, 4, 6 (scale pairs 4h + m,
  // element k). Inlined into loops unrolled so that hk, and with it every
  // shuffle's indices, is a constant.
  template <int NT>
  [[gnu::always_inline]] static inline void quarter(const uint8_t* sb, const BlockQ8_K* const (&y)[NT], int64_t s,
                                                    int hk, __m256i (&sumi)[NT]) {
    const __m256i top2 = _mm256_set1_epi8(static_cast<char>(0xc0));
    const int h = hk / 2, k = hk % 2;
    const __m256i sa = one_of_pair(scale_pair(sb, 4 * h), k), sb1 = one_of_pair(scale_pair(sb, 4 * h + 1), k);
    const __m256i sc = one_of_pair(scale_pair(sb, 4 * h + 2), k), sd = one_of_pair(scale_pair(sb, 4 * h + 3), k);
#pragma GCC unroll 1
    for (int w2 = 0; w2 < 2; ++w2) {
      __m256i a16[NT], b16[NT], c16[NT], d16[NT];
      for (int t = 0; t < NT; ++t) a16[t] = b16[t] = c16[t] = d16[t] = _mm256_setzero_si256();
      for (int i = 0; i < 2; ++i) {
        const int wl = 4 * k + 2 * w2 + i;  // w % 8
        const uint8_t* group = sb + q6k::kCodes + q6k::kGroupBytes * static_cast<uint64_t>(8 * h + wl);
        const __m256i v0 = load32(group), v1 = load32(group + 32), v2 = load32(group + 64);
        // a, b, c: the low 6 bits; d: the top 2 bits of each, masked
        // before the shifts, so no bit crosses into the other byte of
        // a 16-bit lane (one mask register for all).
        const __m256i qa = _mm256_andnot_si256(top2, v0), qb = _mm256_andnot_si256(top2, v1);
        const __m256i qc = _mm256_andnot_si256(top2, v2);
        const __m256i qd = _mm256_or_si256(_mm256_or_si256(_mm256_srli_epi16(_mm256_and_si256(v0, top2), 6),
                                                           _mm256_srli_epi16(_mm256_and_si256(v1, top2), 4)),
                                           _mm256_srli_epi16(_mm256_and_si256(v2, top2), 2));
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y[t][s].qs + 128 * h + 4 * wl;
          a16[t] = _mm256_add_epi16(a16[t], _mm256_maddubs_epi16(qa, broadcast4(yq)));
          b16[t] = _mm256_add_epi16(b16[t], _mm256_maddubs_epi16(qb, broadcast4(yq + 32)));
          c16[t] = _mm256_add_epi16(c16[t], _mm256_maddubs_epi16(qc, broadcast4(yq + 64)));
          d16[t] = _mm256_add_epi16(d16[t], _mm256_maddubs_epi16(qd, broadcast4(yq + 96)));
        }
      }
      for (int t = 0; t < NT; ++t) {
        const __m256i ab = _mm256_add_epi32(_mm256_madd_epi16(a16[t], sa), _mm256_madd_epi16(b16[t], sb1));
        const __m256i cd = _mm256_add_epi32(_mm256_madd_epi16(c16[t], sc), _mm256_madd_epi16(d16[t], sd));
        sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(ab, cd));
      }
    }
  }

  // acc[t] (lane r: row r) += the band's rows . activation row t.
  template <int NT>
  static void band_times_tokens(int64_t nsb, const uint8_t* band, const BlockQ8_K* const (&y)[NT], __m256 (&acc)[NT]) {
    for (int64_t s = 0; s < nsb; ++s) {
      const uint8_t* sb = band + static_cast<uint64_t>(s) * q6k::kSuperBlockBytes;
      __m256i sumi[NT], offs[NT];
      for (int t = 0; t < NT; ++t) sumi[t] = offs[t] = _mm256_setzero_si256();
      for (int p = 0; p < 8; ++p) {
        const __m256i pair = scale_pair(sb, p);
        for (int t = 0; t < NT; ++t)
          offs[t] = _mm256_add_epi32(offs[t], _mm256_madd_epi16(pair, broadcast4(y[t][s].bsums + 2 * p)));
      }
      // Two quarters unrolled, spilling far less than four (BandGemm 92 -> 104
      // GFLOP/s). The decode tile unrolled four while the super-block's scales
      // came after its indices (q6_K_bands.h): its loads, issued early, then
      // kept more of the stream in flight (23 against 20 GB/s from memory).
      // In ascending order two is faster there too: one core from memory
      // 24.8-25.2 -> 26.6-27.4 GB/s, two threads in the host's fast state 80 ->
      // 83 % of the read probe (medians of ~80 passes, 2026-11-30).
#pragma GCC unroll 2
      for (int hk = 0; hk < 4; ++hk) quarter<NT>(sb, y, s, hk, sumi);
      const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + q6k::kD)));
      for (int t = 0; t < NT; ++t) {
        const __m256i total = _mm256_sub_epi32(sumi[t], _mm256_slli_epi32(offs[t], 5));
        acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_set1_ps(y[t][s].d)), _mm256_cvtepi32_ps(total), acc[t]);
      }
    }
  }
};

}  // namespace

const InterleavedKernels q6_K_x8{kRows, bands::q6k::pack, bands::q6k::unpack, bandsimd::gemm<Q6KBands>};

}  // namespace hearth::quant::avx2

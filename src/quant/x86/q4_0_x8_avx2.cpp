// AVX2 kernel of Q4_0 in bands of 8 rows (layout: quant/q4_0_x8.h) with Q8_0
// activations and their side data (x86/block_groups.h: the per-block
// -8 sum(y) corrections and float d_y). Lanes are rows: vector v of a
// block's codes holds bytes 4v..4v+3 of each row, whose low nibbles meet
// activation bytes 4v..4v+3 and high nibbles bytes 16+4v..19+4v, both one
// broadcast for all 8 rows. The 8 maddubs products of a block add up in int16
// (each product pair is below 2 * 15 * 127 = 3810 in magnitude, 8 of them
// below 2^15), one madd by 1 then leaves each row's exact sum in its lane:
// no reduction tree, and the 8 rows' scales are one 16-byte load. Per block
// of the band and token: 8 maddubs, 7 adds, a madd, the correction, a
// convert, a multiply and an FMA (the formula of quant/interleave.h).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/interleave.h"
#include "quant/kernels.h"
#include "quant/q4_0_x8.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/block_groups.h"

namespace hearth::quant::avx2 {

namespace {

using q4_0_x8::kBlockBytes;
using q4_0_x8::kRows;

// Tokens per register tile: 8 unpacked code vectors and a float accumulator
// per token stay in the 16 registers.
constexpr int kTokens = 4;

inline __m256i broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

// acc[t] (lane r: row r) += the rows' block at `codes` (scales at `scales`)
// . activation row t's block b, for NT tokens.
template <int NT>
inline void block_times_tokens(const uint8_t* codes, const uint8_t* scales, int64_t b,
                               const groups::ActivationRow (&a)[NT], __m256 (&acc)[NT]) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256i lo[4], hi[4];
  for (int v = 0; v < 4; ++v) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * v));
    lo[v] = _mm256_and_si256(c, low4);
    hi[v] = _mm256_and_si256(_mm256_srli_epi16(c, 4), low4);
  }
  const __m256 dx = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales)));
  for (int t = 0; t < NT; ++t) {
    const int8_t* y = a[t].blocks()[b].qs;
    __m256i p[8];
    for (int v = 0; v < 4; ++v) {
      p[v] = _mm256_maddubs_epi16(lo[v], broadcast4(y + 4 * v));
      p[4 + v] = _mm256_maddubs_epi16(hi[v], broadcast4(y + 16 + 4 * v));
    }
    // a tree, not a chain: the adds' latency is on every block's path
    const __m256i s = _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(p[0], p[1]), _mm256_add_epi16(p[2], p[3])),
                                       _mm256_add_epi16(_mm256_add_epi16(p[4], p[5]), _mm256_add_epi16(p[6], p[7])));
    const __m256i sums =
        _mm256_add_epi32(_mm256_madd_epi16(s, _mm256_set1_epi16(1)), _mm256_set1_epi32(a[t].corrections(0)[b]));
    const __m256 d = _mm256_mul_ps(dx, _mm256_set1_ps(a[t].scales()[b]));
    acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sums), acc[t]);
  }
}

// acc[t] += the band's rows . activation row t: its blocks in pairs
// (q4_0_x8.h), then the odd one out.
template <int NT>
inline void band_times_tokens(int64_t nb, const uint8_t* band, const groups::ActivationRow (&a)[NT],
                              __m256 (&acc)[NT]) {
  using q4_0_x8::kCodeBytes;
  using q4_0_x8::kScaleBytes;
  constexpr uint64_t kPair = 2 * kBlockBytes;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const uint8_t* pair = band + static_cast<uint64_t>(b) * kBlockBytes;
    avx2::prefetch_stream<kPair>(pair);
    block_times_tokens<NT>(pair, pair + 2 * kCodeBytes, b, a, acc);
    block_times_tokens<NT>(pair + kCodeBytes, pair + 2 * kCodeBytes + kScaleBytes, b + 1, a, acc);
  }
  if (b < nb) {
    const uint8_t* last = band + static_cast<uint64_t>(b) * kBlockBytes;
    block_times_tokens<NT>(last, last + kCodeBytes, b, a, acc);
  }
}

template <int NT>
inline void tile(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, float* y,
                 int64_t ldy) {
  const groups::ExtrasLayout l = groups::extras_layout(n, groups::Codes::kPaired);
  groups::ActivationRow rows[NT];
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) {
    rows[t] = {a + static_cast<uint64_t>(t0 + t) * a_stride, l};
    acc[t] = _mm256_setzero_ps();
  }
  band_times_tokens<NT>(legacy::block_count(n), band, rows, acc);
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy, acc[t]);
}

// The last n_tok (< NT) tokens as one tile of exactly n_tok.
template <int NT>
inline void rest(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, int64_t n_tok,
                 float* y, int64_t ldy) {
  if constexpr (NT > 1) {
    if (n_tok == NT - 1) {
      tile<NT - 1>(n, band, a, a_stride, t0, y, ldy);
    } else {
      rest<NT - 1>(n, band, a, a_stride, t0, n_tok, y, ldy);
    }
  }
}

void gemm(int64_t n, const void* bands, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok, float* y,
          int64_t ldy) {
  const uint64_t band_bytes = static_cast<uint64_t>(legacy::block_count(n)) * kBlockBytes;
  const auto* act = static_cast<const uint8_t*>(a);
  for (int64_t k = 0; k < n_bands; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(bands) + static_cast<uint64_t>(k) * band_bytes;
    float* yk = y + k * kRows;
    int64_t t = 0;
    for (; t + kTokens <= n_tok; t += kTokens) tile<kTokens>(n, band, act, a_stride, t, yk, ldy);
    if (t < n_tok) rest<kTokens>(n, band, act, a_stride, t, n_tok - t, yk, ldy);
  }
}

}  // namespace

const InterleavedKernels q4_0_x8{kRows, q4_0_x8::pack, q4_0_x8::unpack, gemm};

}  // namespace hearth::quant::avx2

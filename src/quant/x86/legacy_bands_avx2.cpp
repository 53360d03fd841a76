// AVX2 kernels of Q4_0 and Q8_0 in bands of 8 rows (layout:
// quant/legacy_bands.h) with Q8_0 activations and their side data
// (x86/block_groups.h: float d_y per block, and for Q4_0 the per-block
// -8 sum(y) corrections). Lanes are rows: vector v of a block's codes holds
// qs bytes 4v..4v+3 of each row, and the activation bytes they meet are the
// same for all 8 rows, one broadcast. Each block ends with the rows' exact
// integer sums in their lanes (no reduction tree) and the rows' scales are
// one 16-byte load; then a convert, a multiply and an FMA per block and token
// (the formula of quant/interleave.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "quant/interleave.h"
#include "quant/kernels.h"
#include "quant/legacy_bands.h"
#include "quant/x86/bands_avx2.h"
#include "quant/x86/block_groups.h"

namespace hearth::quant::avx2 {

namespace {

using bands::kRows;
using bandsimd::broadcast4;
using groups::ActivationRow;

// No software prefetch: a band is one stream, which the hardware
// prefetchers follow. The row kernels' requests (avx2_common.h), 1 KB ahead
// into L1 and 24 KB further into L2, cost more than they gave (Zen 4, make
// bench, one core from memory: Q8_0 22.3-23.5 -> 26.0-26.2 GB/s, Q4_0
// 25.5-27.5 -> 27.7-28.5 without them; Llama-3.2-1B Q8_0 decode, 2 threads,
// in the fast bandwidth state: 64 -> 71-74 % of the read bandwidth). As the
// Q4_K and Q6_K band kernels.

// Tokens per register tile: a block's unpacked codes and a float accumulator
// per token stay in the 16 registers.
constexpr int kTokens = 4;

// The float step of a block: acc += (d_x,r d_y) * sums_r.
inline __m256 fold(__m256 dx, const ActivationRow& a, int64_t b, __m256i sums, __m256 acc) {
  const __m256 d = _mm256_mul_ps(dx, _mm256_set1_ps(a.scales()[b]));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sums), acc);
}

inline __m256 load_scales(const uint8_t* scales) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales)));
}

// Q4_0: the codes stay unsigned (0..15) for maddubs, the - 8 is the
// activation side data's -8 sum(y). The low nibbles of vector v meet
// activation bytes 4v.., the high ones 16 + 4v..; the 8 maddubs products add
// up in int16 (each is below 2 * 15 * 127 = 3810 in magnitude, 8 of them
// below 2^15), and one madd by 1 leaves each row's sum in its lane.
struct Q4_0Bands {
  using Block = BlockQ4_0;
  static constexpr groups::Codes kCodes = groups::Codes::kPaired;

  template <int NT>
  static void block(const uint8_t* codes, const uint8_t* scales, int64_t b, const ActivationRow (&a)[NT],
                    __m256 (&acc)[NT]) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i lo[4], hi[4];
    for (int v = 0; v < 4; ++v) {
      const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * v));
      lo[v] = _mm256_and_si256(c, low4);
      hi[v] = _mm256_and_si256(_mm256_srli_epi16(c, 4), low4);
    }
    const __m256 dx = load_scales(scales);
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
      acc[t] = fold(dx, a[t], b, sums, acc[t]);
    }
  }
};

// Q8_0: both operands signed, so maddubs takes |x| and y with x's sign; a
// product pair reaches 2 * 127 * 127, so each is widened by a madd before
// the 8 vectors add up in int32.
struct Q8_0Bands {
  using Block = BlockQ8_0;
  static constexpr groups::Codes kCodes = groups::Codes::kWithout;

  template <int NT>
  static void block(const uint8_t* codes, const uint8_t* scales, int64_t b, const ActivationRow (&a)[NT],
                    __m256 (&acc)[NT]) {
    const __m256 dx = load_scales(scales);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int t = 0; t < NT; ++t) {
      const int8_t* y = a[t].blocks()[b].qs;
      __m256i p[8];
      for (int v = 0; v < 8; ++v) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * v));
        p[v] = _mm256_madd_epi16(
            _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(broadcast4(y + 4 * v), x)), ones);
      }
      const __m256i sums =
          _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), _mm256_add_epi32(p[2], p[3])),
                           _mm256_add_epi32(_mm256_add_epi32(p[4], p[5]), _mm256_add_epi32(p[6], p[7])));
      acc[t] = fold(dx, a[t], b, sums, acc[t]);
    }
  }
};

// acc[t] (lane r: row r) += the band's rows . activation row t: its blocks
// in pairs (legacy_bands.h), then the odd one out.
template <typename F, int NT>
inline void band_times_tokens(int64_t nb, const uint8_t* band, const ActivationRow (&a)[NT], __m256 (&acc)[NT]) {
  using L = bands::Layout<typename F::Block>;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const uint8_t* pair = band + static_cast<uint64_t>(b) * L::kBlockBytes;
    const uint8_t* codes = pair + 2 * L::kScaleBytes;
    F::template block<NT>(codes, pair, b, a, acc);
    F::template block<NT>(codes + L::kCodeBytes, pair + L::kScaleBytes, b + 1, a, acc);
  }
  if (b < nb) {
    const uint8_t* last = band + static_cast<uint64_t>(b) * L::kBlockBytes;
    F::template block<NT>(last + L::kScaleBytes, last, b, a, acc);
  }
}

template <typename F, int NT>
inline void tile(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, float* y,
                 int64_t ldy) {
  const groups::ExtrasLayout l = groups::extras_layout(n, F::kCodes);
  ActivationRow rows[NT];
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) {
    rows[t] = {a + static_cast<uint64_t>(t0 + t) * a_stride, l};
    acc[t] = _mm256_setzero_ps();
  }
  band_times_tokens<F, NT>(legacy::block_count(n), band, rows, acc);
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy, acc[t]);
}

// The last n_tok (< NT) tokens as one tile of exactly n_tok.
template <typename F, int NT>
inline void rest(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, int64_t n_tok,
                 float* y, int64_t ldy) {
  if constexpr (NT > 1) {
    if (n_tok == NT - 1) {
      tile<F, NT - 1>(n, band, a, a_stride, t0, y, ldy);
    } else {
      rest<F, NT - 1>(n, band, a, a_stride, t0, n_tok, y, ldy);
    }
  }
}

template <typename F>
void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
          float* y, int64_t ldy) {
  const uint64_t band_bytes = static_cast<uint64_t>(legacy::block_count(n)) * bands::Layout<typename F::Block>::kBlockBytes;
  const auto* act = static_cast<const uint8_t*>(a);
  for (int64_t k = 0; k < n_bands; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes;
    float* yk = y + k * kRows;
    int64_t t = 0;
    for (; t + kTokens <= n_tok; t += kTokens) tile<F, kTokens>(n, band, act, a_stride, t, yk, ldy);
    if (t < n_tok) rest<F, kTokens>(n, band, act, a_stride, t, n_tok - t, yk, ldy);
  }
}

}  // namespace

const InterleavedKernels q4_0_x8{kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>, gemm<Q4_0Bands>};
const InterleavedKernels q8_0_x8{kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>, gemm<Q8_0Bands>};

}  // namespace hearth::quant::avx2

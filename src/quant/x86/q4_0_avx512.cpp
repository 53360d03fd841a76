// AVX-512 VNNI dot and gemm of Q4_0 weights with Q8_0 activations, on
// 256-bit vectors: the same bits as the AVX2 kernels (q4_0_avx2.cpp,
// gemm_legacy_avx2.cpp), in fewer operations per block. Both read side data
// computed once per activation row (kernels.h, ActivationExtras): a decode
// step dots one activation row with every weight row.
//
// Where the AVX2 dot spends its time (in cache, ~5 cycles per 32-element
// block): two vpgatherdd per 8 blocks for the scales (~1.4 cycles per block),
// and, per block, the sign trick maddubs needs for two signed operands (two
// vpsignb, vpmaddubsw, vpmaddwd) plus the `- 8` of the codes. Here:
//  - the weight codes stay unsigned (0..15), the shape vpdpbusd (unsigned x
//    signed bytes, summed in int32) wants, and the `- 8` becomes
//    - 8 * sum(y) per 4-element lane, which depends on the activations only:
//    it is computed once per activation row (the extras below) and is the
//    starting value of vpdpbusd;
//  - the high nibbles are not shifted down: one AND with 0x0f.. | 0xf0..
//    keeps both nibbles of a 16-byte broadcast, so the upper 4 lanes hold 16x
//    their sums (the extras' correction is 16x there too). Scaling by 16 is
//    exact in float, so those lanes are multiplied by 1/16 once, at the end of
//    the row, and every rounding step matches the AVX2 dot's;
//  - the activation scales come as floats from the extras, the weight scales
//    from two byte permutes (VBMI) of the 8 blocks' bytes instead of gathers.
// In cache the dot runs ~3.1 cycles per block (21.5 vs 14 GB/s on one core),
// so decode, bound by memory, keeps the stream busier (Llama-3.2-1B Q4_0, 2
// threads: 78 -> 87 % of the read bandwidth).
#include <cstddef>
#include <cstring>

#include "quant/gemm.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/gemm_avx2.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx512 {

namespace {

using avx2::fold_block;
using avx2::finish_row;

// The extras after a Q8_0 activation row of nb blocks: per block 8 int32
// corrections (lanes 0-3: -8 sum of their 4 codes, lanes 4-7: -128 sum), then
// per block its scale d as a float. Offsets from the row's start, 32-byte
// aligned, the row padded to 64 bytes so consecutive rows keep the alignment.
struct ExtrasLayout {
  uint64_t corrections, scales, row_bytes;
};

constexpr uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

ExtrasLayout extras_layout(int64_t n) {
  const auto nb = static_cast<uint64_t>(legacy::block_count(n));
  ExtrasLayout l{};
  l.corrections = round_up(nb * sizeof(BlockQ8_0), 32);
  l.scales = l.corrections + nb * 8 * sizeof(int32_t);
  l.row_bytes = round_up(l.scales + nb * sizeof(float), 64);
  return l;
}

uint64_t extras_row_bytes(int64_t n) { return extras_layout(n).row_bytes; }

// The nibble mask of the whole block: low nibbles (elements 0..15) in the
// lower 128 bits, high nibbles left in place (16 x elements 16..31) above.
HEARTH_AVX512_VNNI_FN inline __m256i nibble_mask() {
  return _mm256_setr_epi64x(0x0f0f0f0f0f0f0f0f, 0x0f0f0f0f0f0f0f0f, static_cast<int64_t>(0xf0f0f0f0f0f0f0f0ull),
                            static_cast<int64_t>(0xf0f0f0f0f0f0f0f0ull));
}

// Multiplies the upper lanes of an accumulator back to 1x: exact (a power of
// two), so the result has the AVX2 accumulators' bits.
HEARTH_AVX512_VNNI_FN inline __m256 upper_lanes_unscale() {
  return _mm256_setr_ps(1, 1, 1, 1, 0.0625f, 0.0625f, 0.0625f, 0.0625f);
}

// lanes 0-3 -8, lanes 4-7 -128 times the sum of each lane's 4 activation
// codes: the `- 8` of the weight codes, at the upper lanes' 16x scale.
HEARTH_AVX512_VNNI_FN void fill_extras(int64_t n, uint8_t* row) {
  const ExtrasLayout l = extras_layout(n);
  const auto* y = reinterpret_cast<const BlockQ8_0*>(row);
  const __m256i weights = _mm256_setr_epi64x(0x0808080808080808, 0x0808080808080808,
                                             static_cast<int64_t>(0x8080808080808080ull),
                                             static_cast<int64_t>(0x8080808080808080ull));
  for (int64_t b = 0; b < legacy::block_count(n); ++b) {
    const __m256i sums = _mm256_dpbusd_epi32(_mm256_setzero_si256(), weights, avx2::load_i8x32(y[b].qs));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + l.corrections) + b,
                        _mm256_sub_epi32(_mm256_setzero_si256(), sums));
    const float d = avx2::fp16_scalar(y[b].d);
    std::memcpy(row + l.scales + static_cast<uint64_t>(b) * sizeof(float), &d, sizeof(d));
  }
}

// The bytes of the 64 at p that `offsets` picks (its 32 indices, 0..63).
HEARTH_AVX512_VNNI_FN inline __m256i permute_window(const uint8_t* p, __m256i offsets) {
  return _mm256_permutex2var_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), offsets,
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)));
}

// The fp16 scales `d` of 8 consecutive Q4_0 blocks (18 bytes each, `d`
// first) as floats: blocks 0-3 lie in the 64 bytes at x, blocks 4-7 in the
// 64 bytes at x + 4, at the same offsets in each window, so one byte permute
// per window gathers them (no vpgatherdd, which costs more than the rest of
// a block's work).
HEARTH_AVX512_VNNI_FN inline __m256 weight_scales8(const BlockQ4_0* x) {
  constexpr int s = sizeof(BlockQ4_0);
  static_assert(3 * s + 2 <= 64, "4 blocks' scales must lie in one 64-byte window");
  const __m256i offsets = _mm256_setr_epi8(0, 1, s, s + 1, 2 * s, 2 * s + 1, 3 * s, 3 * s + 1,  //
                                           0, 1, s, s + 1, 2 * s, 2 * s + 1, 3 * s, 3 * s + 1,  //
                                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i lo = permute_window(reinterpret_cast<const uint8_t*>(x), offsets);
  const __m256i hi = permute_window(reinterpret_cast<const uint8_t*>(x + 4), offsets);
  // blocks 0-3 from the low window's first 8 bytes, 4-7 from the high one's next 8
  return _mm256_cvtph_ps(_mm_blend_epi32(_mm256_castsi256_si128(lo), _mm256_castsi256_si128(hi), 0xc));
}

// One block's 8 int32 lane sums of (code - 8) * y, upper 4 lanes at 16x.
HEARTH_AVX512_VNNI_FN inline __m256 block_dot(const BlockQ4_0& x, const BlockQ8_0& y, const int32_t* correction) {
  const __m256i codes =
      _mm256_and_si256(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.qs))),
                       nibble_mask());
  const __m256i start = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(correction));
  return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(start, codes, avx2::load_i8x32(y.qs)));
}

// Block b's d * (its lane sums) added into acc (the AVX2 dot's fold_block).
// A function, not a lambda in the loop: a lambda would not carry the target
// attribute, and block_dot could not be inlined into it.
HEARTH_AVX512_VNNI_FN inline __m256 accumulate(const BlockQ4_0* x, const BlockQ8_0* y, const int32_t* corrections,
                                               int64_t b, const float* d, __m256 acc) {
  return fold_block(_mm256_broadcast_ss(d), block_dot(x[b], y[b], corrections + 8 * b), acc);
}

}  // namespace

// Hot loop of Q4_0 decode; same shape as avx2::dot_row (even and odd blocks
// into two accumulators, 8 blocks' scales per step, weight stream prefetch),
// so the float steps, and with them the bits, are the AVX2 dot's.
HEARTH_AVX512_VNNI_FN float vec_dot_q4_0_q8_0(int64_t n, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const ExtrasLayout l = extras_layout(n);
  const auto* corrections = reinterpret_cast<const int32_t*>(static_cast<const uint8_t*>(vy) + l.corrections);
  const auto* y_scales = reinterpret_cast<const float*>(static_cast<const uint8_t*>(vy) + l.scales);
  const int64_t nb = legacy::block_count(n);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  alignas(32) float d[8];
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    _mm256_store_ps(d, _mm256_mul_ps(weight_scales8(x + b), _mm256_loadu_ps(y_scales + b)));
    avx2::prefetch_stream<8 * sizeof(BlockQ4_0)>(x + b);
    for (int j = 0; j < 8; j += 2) {
      acc0 = accumulate(x, y, corrections, b + j, d + j, acc0);
      acc1 = accumulate(x, y, corrections, b + j + 1, d + j + 1, acc1);
    }
  }
  for (; b < nb; ++b) {  // the last nb % 8 blocks, alternating as above (b is even here)
    d[0] = avx2::fp16_scalar(x[b].d) * y_scales[b];
    if (b % 2 == 0) {
      acc0 = accumulate(x, y, corrections, b, d, acc0);
    } else {
      acc1 = accumulate(x, y, corrections, b, d, acc1);
    }
  }
  const __m256 unscale = upper_lanes_unscale();
  return finish_row(_mm256_mul_ps(acc0, unscale), _mm256_mul_ps(acc1, unscale), 0.0f);
}

namespace {

// One weight row times NT activation rows (quant/gemm.h), for prompts: each
// block's codes are masked once and meet every token's activations, at
// three vector operations per (block, token) (vpdpbusd from the token's
// correction, convert, FMA) where the AVX2 gemm takes seven. The float steps
// are the dot's (block b into accumulator b % 2, the upper lanes unscaled at
// the end, finish_row), so each token gets vec_dot's bits.
struct Q4_0VnniKernel {
  // Block b of the NT tokens into their accumulators acc. Each token is
  // addressed through one pointer, its activation row: its block, correction
  // and scale sit at offsets shared by all tokens (one register each), which
  // keeps 8 tokens within the 16 general registers (separate pointer arrays
  // spilled them, and the accumulators with them).
  template <int NT>
  HEARTH_AVX512_VNNI_FN static inline void step(const BlockQ4_0& x, const uint8_t* const act[NT], uint64_t y_off,
                                                uint64_t correction_off, uint64_t scale_off, __m256 (&acc)[NT]) {
    const __m256i codes =
        _mm256_and_si256(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.qs))),
                         nibble_mask());
    const __m256 dx = _mm256_set1_ps(avx2::fp16_scalar(x.d));
    for (int t = 0; t < NT; ++t) {
      const __m256i start = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act[t] + correction_off));
      const __m256i sums = _mm256_dpbusd_epi32(start, codes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act[t] + y_off)));
      const __m256 d = _mm256_mul_ps(dx, _mm256_broadcast_ss(reinterpret_cast<const float*>(act[t] + scale_off)));
      acc[t] = fold_block(d, _mm256_cvtepi32_ps(sums), acc[t]);
    }
  }

  template <int NT>
  HEARTH_AVX512_VNNI_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT],
                                         float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ4_0*>(row);
    const ExtrasLayout l = extras_layout(n);
    const uint8_t* a[NT];
    for (int t = 0; t < NT; ++t) a[t] = act[t];
    __m256 even[NT], odd[NT];  // blocks b % 2 == 0 and 1, as the dot's acc0 and acc1
    for (int t = 0; t < NT; ++t) even[t] = odd[t] = _mm256_setzero_ps();
    // offsets of block b's codes, correction and scale in an activation row
    auto y_off = [](int64_t b) { return static_cast<uint64_t>(b) * sizeof(BlockQ8_0) + offsetof(BlockQ8_0, qs); };
    auto correction_off = [&](int64_t b) { return l.corrections + static_cast<uint64_t>(b) * 8 * sizeof(int32_t); };
    auto scale_off = [&](int64_t b) { return l.scales + static_cast<uint64_t>(b) * sizeof(float); };
    const int64_t nb = legacy::block_count(n);
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      if (b % 8 == 0) avx2::prefetch_stream<8 * sizeof(BlockQ4_0)>(x + b);
      step<NT>(x[b], a, y_off(b), correction_off(b), scale_off(b), even);
      step<NT>(x[b + 1], a, y_off(b + 1), correction_off(b + 1), scale_off(b + 1), odd);
    }
    if (b < nb) step<NT>(x[b], a, y_off(b), correction_off(b), scale_off(b), even);
    const __m256 unscale = upper_lanes_unscale();
    for (int t = 0; t < NT; ++t) {
      out[t] = finish_row(_mm256_mul_ps(even[t], unscale), _mm256_mul_ps(odd[t], unscale), 0.0f);
    }
  }
};

}  // namespace

// 8 tokens per register tile: 16 accumulators of the 32 registers.
void gemm_q4_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_0 gemm", n, kQK);
  avx2::gemm_tiles<Q4_0VnniKernel, 8>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

const ActivationExtras q4_0_activation_extras{extras_row_bytes, fill_extras};

}  // namespace hearth::quant::avx512

// AVX-512 VNNI dot and gemm of Q4_0 weights with Q8_0 activations: the
// group shape of block_groups.h (lanes are blocks, one FMA per 8 blocks),
// with the integer sums by vpdpbusd (unsigned x signed bytes, summed into
// int32), 4 elements of each of the 8 blocks per instruction, so after 4
// steps on 512-bit vectors each lane holds its block's exact sum.
//  - The high nibbles are not shifted down: masking with 0xf0 leaves 16x the
//    code, so those products are summed apart and divided by 16 (an exact
//    arithmetic shift) before they join the low ones.
//  - The activations are stored transposed in the side data, once per row;
//    the weights are transposed as they are read, by two VBMI byte permutes
//    per group (they stay the file's bytes: mmap, no repacking).
// Same float steps as the AVX2 kernel (q4_0_avx2.cpp), so the same bits.
#include <cstddef>

#include "quant/gemm.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/block_groups.h"
#include "quant/x86/gemm_avx2.h"

namespace hearth::quant::avx512 {

namespace {

using groups::ActivationRow;
using groups::fold_group;
using groups::kGroup;

// A group's weights, transposed: lo[k] (k = 0, 1) holds code bytes
// 8k..8k+7 of every block as [bytes 8k..8k+3 | bytes 8k+4..8k+7], lane l of
// each half from block l, low nibbles (elements 8k..8k+7); hi[k] the same
// bytes' high nibbles in place (16 x elements 16 + 8k..).
struct GroupWeights {
  __m512i lo[2], hi[2];
};

// Byte indices of one permute: output byte p of vector k comes from code
// byte 4 (2k + p / 32) + p % 4 of block (p % 32) / 4, which sits at byte
// 18 block + 2 + that of the group. Blocks 0..6 lie in the first 128 bytes
// (two 64-byte registers, 7-bit indices); block 7's bytes (126..143) are
// taken from a third register loaded at byte `base` = 80, by a masked permute.
struct alignas(64) ByteIndices {
  uint8_t v[64];
};

constexpr ByteIndices group_indices(int k, int base) {
  ByteIndices idx{};
  for (int p = 0; p < 64; ++p) {
    const int block = (p % 32) / 4, byte = 4 * (2 * k + p / 32) + p % 4;
    idx.v[p] = static_cast<uint8_t>(static_cast<int>(sizeof(BlockQ4_0)) * block + 2 + byte - base);
  }
  return idx;
}

constexpr int kLastWindow = 80;  // 64 bytes ending at the group's end
constexpr ByteIndices kFirst[2] = {group_indices(0, 0), group_indices(1, 0)};
constexpr ByteIndices kLast[2] = {group_indices(0, kLastWindow), group_indices(1, kLastWindow)};

// Lanes of block 7 in both halves: bytes 28..31 and 60..63.
constexpr __mmask64 kBlock7 = 0xf0000000f0000000ull;

// Reads exactly the group's 144 bytes.
HEARTH_AVX512_VNNI_FN inline GroupWeights load_group(const BlockQ4_0* x) {
  static_assert(kGroup * sizeof(BlockQ4_0) == kLastWindow + 64);
  const auto* p = reinterpret_cast<const uint8_t*>(x);
  const __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 64), c = _mm512_loadu_si512(p + kLastWindow);
  const __m512i low = _mm512_set1_epi8(0x0f), high = _mm512_set1_epi8(static_cast<char>(0xf0));
  GroupWeights w;
  for (int k = 0; k < 2; ++k) {
    const __m512i first = _mm512_permutex2var_epi8(a, _mm512_load_si512(kFirst[k].v), b);
    const __m512i t = _mm512_mask_permutexvar_epi8(first, kBlock7, _mm512_load_si512(kLast[k].v), c);
    w.lo[k] = _mm512_and_si512(t, low);
    w.hi[k] = _mm512_and_si512(t, high);
  }
  return w;
}

// The 8 blocks' exact sums of (code - 8) y of group g, as floats, from its
// transposed activations and corrections (ExtrasLayout).
HEARTH_AVX512_VNNI_FN inline __m256 group_sums(const GroupWeights& w, const ActivationRow& a, int64_t g) {
  const auto* v = reinterpret_cast<const __m512i*>(a.group(g));
  // the low nibbles' products start from the corrections (upper half zero)
  __m512i low = _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.corrections(g))));
  low = _mm512_dpbusd_epi32(low, w.lo[0], _mm512_loadu_si512(v));
  low = _mm512_dpbusd_epi32(low, w.lo[1], _mm512_loadu_si512(v + 1));
  __m512i high = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.hi[0], _mm512_loadu_si512(v + 2));
  high = _mm512_dpbusd_epi32(high, w.hi[1], _mm512_loadu_si512(v + 3));
  const __m256i sums = _mm256_add_epi32(fold_halves(low), _mm256_srai_epi32(fold_halves(high), 4));
  return _mm256_cvtepi32_ps(sums);
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

// One weight row times NT activation rows: each group of weights is loaded
// and transposed once, then meets every token's activations (the dot is
// NT = 1). Per group and token: 4 vpdpbusd, the fold of the halves, one
// convert, one multiply for the scales, one FMA.
template <int NT>
HEARTH_AVX512_VNNI_FN inline void rows_times_tokens(int64_t n, const BlockQ4_0* x, const ActivationRow (&a)[NT],
                                                     float out[NT]) {
  const int64_t nb = legacy::block_count(n);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  int64_t g = 0;
  for (; (g + 1) * kGroup <= nb; ++g) {
    const BlockQ4_0* xg = x + g * kGroup;
    avx2::prefetch_stream<kGroup * sizeof(BlockQ4_0)>(xg);
    const GroupWeights w = load_group(xg);
    const __m256 dx = weight_scales8(xg);
    for (int t = 0; t < NT; ++t) {
      const __m256 d = _mm256_mul_ps(dx, _mm256_loadu_ps(a[t].scales() + g * kGroup));
      acc[t] = fold_group(d, group_sums(w, a[t], g), acc[t]);
    }
  }
  groups::finish_rows<BlockQ4_0, NT>(x, nb, g, a, acc, out);
}

struct Q4_0VnniKernel {
  template <int NT>
  HEARTH_AVX512_VNNI_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT],
                                         float out[NT]) {
    ActivationRow a[NT];
    groups::activation_rows<NT>(n, groups::Codes::kTransposed, act, a);
    rows_times_tokens<NT>(n, reinterpret_cast<const BlockQ4_0*>(row), a, out);
  }
};

}  // namespace

// Hot loop of Q4_0 decode: the gemm's step with one token.
float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y) {
  return avx2::dot_as_tile<Q4_0VnniKernel>(n, x, y);
}

// 8 tokens per register tile.
void gemm_q4_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_0 gemm", n, kQK);
  avx2::gemm_tiles<Q4_0VnniKernel, 8>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx512

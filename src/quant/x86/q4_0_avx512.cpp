// AVX-512 VNNI dot and gemm of Q4_0 weights with Q8_0 activations.
//
// The AVX2 kernels (q4_0_avx2.cpp, gemm_legacy_avx2.cpp) keep each block's
// products in 8 lanes of 4 consecutive elements, so every block costs a
// convert and an FMA per token on top of its integer work, and its scale is
// broadcast to all lanes. Here the lanes are blocks instead: 8 consecutive
// blocks ("a group") are transposed so that lane l of every vector belongs to
// block l, and vpdpbusd (unsigned x signed bytes, summed into int32) adds 4
// elements of each of the 8 blocks per instruction. After 8 such steps (4 on
// 512-bit vectors) each lane holds its block's exact integer sum, and one
// convert and one FMA with the 8 blocks' scales finish the group:
//   sum_l = sum_e (code_e - 8) y_e            exact, in int32
//   acc  += (d_x,l d_y,l) * sum_l             one FMA per 8 blocks
// and the row ends with the horizontal sum of acc.
//  - The weight codes stay unsigned (0..15), as vpdpbusd wants; the `- 8`
//    becomes -8 sum(y) per block, which depends on the activations only and
//    is computed once per activation row (the side data below, kernels.h's
//    ActivationExtras) as the starting value of the sums.
//  - The high nibbles are not shifted down: masking with 0xf0 leaves 16x the
//    code, so those products are summed apart and divided by 16 (an exact
//    arithmetic shift) before they join the low ones.
//  - The activations are stored transposed in the side data, once per row;
//    the weights are transposed as they are read, by two VBMI byte permutes
//    per group (they stay the file's bytes: mmap, no repacking).
// The dot and the gemm share the group step (group_sums, fold_group), so a
// token gets the same bits alone or batched (quant/gemm.h). They are not the
// AVX2 kernels' bits (the float steps differ); both are checked against the
// scalar reference in tests/quant/dot_test.cpp.
#include <cstddef>
#include <cstring>

#include "quant/gemm.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/gemm_avx2.h"

namespace hearth::quant::avx512 {

namespace {

constexpr int64_t kGroup = 8;  // blocks per group: one per 32-bit lane of a 256-bit vector

// The side data after a Q8_0 activation row of nb blocks, offsets from the
// row's start (64-byte aligned; the row padded to 64 bytes so consecutive
// rows keep the alignment):
//   groups:  per whole group of 8 blocks, 256 bytes of transposed codes
//            (vector j = 0..7, lane l: elements 4j..4j+3 of block l; stored
//            as four 64-byte [j | j + 1] pairs), then 8 int32: -8 sum(y) of
//            each block;
//   scales:  per block its d as a float (the last nb % 8 blocks included;
//            those are read from the Q8_0 blocks themselves).
struct ExtrasLayout {
  uint64_t groups, scales, row_bytes;
};

constexpr uint64_t kGroupCodes = 256;
constexpr uint64_t kGroupBytes = kGroupCodes + kGroup * sizeof(int32_t);

constexpr uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

ExtrasLayout extras_layout(int64_t n) {
  const auto nb = static_cast<uint64_t>(legacy::block_count(n));
  ExtrasLayout l{};
  l.groups = round_up(nb * sizeof(BlockQ8_0), 64);
  l.scales = l.groups + nb / kGroup * kGroupBytes;
  l.row_bytes = round_up(l.scales + nb * sizeof(float), 64);
  return l;
}

uint64_t extras_row_bytes(int64_t n) { return extras_layout(n).row_bytes; }

// -8 times the sum of a block's 32 activation codes.
int32_t minus_8_sum(const BlockQ8_0& y) {
  int32_t s = 0;
  for (const int8_t q : y.qs) s += q;
  return -8 * s;
}

void fill_extras(int64_t n, uint8_t* row) {
  const ExtrasLayout l = extras_layout(n);
  const auto* y = reinterpret_cast<const BlockQ8_0*>(row);
  const int64_t nb = legacy::block_count(n);
  for (int64_t g = 0; g < nb / kGroup; ++g) {
    uint8_t* codes = row + l.groups + static_cast<uint64_t>(g) * kGroupBytes;
    auto* corrections = reinterpret_cast<int32_t*>(codes + kGroupCodes);
    for (int64_t b = 0; b < kGroup; ++b) {
      const BlockQ8_0& yb = y[g * kGroup + b];
      for (int j = 0; j < 8; ++j) std::memcpy(codes + 32 * j + 4 * b, yb.qs + 4 * j, 4);
      corrections[b] = minus_8_sum(yb);
    }
  }
  for (int64_t b = 0; b < nb; ++b) {
    const float d = avx2::fp16_scalar(y[b].d);
    std::memcpy(row + l.scales + static_cast<uint64_t>(b) * sizeof(float), &d, sizeof(d));
  }
}

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

// The 8 blocks' exact sums of (code - 8) y, as floats. `codes`: the group's
// transposed activations and corrections (ExtrasLayout).
HEARTH_AVX512_VNNI_FN inline __m256 group_sums(const GroupWeights& w, const uint8_t* codes) {
  const auto* v = reinterpret_cast<const __m512i*>(codes);
  // the low nibbles' products start from the corrections (upper half zero)
  __m512i low = _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + kGroupCodes)));
  low = _mm512_dpbusd_epi32(low, w.lo[0], _mm512_loadu_si512(v));
  low = _mm512_dpbusd_epi32(low, w.lo[1], _mm512_loadu_si512(v + 1));
  __m512i high = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.hi[0], _mm512_loadu_si512(v + 2));
  high = _mm512_dpbusd_epi32(high, w.hi[1], _mm512_loadu_si512(v + 3));
  const __m256i sums = _mm256_add_epi32(fold_halves(low), _mm256_srai_epi32(fold_halves(high), 4));
  return _mm256_cvtepi32_ps(sums);
}

// The one float step of a group: acc += d * sums (d: d_x d_y per block).
HEARTH_AVX512_VNNI_FN inline __m256 fold_group(__m256 d, __m256 sums, __m256 acc) {
  return _mm256_fmadd_ps(d, sums, acc);
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

// The last nb % 8 blocks (fewer than a group), from the plain Q8_0 blocks:
// their exact sums and d_x d_y in the lanes of a group (0 in the others),
// for the same fold_group step. Rare (rows are mostly multiples of 256), so
// the scalar reference's block helpers (legacy_common.h).
struct Tail {
  __m256 d, sums;
};

HEARTH_AVX512_VNNI_FN inline Tail tail(const BlockQ4_0* x, const BlockQ8_0* y, const float* y_scales, int64_t count) {
  alignas(32) float d[kGroup] = {}, sums[kGroup] = {};
  for (int64_t b = 0; b < count; ++b) {
    int8_t q[kQK];
    legacy::unpack_nibbles(x[b].qs, 8, q);  // code - 8
    d[b] = avx2::fp16_scalar(x[b].d) * y_scales[b];
    sums[b] = static_cast<float>(legacy::dot_block(q, y[b].qs));
  }
  return {_mm256_load_ps(d), _mm256_load_ps(sums)};
}

// Where block b's pieces sit in an activation row.
struct ActivationRow {
  const uint8_t* row;
  ExtrasLayout l;
  const uint8_t* group(int64_t g) const { return row + l.groups + static_cast<uint64_t>(g) * kGroupBytes; }
  const float* scales() const { return reinterpret_cast<const float*>(row + l.scales); }
  const BlockQ8_0* blocks() const { return reinterpret_cast<const BlockQ8_0*>(row); }
};

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
      acc[t] = fold_group(d, group_sums(w, a[t].group(g)), acc[t]);
    }
  }
  if (const int64_t rest = nb - g * kGroup; rest > 0) {
    for (int t = 0; t < NT; ++t) {
      const int64_t b0 = g * kGroup;
      const Tail r = tail(x + b0, a[t].blocks() + b0, a[t].scales() + b0, rest);
      acc[t] = fold_group(r.d, r.sums, acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = avx2::hsum(acc[t]);
}

struct Q4_0VnniKernel {
  template <int NT>
  HEARTH_AVX512_VNNI_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT],
                                         float out[NT]) {
    const ExtrasLayout l = extras_layout(n);
    ActivationRow a[NT];
    for (int t = 0; t < NT; ++t) a[t] = {act[t], l};
    rows_times_tokens<NT>(n, reinterpret_cast<const BlockQ4_0*>(row), a, out);
  }
};

}  // namespace

// Hot loop of Q4_0 decode: the gemm's step with one token.
HEARTH_AVX512_VNNI_FN float vec_dot_q4_0_q8_0(int64_t n, const void* vx, const void* vy) {
  const ActivationRow a[1] = {{static_cast<const uint8_t*>(vy), extras_layout(n)}};
  float out[1];
  rows_times_tokens<1>(n, static_cast<const BlockQ4_0*>(vx), a, out);
  return out[0];
}

// 8 tokens per register tile.
void gemm_q4_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_0 gemm", n, kQK);
  avx2::gemm_tiles<Q4_0VnniKernel, 8>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

const ActivationExtras q4_0_activation_extras{extras_row_bytes, fill_extras};

}  // namespace hearth::quant::avx512

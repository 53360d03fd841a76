// AVX2 + FMA + F16C attention kernel (contract in compute/attention.h).
#include <immintrin.h>

#include <algorithm>

#include "compute/attention.h"
#include "compute/exp_avx2.h"
#include "compute/ops.h"
#include "quant/x86/avx2_common.h"

namespace hearth::compute::avx2 {

namespace {

using quant::avx2::hsum;

// 8 elements of a KV row as floats.
template <bool kF16>
inline __m256 load8(const uint8_t* row, int64_t i) {
  if constexpr (kF16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)));
  } else {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  }
}

// In-place softmax of n scores; vector body, scalar tail.
void softmax_avx2(float* s, int64_t n) {
  int64_t i = 0;
  __m256 vmax = _mm256_set1_ps(s[0]);
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(s + i));
  float mx = s[0];
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  for (const float l : lanes) mx = std::max(mx, l);
  for (; i < n; ++i) mx = std::max(mx, s[i]);

  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 vsum = _mm256_setzero_ps();
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + i), vmx));
    _mm256_storeu_ps(s + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = hsum(vsum);
  for (; i < n; ++i) {
    alignas(32) float one[8] = {s[i] - mx};
    _mm256_store_ps(one, exp_avx2(_mm256_load_ps(one)));
    s[i] = one[0];
    sum += s[i];
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(s + i, _mm256_mul_ps(_mm256_loadu_ps(s + i), inv));
  for (; i < n; ++i) s[i] *= 1.0f / sum;
}

// Requests the cache lines of [p, p + bytes) into L1.
inline void prefetch_bytes(const uint8_t* p, int64_t bytes) {
  for (int64_t o = 0; o < bytes; o += 64) _mm_prefetch(reinterpret_cast<const char*>(p + o), _MM_HINT_T0);
  _mm_prefetch(reinterpret_cast<const char*>(p + bytes - 1), _MM_HINT_T0);
}

// Cells ahead whose key is requested while a key is scored: ~40 cycles of
// work per cell against a DRAM latency of a few hundred.
constexpr int64_t kKeyPrefetchCells = 16;

// The horizontal sums of v[0..7], lane m holding v[m]'s: one transpose tree
// (6 hadds, 2 lane permutes, an add) instead of 8 reductions apart. Each sum
// is (v0 + v1 + v2 + v3) + (v4 + v5 + v6 + v7) over its vector's lanes, in
// that order, whatever its slot: a cell's score does not depend on the cells
// it was reduced with.
// (By value: an array argument made GCC keep the accumulators in memory too.)
inline __m256 hsum8(__m256 v0, __m256 v1, __m256 v2, __m256 v3, __m256 v4, __m256 v5, __m256 v6, __m256 v7) {
  const __m256 s01 = _mm256_hadd_ps(v0, v1), s23 = _mm256_hadd_ps(v2, v3);
  const __m256 s45 = _mm256_hadd_ps(v4, v5), s67 = _mm256_hadd_ps(v6, v7);
  const __m256 t0 = _mm256_hadd_ps(s01, s23), t1 = _mm256_hadd_ps(s45, s67);
  return _mm256_add_ps(_mm256_permute2f128_ps(t0, t1, 0x20), _mm256_permute2f128_ps(t0, t1, 0x31));
}

// Accumulators per tile of the FMA loops below: with the FMA's latency of 4
// cycles and 2 per cycle, 8 independent chains keep both units busy (fewer
// chains leave the loop waiting on its own results).
constexpr int kChains = 8;

// Scores of NH query heads (rows h0..h0+NH-1) against cells [j0, j0 + NC):
// NC x NH dot products as independent FMA chains, each key converted 8
// elements at a time once for the NH heads, then one hsum8 for all of them.
// When h0 == 0 the loop requests each key kKeyPrefetchCells ahead and the
// cell's value, which values_tile reads next.
//
// In decode the KV cache comes from DRAM: the weights streamed since the last
// token evicted it. A sequence's cells need not be adjacent (the engine
// places its tokens), so the requests follow the cell list, not addresses.
// Against one chain per head and cell, a reduction per score and a cell row
// of every KV head (model/kv_store.h), with Llama-3.2-1B's heads on 2
// threads, 16 layers from memory: 2.0-2.3 -> 1.4-1.7 ms per decoded token
// at 576 cells, 9-11 -> 4.0-5.6 ms at 2048; in L2, 30 -> 21 ns per cell.
template <bool kF16, int NH, int NC>
[[gnu::always_inline]] inline void score_cells(const AttentionGroup& g, int64_t h0, int64_t j0, float* scores) {
  static_assert(NH * NC <= kChains);
  constexpr int64_t kElem = kF16 ? 2 : 4;
  const uint8_t* k[NC];
  for (int c = 0; c < NC; ++c) {
    const int64_t j = j0 + c;
    if (h0 == 0) {
      if (j + kKeyPrefetchCells < g.n_cells) {
        prefetch_bytes(g.k + static_cast<uint64_t>(g.cells[j + kKeyPrefetchCells]) * g.k_stride, g.d * kElem);
      }
      prefetch_bytes(g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride, g.dv * kElem);
    }
    k[c] = g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride;
  }
  __m256 acc[kChains];
  for (auto& a : acc) a = _mm256_setzero_ps();
  for (int64_t i = 0; i < g.d; i += 8) {
    __m256 kv[NC];
    for (int c = 0; c < NC; ++c) kv[c] = load8<kF16>(k[c], i);
    for (int h = 0; h < NH; ++h) {
      const __m256 qv = _mm256_loadu_ps(g.q + (h0 + h) * g.d + i);
      for (int c = 0; c < NC; ++c) acc[c * NH + h] = _mm256_fmadd_ps(qv, kv[c], acc[c * NH + h]);
    }
  }
  alignas(32) float s[kChains];
  const __m256 sums = hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
  _mm256_store_ps(s, _mm256_mul_ps(sums, _mm256_set1_ps(g.scale)));
  for (int c = 0; c < NC; ++c) {
    for (int h = 0; h < NH; ++h) scores[(h0 + h) * g.n_cells + j0 + c] = s[c * NH + h];
  }
}

template <bool kF16, int NH>
void scores_tile(const AttentionGroup& g, int64_t h0, float* scores) {
  constexpr int64_t kElem = kF16 ? 2 : 4;
  constexpr int kCells = kChains / NH;
  if (h0 == 0) {
    for (int64_t j = 0; j < std::min(kKeyPrefetchCells, g.n_cells); ++j) {
      prefetch_bytes(g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride, g.d * kElem);
    }
  }
  int64_t j = 0;
  for (; j + kCells <= g.n_cells; j += kCells) score_cells<kF16, NH, kCells>(g, h0, j, scores);
  for (; j < g.n_cells; ++j) score_cells<kF16, NH, 1>(g, h0, j, scores);
}

// out_h += sum_j p[h][j] V_j over cells [j0, j1) (out_h = on the first
// block) for NH heads and value dims [c0, c0 + 8 NV): NH x NV accumulators
// in registers (independent chains), each value chunk converted once for
// the NH heads.
template <bool kF16, int NH, int NV>
[[gnu::always_inline]] inline void value_dims(const AttentionGroup& g, int64_t h0, const float* p, int64_t c0,
                                              int64_t j0, int64_t j1) {
  static_assert(NH * NV <= kChains);
  __m256 acc[NH * NV];
  for (int h = 0; h < NH; ++h) {
    for (int c = 0; c < NV; ++c) {
      acc[h * NV + c] = j0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(g.out + (h0 + h) * g.dv + c0 + 8 * c);
    }
  }
  for (int64_t j = j0; j < j1; ++j) {
    const uint8_t* row = g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride;
    __m256 vv[NV];
    for (int c = 0; c < NV; ++c) vv[c] = load8<kF16>(row, c0 + 8 * c);
    for (int h = 0; h < NH; ++h) {
      const __m256 pj = _mm256_set1_ps(p[(h0 + h) * g.n_cells + j]);
      for (int c = 0; c < NV; ++c) acc[h * NV + c] = _mm256_fmadd_ps(pj, vv[c], acc[h * NV + c]);
    }
  }
  for (int h = 0; h < NH; ++h) {
    for (int c = 0; c < NV; ++c) _mm256_storeu_ps(g.out + (h0 + h) * g.dv + c0 + 8 * c, acc[h * NV + c]);
  }
}

// Cells per block of values_tile: their value rows stay in L1 (8 KiB at 128
// bytes per head row) over the passes that read 8 NV dims of each.
constexpr int64_t kValueBlockBytes = 8192;

// The passes over value dims go block of cells by block: the first pass
// brings a block's rows in (in cell order, one stream), the others find them
// in L1. Every output is still summed over cells in order, as one chain.
template <bool kF16, int NH>
void values_tile(const AttentionGroup& g, int64_t h0, const float* p) {
  constexpr int64_t kElem = kF16 ? 2 : 4;
  constexpr int kDims = kChains / NH;  // 8-dim chunks per pass
  const int64_t block = std::max<int64_t>(8, kValueBlockBytes / (g.dv * kElem));
  for (int64_t j0 = 0; j0 < g.n_cells; j0 += block) {
    const int64_t j1 = std::min(g.n_cells, j0 + block);
    int64_t c = 0;
    for (; c + 8 * kDims <= g.dv; c += 8 * kDims) value_dims<kF16, NH, kDims>(g, h0, p, c, j0, j1);
    for (; c < g.dv; c += 8) value_dims<kF16, NH, 1>(g, h0, p, c, j0, j1);
  }
}

// Heads in tiles of up to 4 (with 2 cells or value chunks each: 8 accumulators
// and their operands fit the 16 registers).
template <bool kF16, template <bool, int> class Tile, typename... Args>
void over_heads(const AttentionGroup& g, Args... args) {
  int64_t h = 0;
  for (; h + 4 <= g.n_q; h += 4) Tile<kF16, 4>::run(g, h, args...);
  switch (g.n_q - h) {
    case 3: Tile<kF16, 3>::run(g, h, args...); break;
    case 2: Tile<kF16, 2>::run(g, h, args...); break;
    case 1: Tile<kF16, 1>::run(g, h, args...); break;
    default: break;
  }
}

template <bool kF16, int NH>
struct Scores {
  static void run(const AttentionGroup& g, int64_t h0, float* s) { scores_tile<kF16, NH>(g, h0, s); }
};
template <bool kF16, int NH>
struct Values {
  static void run(const AttentionGroup& g, int64_t h0, const float* p) { values_tile<kF16, NH>(g, h0, p); }
};

template <bool kF16>
void attend_typed(const AttentionGroup& g, std::vector<float>& scores) {
  scores.resize(static_cast<size_t>(g.n_q * g.n_cells));
  float* s = scores.data();
  over_heads<kF16, Scores>(g, s);
  for (int64_t h = 0; h < g.n_q; ++h) {
    if (g.softcap > 0) softcap(s + h * g.n_cells, g.n_cells, g.softcap);
    softmax_avx2(s + h * g.n_cells, g.n_cells);
  }
  over_heads<kF16, Values>(g, static_cast<const float*>(s));
}

}  // namespace

void attend(const AttentionGroup& g, std::vector<float>& scores) {
  if (g.kv_type == TensorType::F16) {
    attend_typed<true>(g, scores);
  } else {
    attend_typed<false>(g, scores);
  }
}

}  // namespace hearth::compute::avx2

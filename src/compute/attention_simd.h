// The SIMD attention kernel (contract in compute/attention.h), written once as
// templates on a vector policy V:
//   V::F                          a vector of V::kWidth floats
//   V::kWidth, V::kChains         floats per vector; accumulators a tile keeps
//                                 in registers (independent FMA chains)
//   V::load<kKv>(row, i)          kWidth elements of a KV row from element i,
//                                 as floats (kKv: the row's format; a Q8_0
//                                 vector lies in one block: kWidth divides 32)
//   V::loadu, storeu, zero, set1, fmadd
//   V::sums(acc, s)               s[c] = the lane sum of acc[c], c < kChains
// attention_avx2.cpp gives it 8-float vectors (8 chains: 16 registers),
// attention_avx512.cpp 16-float vectors (16 chains: 32 registers). The
// softmax between the two passes is the AVX2 one in both.
//
// Include only from those files, after compute/exp_avx2.h and
// quant/x86/avx2_common.h and inside the file's target region: everything
// here is in an unnamed namespace, so each file compiles its own copy for its
// own target (cmake/hearth.cmake says why).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "compute/attention.h"
#include "compute/exp_avx2.h"
#include "compute/ops.h"
#include "quant/blocks.h"
#include "quant/x86/avx2_common.h"

namespace hearth::compute {

// The KV row formats the SIMD kernel reads.
enum class Kv { F32, F16, Q8_0 };

namespace {

// Bytes of a KV row of n elements (Q8_0: whole blocks of 32).
template <Kv kKv>
constexpr int64_t kv_row_bytes(int64_t n) {
  if constexpr (kKv == Kv::F16) return 2 * n;
  if constexpr (kKv == Kv::F32) return 4 * n;
  return n / quant::kQK * static_cast<int64_t>(sizeof(quant::BlockQ8_0));
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
    const __m256 e = avx2::exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + i), vmx));
    _mm256_storeu_ps(s + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = quant::avx2::hsum(vsum);
  for (; i < n; ++i) {
    alignas(32) float one[8] = {s[i] - mx};
    _mm256_store_ps(one, avx2::exp_avx2(_mm256_load_ps(one)));
    s[i] = one[0];
    sum += s[i];
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(s + i, _mm256_mul_ps(_mm256_loadu_ps(s + i), inv));
  for (; i < n; ++i) s[i] *= 1.0f / sum;
}

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

// Requests the cache lines of [p, p + bytes) into L1.
inline void prefetch_bytes(const uint8_t* p, int64_t bytes) {
  for (int64_t o = 0; o < bytes; o += 64) _mm_prefetch(reinterpret_cast<const char*>(p + o), _MM_HINT_T0);
  _mm_prefetch(reinterpret_cast<const char*>(p + bytes - 1), _MM_HINT_T0);
}

// Cells ahead whose key is requested while a key is scored: ~40 cycles of
// work per cell against a DRAM latency of a few hundred.
constexpr int64_t kKeyPrefetchCells = 16;

// Scores of NH query heads (rows h0..h0+NH-1) against cells [j0, j0 + NC):
// NC x NH dot products as independent FMA chains, each key converted a
// vector at a time once for the NH heads, then one V::sums for all of them.
// When h0 == 0 the loop requests each key kKeyPrefetchCells ahead and the
// cell's value, which values_tile reads next.
//
// In decode the KV cache comes from DRAM: the weights streamed since the last
// token evicted it. A sequence's cells need not be adjacent (the engine
// places its tokens), so the requests follow the cell list, not addresses.
// Against one chain per head and cell, a reduction per score and a cell row
// of every KV head (model/kv_store.h), with Llama-3.2-1B's heads on 2
// threads, 16 layers from memory (AVX2): 2.0-2.3 -> 1.4-1.7 ms per decoded
// token at 576 cells, 9-11 -> 4.0-5.6 ms at 2048; in L2, 30 -> 21 ns per cell.
template <typename V, Kv kKv, int NH, int NC>
[[gnu::always_inline]] inline void score_cells(const AttentionGroup& g, int64_t h0, int64_t j0, float* scores) {
  static_assert(NH * NC <= V::kChains);
  const uint8_t* k[NC];
  for (int c = 0; c < NC; ++c) {
    const int64_t j = j0 + c;
    if (h0 == 0) {
      if (j + kKeyPrefetchCells < g.n_cells) {
        const uint64_t ahead = static_cast<uint64_t>(g.cells[j + kKeyPrefetchCells]);
        prefetch_bytes(g.k + ahead * g.k_stride, kv_row_bytes<kKv>(g.d));
      }
      prefetch_bytes(g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride, kv_row_bytes<kKv>(g.dv));
    }
    k[c] = g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride;
  }
  typename V::F acc[V::kChains];
  for (auto& a : acc) a = V::zero();
  for (int64_t i = 0; i < g.d; i += V::kWidth) {
    typename V::F kv[NC];
    for (int c = 0; c < NC; ++c) kv[c] = V::template load<kKv>(k[c], i);
    for (int h = 0; h < NH; ++h) {
      const typename V::F qv = V::loadu(g.q + (h0 + h) * g.d + i);
      for (int c = 0; c < NC; ++c) acc[c * NH + h] = V::fmadd(qv, kv[c], acc[c * NH + h]);
    }
  }
  alignas(64) float s[V::kChains];
  V::sums(acc, s);
  for (int c = 0; c < NC; ++c) {
    for (int h = 0; h < NH; ++h) scores[(h0 + h) * g.n_cells + j0 + c] = s[c * NH + h] * g.scale;
  }
}

template <typename V, Kv kKv, int NH>
void scores_tile(const AttentionGroup& g, int64_t h0, float* scores) {
  constexpr int kCells = V::kChains / NH;
  if (h0 == 0) {
    for (int64_t j = 0; j < std::min(kKeyPrefetchCells, g.n_cells); ++j) {
      prefetch_bytes(g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride, kv_row_bytes<kKv>(g.d));
    }
  }
  int64_t j = 0;
  for (; j + kCells <= g.n_cells; j += kCells) score_cells<V, kKv, NH, kCells>(g, h0, j, scores);
  for (; j < g.n_cells; ++j) score_cells<V, kKv, NH, 1>(g, h0, j, scores);
}

// out_h += sum_j p[h][j] V_j over cells [j0, j1) (out_h = on the first
// block) for NH heads and value dims [c0, c0 + kWidth NV): NH x NV
// accumulators in registers (independent chains), each value chunk converted
// once for the NH heads.
template <typename V, Kv kKv, int NH, int NV>
[[gnu::always_inline]] inline void value_dims(const AttentionGroup& g, int64_t h0, const float* p, int64_t c0,
                                              int64_t j0, int64_t j1) {
  static_assert(NH * NV <= V::kChains);
  typename V::F acc[NH * NV];
  for (int h = 0; h < NH; ++h) {
    for (int c = 0; c < NV; ++c) {
      acc[h * NV + c] = j0 == 0 ? V::zero() : V::loadu(g.out + (h0 + h) * g.dv + c0 + V::kWidth * c);
    }
  }
  for (int64_t j = j0; j < j1; ++j) {
    const uint8_t* row = g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride;
    typename V::F vv[NV];
    for (int c = 0; c < NV; ++c) vv[c] = V::template load<kKv>(row, c0 + V::kWidth * c);
    for (int h = 0; h < NH; ++h) {
      const typename V::F pj = V::set1(p[(h0 + h) * g.n_cells + j]);
      for (int c = 0; c < NV; ++c) acc[h * NV + c] = V::fmadd(pj, vv[c], acc[h * NV + c]);
    }
  }
  for (int h = 0; h < NH; ++h) {
    for (int c = 0; c < NV; ++c) V::storeu(g.out + (h0 + h) * g.dv + c0 + V::kWidth * c, acc[h * NV + c]);
  }
}

// Cells per block of values_tile: their value rows stay in L1 (8 KiB at 128
// bytes per head row) over the passes that read kWidth NV dims of each.
constexpr int64_t kValueBlockBytes = 8192;

// Passes of NV vectors of dims from c on while they fit in dv, then of NV / 2,
// ... 1 (a 64-dim head with one query head: one pass of 4 vectors on AVX-512
// rather than 4 passes of one).
template <typename V, Kv kKv, int NH, int NV>
void value_passes(const AttentionGroup& g, int64_t h0, const float* p, int64_t c, int64_t j0, int64_t j1) {
  for (; c + V::kWidth * NV <= g.dv; c += V::kWidth * NV) value_dims<V, kKv, NH, NV>(g, h0, p, c, j0, j1);
  if constexpr (NV > 1) value_passes<V, kKv, NH, NV / 2>(g, h0, p, c, j0, j1);
}

// The passes over value dims go block of cells by block: the first pass
// brings a block's rows in (in cell order, one stream), the others find them
// in L1. Every output is still summed over cells in order, as one chain.
template <typename V, Kv kKv, int NH>
void values_tile(const AttentionGroup& g, int64_t h0, const float* p) {
  constexpr int kChunks = V::kChains / NH;  // vectors of dims per pass
  const int64_t block = std::max<int64_t>(8, kValueBlockBytes / (kv_row_bytes<kKv>(g.dv)));
  for (int64_t j0 = 0; j0 < g.n_cells; j0 += block) {
    value_passes<V, kKv, NH, kChunks>(g, h0, p, 0, j0, std::min(g.n_cells, j0 + block));
  }
}

// Heads in tiles of up to 4 (with kChains / 4 cells or value vectors each).
template <typename V, Kv kKv, template <typename, Kv, int> class Tile, typename... Args>
void over_heads(const AttentionGroup& g, Args... args) {
  int64_t h = 0;
  for (; h + 4 <= g.n_q; h += 4) Tile<V, kKv, 4>::run(g, h, args...);
  switch (g.n_q - h) {
    case 3: Tile<V, kKv, 3>::run(g, h, args...); break;
    case 2: Tile<V, kKv, 2>::run(g, h, args...); break;
    case 1: Tile<V, kKv, 1>::run(g, h, args...); break;
    default: break;
  }
}

template <typename V, Kv kKv, int NH>
struct Scores {
  static void run(const AttentionGroup& g, int64_t h0, float* s) { scores_tile<V, kKv, NH>(g, h0, s); }
};
template <typename V, Kv kKv, int NH>
struct Values {
  static void run(const AttentionGroup& g, int64_t h0, const float* p) { values_tile<V, kKv, NH>(g, h0, p); }
};

template <typename V, Kv kKv>
void attend_typed(const AttentionGroup& g, std::vector<float>& scores) {
  scores.resize(static_cast<size_t>(g.n_q * g.n_cells));
  float* s = scores.data();
  over_heads<V, kKv, Scores>(g, s);
  for (int64_t h = 0; h < g.n_q; ++h) {
    if (g.softcap > 0) softcap(s + h * g.n_cells, g.n_cells, g.softcap);
    softmax_avx2(s + h * g.n_cells, g.n_cells);
  }
  over_heads<V, kKv, Values>(g, static_cast<const float*>(s));
}

// F16, F32 or Q8_0 rows (the caller checked the type and the head sizes).
template <typename V>
void attend_simd(const AttentionGroup& g, std::vector<float>& scores) {
  switch (g.kv_type) {
    case TensorType::F16: attend_typed<V, Kv::F16>(g, scores); break;
    case TensorType::Q8_0: attend_typed<V, Kv::Q8_0>(g, scores); break;
    default: attend_typed<V, Kv::F32>(g, scores); break;
  }
}

}  // namespace

}  // namespace hearth::compute

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

// Scores of NH query heads (rows h0..h0+NH-1) against every cell. Hot loop:
// each key is converted 8 elements at a time once and feeds NH FMA chains.
//
// In decode the KV cache comes from DRAM: the weights streamed since the last
// token evicted it. A head's keys are 128 bytes at a stride of a whole cell
// row (every KV head's), a pattern the hardware prefetcher does not run ahead
// of. So the loop requests the key kKeyPrefetchCells ahead, and the value of
// the cell it scores for values_tile, which reads them next (Llama-3.2-1B
// decode at ~150 cells: attention 2.2 -> 1.7 % of the time).
template <bool kF16, int NH>
void scores_tile(const AttentionGroup& g, int64_t h0, float* scores) {
  constexpr int64_t kElem = kF16 ? 2 : 4;
  if (h0 == 0) {
    for (int64_t j = 0; j < std::min(kKeyPrefetchCells, g.n_cells); ++j) {
      prefetch_bytes(g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride, g.d * kElem);
    }
  }
  for (int64_t j = 0; j < g.n_cells; ++j) {
    if (h0 == 0) {
      if (j + kKeyPrefetchCells < g.n_cells) {
        prefetch_bytes(g.k + static_cast<uint64_t>(g.cells[j + kKeyPrefetchCells]) * g.k_stride, g.d * kElem);
      }
      prefetch_bytes(g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride, g.dv * kElem);
    }
    const uint8_t* k = g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride;
    __m256 acc[NH];
    for (int h = 0; h < NH; ++h) acc[h] = _mm256_setzero_ps();
    for (int64_t i = 0; i < g.d; i += 8) {
      const __m256 kv = load8<kF16>(k, i);
      for (int h = 0; h < NH; ++h) acc[h] = _mm256_fmadd_ps(_mm256_loadu_ps(g.q + (h0 + h) * g.d + i), kv, acc[h]);
    }
    for (int h = 0; h < NH; ++h) scores[(h0 + h) * g.n_cells + j] = hsum(acc[h]) * g.scale;
  }
}

// out_h = sum_j p[h][j] V_j for NH heads, 8 value dims at a time: the NH
// accumulators stay in registers over all cells, each value chunk is
// converted once for the NH heads.
template <bool kF16, int NH>
void values_tile(const AttentionGroup& g, int64_t h0, const float* p) {
  for (int64_t c = 0; c < g.dv; c += 8) {
    __m256 acc[NH];
    for (int h = 0; h < NH; ++h) acc[h] = _mm256_setzero_ps();
    for (int64_t j = 0; j < g.n_cells; ++j) {
      const __m256 vv = load8<kF16>(g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride, c);
      for (int h = 0; h < NH; ++h) acc[h] = _mm256_fmadd_ps(_mm256_set1_ps(p[(h0 + h) * g.n_cells + j]), vv, acc[h]);
    }
    for (int h = 0; h < NH; ++h) _mm256_storeu_ps(g.out + (h0 + h) * g.dv + c, acc[h]);
  }
}

// Heads in tiles of up to 4 (4 accumulators + operands fit the 16 registers).
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

// The AVX2 row loop of the legacy 32-element formats, shared by the Q4_0,
// Q4_1, Q5_0, Q5_1, Q8_0 dots (and usable by any format whose blocks carry an
// fp16 `d` and dot against Q8_0 / Q8_1). Include only from *_avx2.cpp files.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"
#include "quant/legacy_common.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::avx2 {

inline __m256i load_i8x32(const int8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// sum over blocks of d_x d_y sum_j q_xj q_yj (+ m_x s_y for blocks with a
// minimum). `block_dot(x, y)` returns one block's 8 float partial sums of the
// integer products (exact: each is < 2^24). It is a template argument, not a
// function pointer, so it is inlined into the loop (a call per 32-element
// block cost Q4_0 a third of its speed).
//
// Hot loop of decode. Shaped as two blocks per iteration into two float
// accumulators: each block's integer work (unpack, maddubs, madd, convert) is
// independent, so the out-of-order core overlaps the pair, and the two FMA
// chains hide the FMA latency. The min term of Q4_1 / Q5_1 is a scalar FMA
// per block, off the vector critical path.
template <typename Block, typename ActBlock, auto block_dot>
float dot_row(int64_t n, const void* vx, const void* vy) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const ActBlock*>(vy);
  // block b's d_x d_y * (q_x . q_y) added into acc; its m_x s_y into mins
  auto accumulate = [&](int64_t b, __m256 acc, float& mins) {
    if constexpr (legacy::kHasMin<Block>) mins += fp16_scalar(x[b].m) * fp16_scalar(y[b].s);
    const __m256 d = _mm256_set1_ps(fp16_scalar(x[b].d) * fp16_scalar(y[b].d));
    return _mm256_fmadd_ps(d, block_dot(x[b], y[b]), acc);
  };
  const int64_t nb = legacy::block_count(n);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float mins0 = 0, mins1 = 0;
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    acc0 = accumulate(b, acc0, mins0);
    acc1 = accumulate(b + 1, acc1, mins1);
  }
  if (b < nb) acc0 = accumulate(b, acc0, mins0);
  return hsum(_mm256_add_ps(acc0, acc1)) + (mins0 + mins1);
}

}  // namespace hearth::quant::avx2

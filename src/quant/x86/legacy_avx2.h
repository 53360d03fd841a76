// The AVX2 row loop of the legacy 32-element formats, shared by the Q4_1,
// Q5_0, Q5_1 and IQ4_NL dots (and usable by any format whose blocks carry an
// fp16 `d` and dot against Q8_0 / Q8_1; Q4_0 and Q8_0 have the group shape of
// block_groups.h). Include only from *_avx2.cpp files.
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

// The float arithmetic of dot_row below: block b is folded into accumulator
// b % 2 (fold_block: d_x d_y times its 8 partial sums, one FMA), and the row
// ends with finish_row. The integer products of a block are exact, so these
// steps fix the bits.
inline __m256 fold_block(__m256 d, __m256 products, __m256 acc) {
  return _mm256_fmadd_ps(d, products, acc);
}
inline float finish_row(__m256 acc_even, __m256 acc_odd, float mins) {
  return hsum(_mm256_add_ps(acc_even, acc_odd)) + mins;
}

// d_x d_y of one block pair as 8 equal lanes: both fp16 scales converted by
// F16C, their product rounded once, as the scalar reference does (so every
// way of computing it gives the same bits). Per block, straight from the
// blocks: on AMD Zen 4 (the reference machine) this is what is fastest. The
// earlier shape, 8 scales at once through a strided gather, stored and
// broadcast back from memory, ran Q8_0 at 15.8 and Q4_0 at 6.9 GB/s in L2
// (one core), against 23.7 and 10.0 this way: Zen's gathers are slow.
template <typename Block, typename ActBlock>
inline __m256 block_scale(const Block& x, const ActBlock& y) {
  return _mm256_set1_ps(fp16_scalar(x.d) * fp16_scalar(y.d));
}

// sum over blocks of d_x d_y sum_j q_xj q_yj (+ m_x s_y for blocks with a
// minimum). `block_dot(x, y)` returns one block's 8 float partial sums of the
// integer products (exact: each is < 2^24). It is a template argument, not a
// function pointer, so it is inlined into the loop (a call per 32-element
// block cost Q4_0 a third of its speed).
//
// Hot loop of decode. Shaped as two blocks per step into two float
// accumulators (even and odd blocks; fold_block, finish_row): each block's
// integer work (unpack, maddubs, madd, convert) is independent, so the
// out-of-order core overlaps the pair, and the two FMA chains hide the FMA
// latency. The weight bytes 2 KB ahead are requested every 8 blocks
// (prefetch_stream). The min term of Q4_1 / Q5_1 is a scalar FMA per block,
// off the vector critical path.
template <typename Block, typename ActBlock, auto block_dot>
float dot_row(int64_t n, const void* vx, const void* vy) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const ActBlock*>(vy);
  // block b's d * (q_x . q_y) added into acc; its m_x s_y into mins
  auto accumulate = [&](int64_t b, __m256 acc, float& mins) {
    if constexpr (legacy::kHasMin<Block>) mins += fp16_scalar(x[b].m) * fp16_scalar(y[b].s);
    return fold_block(block_scale(x[b], y[b]), block_dot(x[b], y[b]), acc);
  };
  const int64_t nb = legacy::block_count(n);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float mins0 = 0, mins1 = 0;
  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    prefetch_stream<8 * sizeof(Block)>(x + b);
    for (int j = 0; j < 8; j += 2) {
      acc0 = accumulate(b + j, acc0, mins0);
      acc1 = accumulate(b + j + 1, acc1, mins1);
    }
  }
  for (; b < nb; ++b) {  // the last nb % 8 blocks, alternating as above (b is even here)
    if (b % 2 == 0) {
      acc0 = accumulate(b, acc0, mins0);
    } else {
      acc1 = accumulate(b, acc1, mins1);
    }
  }
  return finish_row(acc0, acc1, mins0 + mins1);
}

}  // namespace hearth::quant::avx2

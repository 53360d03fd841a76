// AVX2 dot and gemm of Q8_0 weights with Q8_0 activations: the group shape
// of block_groups.h (lanes are blocks, one convert and one FMA per 8 blocks).
//
// Per block and token: the signed products by maddubs (|x| times y carrying
// x's sign: dot_i8_i8's trick; a pair reaches 2 * 128 * 127 = 32512, no
// saturation), madd by 1 to 8 int32 partial sums, then the 8 blocks' vectors
// are reduced to one int32 per block by block_groups.h's tree. One core in L2
// on AMD Zen 4 (medians of 3 interleaved runs): gemm 55 -> 69-72 GFLOP/s
// against the per-block shape, the dot level (47 -> 48); with the activation
// scales packed from fp16 like the weights' instead of read from the side
// data, the gemm reached 61.
#include <immintrin.h>

#include <cstdint>

#include "quant/gemm.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/block_groups.h"
#include "quant/x86/gemm_avx2.h"

namespace hearth::quant::avx2 {

namespace {

using groups::kGroup;

inline __m256i load_qs(const BlockQ8_0& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)); }

// One block's products: 8 int32 sums of 4 elements each.
inline __m256i quad_sums(__m256i abs_x, __m256i x, const BlockQ8_0& y) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(abs_x, _mm256_sign_epi8(load_qs(y), x)), _mm256_set1_epi16(1));
}

// Q8_0 in groups (block_groups.h): each group's weights and their absolute
// values are loaded once, then meet every token's activations.
struct Q8_0Format {
  using Block = BlockQ8_0;
  static constexpr groups::Codes kCodes = groups::Codes::kWithout;
  struct Weights {
    __m256i x[kGroup], abs_x[kGroup];
  };
  static Weights load(const BlockQ8_0* x) {
    Weights w;
    for (int b = 0; b < kGroup; ++b) {
      w.x[b] = load_qs(x[b]);
      w.abs_x[b] = _mm256_sign_epi8(w.x[b], w.x[b]);
    }
    return w;
  }
  static __m256i sums(const Weights& w, const groups::ActivationRow& a, int64_t g) {
    const BlockQ8_0* y = a.blocks() + g * kGroup;
    return groups::block_sums([&](int b) { return quad_sums(w.abs_x[b], w.x[b], y[b]); });
  }
};

}  // namespace

// Hot loop of Q8_0 decode: the gemm's step with one token.
float vec_dot_q8_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_as_tile<groups::Kernel<Q8_0Format>>(n, x, y);
}

void gemm_q8_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q8_0 gemm", n, kQK);
  gemm_tiles<groups::Kernel<Q8_0Format>>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx2

// Scaled dot-product attention of one group of query heads that share a KV
// head (GQA), over a list of cells of the KV cache:
//   s[h][j] = scale * q_h . K[cell_j]     (then cap * tanh(s / cap) when softcap > 0)
//   p[h]    = softmax(s[h])
//   out_h   = sum_j p[h][j] V[cell_j]
// Keys and values are F16, Q8_0 or F32 (the KV cache types; Q8_0 rows are
// whole 32-element blocks, so head offsets are block-aligned; the SIMD
// kernels read each 8 or 16 elements of a block as d * q, the reference's
// dequantization, so a Q8_0 cache costs ~the same as an F16 one). Sharing the group
// means each key and value row is read and converted once for all n_q heads.
//
// The SIMD kernel (attention_simd.h: F16C conversion, FMA dots, a vectorised
// exp), on AVX-512 (attention_avx512.cpp) or AVX2 (attention_avx2.cpp)
// vectors, is picked from the CPU's features as the quantized kernels are
// (HEARTH_KERNELS=avx2 keeps the AVX-512 one out); the portable one
// (attention.cpp) is the reference. They agree up to float rounding
// (summation order and exp to within a few ulp).
#pragma once

#include <cstdint>
#include <vector>

#include "gguf/tensor_type.h"

namespace hearth::compute {

struct AttentionGroup {
  TensorType kv_type = TensorType::F16;  // F16, Q8_0 or F32
  const float* q = nullptr;              // [n_q][d], row h at q + h * d
  int64_t n_q = 0;
  int64_t d = 0;                         // key (and query) head size
  int64_t dv = 0;                        // value head size
  // Key j of the head starts at k + cells[j] * k_stride bytes; values alike.
  const uint8_t* k = nullptr;
  uint64_t k_stride = 0;
  const uint8_t* v = nullptr;
  uint64_t v_stride = 0;
  const int64_t* cells = nullptr;
  int64_t n_cells = 0;                   // > 0
  float scale = 1.0f;
  float softcap = 0.0f;                  // <= 0: none
  float* out = nullptr;                  // [n_q][dv], row h at out + h * dv
};

// scores: scratch, resized to n_q * n_cells. Throws UnsupportedError for a
// KV type other than F16 / Q8_0 / F32.
void attend(const AttentionGroup& g, std::vector<float>& scores);

// The portable reference (for tests).
void attend_generic(const AttentionGroup& g, std::vector<float>& scores);

namespace avx2 {
// Same contract; d and dv multiples of 8 (of 32 for Q8_0 rows). Call through attend().
void attend(const AttentionGroup& g, std::vector<float>& scores);
}  // namespace avx2

namespace avx512 {
// Same contract; d and dv multiples of 16 (of 32 for Q8_0 rows); an AVX-512 CPU
// (CpuFeatures::has_avx512_kernels). Call through attend().
void attend(const AttentionGroup& g, std::vector<float>& scores);
}  // namespace avx512

}  // namespace hearth::compute

// Input checks and weights shared by the quantizers of the symmetric formats
// (Q3_K, Q6_K, IQ4_NL, IQ4_XS).
#pragma once

#include <cstdint>

namespace hearth::quant::sym {

// Throws Error (naming `type`) unless n is a whole number of blocks of
// `block` elements, every x is finite and every imatrix weight (when given)
// is finite and >= 0.
void check_quantize_input(const char* type, const float* x, int64_t n, int64_t block,
                          const float* imatrix);

// Throws Error unless n is a whole number of blocks (for dequantize / dot).
// Inline: the dot kernels run it once per weight row of a decode step, and an
// out-of-line call per row showed up in profiles (~1 % of decode).
[[noreturn]] void throw_partial_blocks(const char* type, int64_t n, int64_t block);
inline void check_whole_blocks(const char* type, int64_t n, int64_t block) {
  if (n < 0 || n % block != 0) [[unlikely]] throw_partial_blocks(type, n, block);
}

// The weights of elements [offset, offset + len) with len <= 256: the imatrix
// slice, or 256 ones when there is no imatrix.
const float* block_weights(const float* imatrix, int64_t offset);

}  // namespace hearth::quant::sym

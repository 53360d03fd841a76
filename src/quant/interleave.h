// Weight rows interleaved in bands, for kernels whose vector lanes are rows.
//
// The row-wise dot kernels (kernels.h) put a row's blocks in the lanes of a
// vector, so every block's integer sum comes out of a reduction tree and
// every group of blocks gathers its fp16 scales from 18-byte strides; on AVX2
// that is half the work of a Q4_0 block. When the bytes of `rows`
// consecutive weight rows are stored interleaved (a band), block b of all the
// rows sits together: one vector holds 4 code bytes of each row, the 4
// activation bytes they meet are the same for every row (one broadcast), the
// lanes end each block holding the rows' exact sums, and the rows' scales are
// one contiguous load. A band has exactly the bytes of its rows; a tensor is
// interleaved once at load (model/weights.h): the file's row layout goes in,
// the kernels' layout stays in memory.
//
// A band's kernels accumulate each row in its own lane, block after block:
//   acc_r = fma(d_x,r d_y,b, sum_r,b, acc_r)   for b = 0, 1, ..., nb - 1
// with sum_r,b the exact integer sum of the block's products. Every ISA's
// kernel of a layout computes exactly that, so they return the same bits
// (tests/quant/interleave_test.cpp), for any number of tokens, which keeps
// compute::matmul batch-invariant on interleaved weights. The bits differ
// from the type's row-wise vec_dot (another summation order): a tensor is
// multiplied by one or the other, never both.
#pragma once

#include <cstdint>

namespace hearth::quant {

// `rows` rows of n elements in the type's row layout -> one band, same bytes.
using PackBandFn = void (*)(int64_t n, const void* rows, void* band);
// The inverse: one band -> its rows in the type's row layout.
using UnpackBandFn = void (*)(int64_t n, const void* band, void* rows);
// n_bands consecutive bands of n-element rows times n_tok activation rows (the
// type's vec_dot_type plus its TypeTraits::act_extras, a_stride bytes apart):
//   y[t * ldy + r] = row r . activation row t,   r in [0, rows * n_bands)
using BandGemmFn = void (*)(int64_t n, const void* bands, int64_t n_bands, const void* a, uint64_t a_stride,
                            int64_t n_tok, float* y, int64_t ldy);
// One activation row (a decode step) times several bands at once: bands
// k + j partner, j in [0, InterleavedKernels::decode_streams), for k in
// [0, n_groups), as BandGemmFn would each (y + k rows is band k's output). A
// decode step's threads take a matrix in chunks; with partner = the matrix's
// bands / decode_streams, each thread's chunks continue decode_streams
// ascending streams (compute/matmul.cpp says why several).
using BandDecodeFn = void (*)(int64_t n, const void* bands, int64_t n_groups, int64_t partner, const void* a,
                              float* y);

struct InterleavedKernels {
  int rows = 0;  // rows per band
  PackBandFn pack = nullptr;
  UnpackBandFn unpack = nullptr;
  BandGemmFn gemm = nullptr;
  BandDecodeFn decode = nullptr;  // where the kernels stream several bands at once; else nullptr
  int decode_streams = 0;         // the bands decode takes at once
  // The same kernels on narrower bands, for a matrix whose rows are not
  // whole bands of these (the wide bands of 16 rows: those of 8); else nullptr.
  const InterleavedKernels* narrower = nullptr;
};

// k, or the first of its narrower kernels (k->narrower, ...) whose bands
// n_rows rows fill exactly; nullptr where none does (or k is nullptr).
inline const InterleavedKernels* bands_for(const InterleavedKernels* k, int64_t n_rows) {
  while (k != nullptr && n_rows % k->rows != 0) k = k->narrower;
  return k;
}

// A decode step's share of a matrix in bands (n_out rows of n elements,
// row_bytes each; n_out a multiple of k.rows): y[o] = row o . the activation
// row `a`, for the bands whose first row lies in [ob, oe), so that ranges
// splitting [0, n_out) anywhere split it into whole bands. Kernels that
// stream S bands at once (k.decode, S = k.decode_streams) get bands k + j p
// (p = n_bands / S, j < S) for the k in [ceil(bb / S), ceil(be / S)) of
// [0, p): the ranges still split the work exactly, and a thread's
// consecutive ranges continue each of its S streams. The last n_bands % S
// bands go to the gemm, in the range that ends the matrix. Without
// k.decode: the gemm on one token.
void decode_rows(const InterleavedKernels& k, int64_t n, const uint8_t* bands, uint64_t row_bytes, int64_t n_out,
                 const void* a, int64_t ob, int64_t oe, float* y);

// Writes n_rows rows (a multiple of k.rows) of row_bytes each, from `rows`,
// as bands at `bands` (the same bytes in all; `bands` may be `rows`: in
// place). Throws Error when n_rows is not a whole number of bands.
void interleave_rows(const InterleavedKernels& k, int64_t n, const uint8_t* rows, uint8_t* bands, int64_t n_rows,
                     uint64_t row_bytes);

// Q4_0 and Q8_0 in bands of 8 rows and in wide bands of 16 (layouts in
// quant/legacy_bands.h), with Q8_0 activations.
namespace generic {
extern const InterleavedKernels q4_0_x8;  // the references: plain Q8_0 activation rows
extern const InterleavedKernels q8_0_x8;
extern const InterleavedKernels q4_0_x16;
extern const InterleavedKernels q8_0_x16;
}  // namespace generic
namespace avx2 {
extern const InterleavedKernels q4_0_x8;  // reads avx2::q4_0_activation_extras (kernels.h)
extern const InterleavedKernels q8_0_x8;  // reads avx2::q8_0_activation_extras
}  // namespace avx2

// Q4_K and Q6_K in bands of 8 rows and in wide bands of 16 (layouts in
// quant/q4_K_bands.h, quant/q6_K_bands.h, quant/bands.h), with Q8_K
// activations (no side data).
namespace generic {
extern const InterleavedKernels q4_K_x8;  // the references
extern const InterleavedKernels q6_K_x8;
extern const InterleavedKernels q4_K_x16;
extern const InterleavedKernels q6_K_x16;
}  // namespace generic
namespace avx2 {
extern const InterleavedKernels q4_K_x8;
extern const InterleavedKernels q6_K_x8;
}  // namespace avx2

// The same kernels on AVX-512 (F, BW, VL) vectors, two bands per vector
// (x86/bands_avx512.cpp): the same layouts, side data and bits.
namespace avx512 {
extern const InterleavedKernels q4_0_x8;
extern const InterleavedKernels q8_0_x8;
extern const InterleavedKernels q4_K_x8;
extern const InterleavedKernels q6_K_x8;
// The same with the VNNI dot instruction (x86/bands_vnni_avx512.cpp).
extern const InterleavedKernels q4_0_vnni_x8;
extern const InterleavedKernels q8_0_vnni_x8;
// In wide bands: one band of 16 rows per vector, one stream a decode thread.
extern const InterleavedKernels q4_0_vnni_x16;
extern const InterleavedKernels q8_0_vnni_x16;
extern const InterleavedKernels q4_K_vnni_x8;
extern const InterleavedKernels q6_K_vnni_x8;
extern const InterleavedKernels q4_K_vnni_x16;  // wide bands, as Q4_0's
extern const InterleavedKernels q6_K_vnni_x16;
// Q6_K's VNNI table with the VNNI decode kernel too: the pick on Zen 4
// (x86/bands_vnni_avx512.cpp says why).
extern const InterleavedKernels q6_K_vnni_decode_x8;
// The AVX-512 decode kernel of Q6_K, which its VNNI table takes too
// (x86/bands_vnni_avx512.cpp says why).
void q6_K_decode(int64_t n, const void* bands, int64_t n_groups, int64_t partner, const void* a, float* y);
}  // namespace avx512

}  // namespace hearth::quant

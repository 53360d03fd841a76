// y = W x for a batch of activation rows, on the fused dot kernels.
//
// W is a GGUF weight tensor of shape [n_in, n_out] (ne[0] = n_in is the row
// length): n_out rows of n_in elements, in any type with kernels.
// x is [n_tokens][n_in] float, y is [n_tokens][n_out] float.
// Each activation row is quantized once to W's vec_dot_type (as the formats
// intend), with any side data W's kernels read (quant::quantize_activation).
// Then:
//   one token (decode): every weight row is one vec_dot call, rows split
//     across the pool: a single streaming pass over W, bound by memory; the
//     loop's threads quantize the token's row first, in pieces they share
//     (core/loop_prologue.h), so the caller does not do it alone before;
//   interleaved weights (WeightView::interleaved): the same two paths over
//     the type's band kernels, which multiply 8 rows at once;
//   several tokens with a gemm kernel (prompts): bands of weight rows in
//     parallel, each multiplied by L1-sized tiles of tokens through the
//     type's gemm kernel (quant/gemm.h), which decodes each weight block once
//     per 4 tokens: bound by the int8 multiply rate.
// Both give exactly the vec_dot result: every gemm kernel returns its type's
// vec_dot bits for each (row, token) pair (quant/gemm.h), so a token's row is
// bit-identical whatever the batch size (batch invariance: the scheduler's
// determinism rests on it).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/huge_pages.h"
#include "core/thread_pool.h"
#include "gguf/tensor_type.h"

namespace hearth::quant {
struct InterleavedKernels;
}  // namespace hearth::quant

namespace hearth::compute {

struct WeightView {
  TensorType type = TensorType::F32;
  const uint8_t* data = nullptr;
  int64_t n_in = 0;        // row length (ne[0])
  int64_t n_out = 0;       // rows (ne[1])
  uint64_t row_bytes = 0;  // bytes per row
  // The band kernels whose layout the rows are stored in (quant/interleave.h:
  // at load, the type's table pick, quant::TypeTraits::interleaved, unless a
  // model::BandChoice said otherwise); n_out is a whole number of their
  // bands. nullptr: the type's row layout.
  const quant::InterleavedKernels* interleaved = nullptr;
};

// Row `row` of w as floats (n_in of them): an embedding lookup. Weights in
// bands are unpacked a band at a time (quant::InterleavedKernels::unpack).
void dequantize_row(const WeightView& w, int64_t row, float* out);

// Scratch memory reused across calls (quantized activations).
struct MatmulScratch {
  HugePageVector<uint8_t> act;  // a prompt's rows: megabytes (core/huge_pages.h says why huge pages)
};

// Makes elements [begin, end) of a product's input final, in place (the
// FFN's SwiGLU of gate and up, into gate): the product's threads run it on
// pieces of the input just before they quantize them, instead of the caller
// on the whole input before the product (one token: pieces of its row, shared
// by the loop's threads; a batch: a token's row at a time). Indices into the
// [n_tokens][n_in] input; a range never spans two tokens. Empty: x is final.
using InputFill = std::function<void(int64_t begin, int64_t end)>;

void matmul(const WeightView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch, const InputFill& fill = {});

// One input, several weight matrices (q/k/v, gate/up): o.y = o.w x for each o,
// the same values as one matmul call per matrix. All must have the same n_in
// (else Error). When they share an activation format (vec_dot_type and side
// data), x is quantized once, and for
// one token the rows of all the matrices are a single parallel loop: one
// hand-off to the pool instead of one per matrix, with the threads streaming
// from one matrix into the next.
struct MatmulOutput {
  WeightView w;
  float* y = nullptr;  // [n_tokens][w.n_out]
};
void matmul_group(std::span<const MatmulOutput> outs, const float* x, int64_t n_tokens, ThreadPool& pool,
                  MatmulScratch& scratch, const InputFill& fill = {});

}  // namespace hearth::compute

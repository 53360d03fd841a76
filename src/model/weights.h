// Weight tensors of a transformer, bound by name from a GGUF file. Nothing
// is copied (every view points into the memory-mapped file), except the
// matrices interleave_weights moves into bands for their kernels. Shapes are
// GGUF's [ne0 = row length, ne1 = rows].
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/matmul.h"
#include "model/hparams.h"

namespace hearth::model {

// A 1-D F32 vector (norm weights, biases); nullptr when absent.
using VectorView = const float*;

struct LayerWeights {
  VectorView attn_norm = nullptr;       // [n_embd]
  compute::WeightView wq, wk, wv, wo;   // [n_embd, n_embd_q] [n_embd, n_embd_k] [n_embd, n_embd_v] [n_embd_q, n_embd]
  VectorView bq = nullptr, bk = nullptr, bv = nullptr;  // Qwen2 biases
  VectorView q_norm = nullptr, k_norm = nullptr;        // [head_dim] (Qwen3, Gemma 3)
  VectorView post_attn_norm = nullptr;  // [n_embd] (Gemma)
  VectorView ffn_norm = nullptr;        // [n_embd]
  compute::WeightView gate, up, down;   // [n_embd, n_ff] [n_embd, n_ff] [n_ff, n_embd]
  VectorView post_ffn_norm = nullptr;   // [n_embd] (Gemma)
};

struct Weights {
  compute::WeightView token_embd;  // [n_embd, n_vocab]
  VectorView output_norm = nullptr;  // [n_embd]
  compute::WeightView output;      // [n_embd, n_vocab]; token_embd when tied
  VectorView rope_freqs = nullptr; // [rope_dim / 2] frequency divisors (Llama 3.1), optional
  std::vector<LayerWeights> layers;
  // The matrices in bands, when interleave_weights put any there.
  HugePageBuffer bands;
};

// Binds every tensor the hyper-parameters call for, checking names, shapes
// and types; throws FormatError naming the tensor when one is missing or
// wrong, UnsupportedError when its type has no kernels.
Weights bind_weights(const gguf::File& file, const HParams& hp);

// Copies into bands (quant/interleave.h), in one buffer on huge pages
// (Weights::bands), every matrix whose type has SIMD band kernels on this
// CPU (not only the scalar reference) and whose rows are whole bands: the
// layers' matrices, the output, and token_embd when it is the output too
// (a token's row is then unpacked from its band,
// compute::dequantize_row); their views then point there. The copy runs on
// all cores, in chunks of whole bands whose pages in the file mapping are
// released as soon as they are copied (core/mapped_file.h, release_pages),
// so the bytes are in memory once (the peak: the file plus a chunk per
// core), in the process's own pages rather than in page cache shared with
// other processes. HEARTH_INTERLEAVE=0 keeps every matrix in the file's rows.
//
// `choice` picks the band kernels per type instead of the kernel table
// (quant::band_kernel_variants lists those the CPU runs; nullptr keeps the
// type in rows): to compare kernels on one model in one process
// (bench/ab_bench.cpp). Each view keeps the kernels it was packed for
// (compute::WeightView::interleaved), so models on different kernels run
// side by side.
using BandChoice = std::function<const quant::InterleavedKernels*(TensorType type)>;
void interleave_weights(Weights& w, const BandChoice& choice = {});

// The band kernels named `name` (a quant::band_kernel_variants name) for the
// types that have them, the table's pick for the others; "rows": none (every
// matrix stays in rows).
BandChoice band_choice(std::string_view name);

}  // namespace hearth::model

// Weight tensors of a transformer, bound by name from a GGUF file. Nothing
// is copied: every view points into the memory-mapped file (some rewritten
// there in place for the kernels, see interleave_weights). Shapes are
// GGUF's [ne0 = row length, ne1 = rows].
#pragma once

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
};

// Binds every tensor the hyper-parameters call for, checking names, shapes
// and types; throws FormatError naming the tensor when one is missing or
// wrong, UnsupportedError when its type has no kernels.
Weights bind_weights(const gguf::File& file, const HParams& hp);

// Rewrites in place, as bands (quant/interleave.h), every matrix whose type
// has band kernels and whose rows are whole bands: the layers' matrices, the
// output, and token_embd when it is the output too (a token's row is then
// unpacked from its band, compute::dequantize_row). The pages rewritten become this
// process's own (core/mapped_file.h, make_writable): the bytes still exist
// once, in the process instead of the page cache. HEARTH_INTERLEAVE=0 keeps
// every matrix in rows (to compare the two).
void interleave_weights(Weights& w);

}  // namespace hearth::model

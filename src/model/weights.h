// Weight tensors of a transformer, bound by name from a GGUF file. Nothing
// is copied: every view points into the memory-mapped file. Shapes are
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

}  // namespace hearth::model

// The shape catalog: exact hyper-parameters of well-known open models, from
// their published config.json files. A shape is enough to size a model
// (parameters, file bytes per quantization, KV cache per token) and to build
// a random-weight stand-in with the same speed (model/synthetic.h), without
// downloading any weights.
//
// Only the text decoder is described (Gemma 3 4B/12B/27B ship a vision tower
// too, which is not counted). Names are lower case: "llama3.2-1b",
// "qwen2.5-0.5b", "qwen3-8b", "mistral-7b", "gemma2-9b", "gemma3-4b", "phi3-mini".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/tensor_type.h"

namespace hearth::model {

struct ShapeRopeScaling {
  enum class Kind { None, Linear, Llama3 } kind = Kind::None;
  double factor = 1.0;
  double low_freq_factor = 1.0;    // llama3 only
  double high_freq_factor = 4.0;   // llama3 only
  int64_t original_context = 8192; // llama3 only
};

struct ModelShape {
  std::string_view name;     // catalog key, e.g. "llama3.2-1b"
  std::string_view arch;     // GGUF architecture hearth runs it as ("llama", "qwen2", ...)
  std::string_view source;   // where the numbers come from (Hugging Face repo)
  int64_t n_embd = 0;        // hidden_size
  int64_t n_layer = 0;       // num_hidden_layers
  int64_t n_head = 0;        // num_attention_heads
  int64_t n_head_kv = 0;     // num_key_value_heads
  int64_t head_dim = 0;      // per-head width of q, k and v
  int64_t n_ff = 0;          // intermediate_size
  int64_t n_vocab = 0;       // vocab_size (rows of the embedding table)
  int64_t n_ctx = 0;         // max_position_embeddings
  bool tied_embeddings = false;  // output projection shares token_embd
  bool qkv_bias = false;     // q/k/v projections have biases (Qwen2)
  bool qk_norm = false;      // per-head q/k RMS norms (Qwen3, Gemma 3)
  bool post_norms = false;   // norms after attention and FFN (Gemma)
  double rope_base = 10000.0;
  double rope_base_swa = 0.0;  // sliding layers' own base (Gemma 3); 0: same as rope_base
  ShapeRopeScaling rope_scaling;
  double norm_eps = 1e-5;
  int64_t sliding_window = 0;  // 0: none
  double query_pre_attn_scalar = 0.0;  // Gemma: attention scale 1/sqrt(this); 0: head_dim
  double attn_softcap = 0.0;   // Gemma 2
  double final_softcap = 0.0;  // Gemma 2
  std::string_view note;       // how hearth maps it, where that differs from the original

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
};

// Every shape, in a stable order (families, then size).
const std::vector<ModelShape>& shape_catalog();
// The shape named `name` (case-insensitive), or nullptr.
const ModelShape* find_shape(std::string_view name);
// The same; throws hearth::Error listing every known name when there is none.
const ModelShape& shape_or_throw(std::string_view name);
// "llama3.2-1b, llama3.2-3b, ..." (for help and error messages).
std::string shape_names();

// Role of a tensor in the model, which quantization recipes key on.
enum class TensorRole {
  TokenEmbd, Output, Norm, Bias,
  AttnQ, AttnK, AttnV, AttnOutput, FfnGate, FfnUp, FfnDown,
  Other,  // any other matrix (a file may hold tensors the catalog never lists)
};

// One tensor of a model with this shape, named as GGUF files name it.
struct ShapeTensor {
  std::string name;              // "blk.3.attn_v.weight"
  TensorRole role;
  int64_t layer = -1;            // -1 for the non-layer tensors
  std::vector<uint64_t> shape;   // GGUF order: ne[0] is the row length
  uint64_t n_elements() const;
};

// Every tensor the forward pass binds (model/weights.h), in file order:
// token_embd, per layer (norms, q, k, v, output, biases, FFN), output_norm,
// output (absent when tied).
std::vector<ShapeTensor> shape_tensors(const ModelShape& shape);

// Parameters (elements of every tensor, the embedding table counted once
// when tied), as the published sizes count them.
uint64_t shape_params(const ModelShape& shape);

}  // namespace hearth::model

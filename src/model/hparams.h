// Hyper-parameters of a transformer, read from GGUF metadata.
// Architectures are not separate forward passes: each one (src/model/arch/)
// reads its keys and sets the variant flags below; one forward pass
// (forward.cpp) serves them all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compute/ops.h"

namespace hearth::gguf {
class File;
}

namespace hearth::model {

enum class FfnActivation { SiLU, GELU };

// How rotary frequencies are scaled for long contexts.
struct RopeScaling {
  enum class Kind { None, Linear, Llama3 } kind = Kind::None;
  float factor = 1.0f;
  float low_freq_factor = 1.0f;   // llama3
  float high_freq_factor = 4.0f;  // llama3
  int64_t original_context = 8192;  // llama3
};

struct HParams {
  std::string arch;          // general.architecture
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;   // trained context length
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;      // key/query width per head (key_length)
  int64_t head_dim_v = 0;    // value width per head (value_length)
  int64_t n_ff = 0;
  float norm_eps = 1e-5f;

  int64_t rope_dim = 0;      // rotated dims per head (<= head_dim)
  float rope_base = 10000.0f;
  float rope_base_swa = 10000.0f;  // sliding-window layers (Gemma 3)
  RopeScaling rope_scaling;
  compute::RopeStyle rope_style = compute::RopeStyle::Adjacent;

  // Variants, set by the architecture.
  bool qkv_bias = false;          // q/k/v projections have biases (Qwen2)
  bool qk_norm = false;           // per-head RMS norm of q and k (Qwen3, Gemma 3)
  bool post_norms = false;        // norms after attention and FFN outputs (Gemma 2/3)
  bool scale_embeddings = false;  // token embeddings * sqrt(n_embd) (Gemma)
  FfnActivation ffn_act = FfnActivation::SiLU;
  float attn_softcap = 0.0f;      // 0: none (Gemma 2: 50)
  float final_softcap = 0.0f;     // 0: none (Gemma 2: 30)
  float attn_scale = 0.0f;        // 0: 1/sqrt(head_dim)
  int64_t sliding_window = 0;     // 0: none
  std::vector<bool> layer_swa;    // per layer: uses the sliding window

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_k() const { return n_head_kv * head_dim; }
  int64_t n_embd_v() const { return n_head_kv * head_dim_v; }
  bool is_swa(int64_t layer) const {
    return sliding_window > 0 && layer < static_cast<int64_t>(layer_swa.size()) && layer_swa[layer];
  }
};

// Reads the common "<arch>.*" keys, then lets the architecture set its
// variant flags. Throws UnsupportedError for an unknown architecture and
// FormatError (naming the key) for missing or inconsistent values.
HParams load_hparams(const gguf::File& file);

// Inverse rotary frequencies for one layer (rope_dim / 2 values), with the
// layer's base and the model's scaling applied.
std::vector<float> rope_frequencies(const HParams& hp, bool swa_layer);

}  // namespace hearth::model

// Qwen2 / Qwen2.5: Llama with q/k/v biases and NeoX rotary pairing.
// Qwen3: no biases, per-head RMS norms of q and k before rotary, and a head
// width (key_length) independent of n_embd.
#include "model/arch/arch.h"

namespace hearth::model {

void configure_qwen2(HParams& hp, const ArchKeys&) {
  hp.rope_style = compute::RopeStyle::Halves;
  hp.qkv_bias = true;
}

void configure_qwen3(HParams& hp, const ArchKeys&) {
  hp.rope_style = compute::RopeStyle::Halves;
  hp.qk_norm = true;
}

}  // namespace hearth::model

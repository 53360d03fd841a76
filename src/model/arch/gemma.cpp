// Gemma 2 and 3: embeddings scaled by sqrt(n_embd), GELU-gated FFN, extra
// norms after attention and FFN, NeoX rotary, sliding-window layers.
// Gemma 2: attention and final logit soft-capping, sliding window on every
// other layer (even layers). Gemma 3: per-head q/k norms, a per-layer
// sliding/global pattern, and its own rotary base for the sliding layers.
#include <cmath>
#include <string>

#include "gguf/file.h"
#include "model/arch/arch.h"

namespace hearth::model {

namespace {
void configure_gemma_common(HParams& hp, const ArchKeys& keys) {
  hp.rope_style = compute::RopeStyle::Halves;
  hp.scale_embeddings = true;
  hp.post_norms = true;
  hp.ffn_act = FfnActivation::GELU;
  const std::string a(keys.arch);
  hp.sliding_window =
      static_cast<int64_t>(keys.file.get_uint(a + ".attention.sliding_window").value_or(0));
  if (auto s = keys.file.get_float(a + ".attention.query_pre_attn_scalar")) {
    hp.attn_scale = static_cast<float>(1.0 / std::sqrt(*s));
  }
}
}  // namespace

void configure_gemma2(HParams& hp, const ArchKeys& keys) {
  configure_gemma_common(hp, keys);
  const std::string a(keys.arch);
  hp.attn_softcap = static_cast<float>(keys.file.get_float(a + ".attn_logit_softcapping").value_or(50.0));
  hp.final_softcap = static_cast<float>(keys.file.get_float(a + ".final_logit_softcapping").value_or(30.0));
  hp.layer_swa.assign(static_cast<size_t>(hp.n_layer), false);
  for (int64_t l = 0; l < hp.n_layer; l += 2) hp.layer_swa[static_cast<size_t>(l)] = true;
}

void configure_gemma3(HParams& hp, const ArchKeys& keys) {
  configure_gemma_common(hp, keys);
  hp.qk_norm = true;
  const std::string a(keys.arch);
  hp.rope_base_swa = static_cast<float>(keys.file.get_float(a + ".rope.freq_base_swa").value_or(10000.0));
  hp.layer_swa.assign(static_cast<size_t>(hp.n_layer), false);
  if (const auto* pat = keys.file.find(a + ".attention.sliding_window_pattern");
      pat && pat->type() == gguf::ValueType::ARRAY) {
    const auto& items = pat->items();
    for (int64_t l = 0; l < hp.n_layer && !items.empty(); ++l) {
      hp.layer_swa[static_cast<size_t>(l)] = items[static_cast<size_t>(l) % items.size()].as_bool();
    }
  } else {
    // Default Gemma 3 pattern: five sliding layers, then one global.
    for (int64_t l = 0; l < hp.n_layer; ++l) hp.layer_swa[static_cast<size_t>(l)] = (l % 6) < 5;
  }
}

}  // namespace hearth::model

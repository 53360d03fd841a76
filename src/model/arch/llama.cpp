// Llama 2/3/3.x, Mistral, SmolLM: pre-norm, SwiGLU, rotary on adjacent pairs
// (the GGUF converter permutes q/k so the "normal" pairing applies).
// Llama 3.1+ rope scaling is read with the common keys (hparams.cpp).
#include "model/arch/arch.h"

namespace hearth::model {

void configure_llama(HParams& hp, const ArchKeys&) {
  hp.rope_style = compute::RopeStyle::Adjacent;
}

}  // namespace hearth::model

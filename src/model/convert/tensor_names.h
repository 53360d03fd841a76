// Hugging Face tensor names -> GGUF tensor names (llama / mistral / qwen2 /
// qwen3 checkpoints):
//   model.embed_tokens.weight              token_embd.weight
//   model.norm.weight                      output_norm.weight
//   lm_head.weight                         output.weight
//   model.layers.N.self_attn.{q,k,v}_proj  blk.N.attn_{q,k,v}   (.weight, .bias)
//   model.layers.N.self_attn.o_proj        blk.N.attn_output
//   model.layers.N.self_attn.{q,k}_norm    blk.N.attn_{q,k}_norm
//   model.layers.N.mlp.{gate,up,down}_proj blk.N.ffn_{gate,up,down}
//   model.layers.N.input_layernorm         blk.N.attn_norm
//   model.layers.N.post_attention_layernorm blk.N.ffn_norm
#pragma once

#include <optional>
#include <string>

namespace hearth::model::convert {

// The GGUF name, nullopt for tensors a converter drops (rotary inv_freq
// buffers some checkpoints store); throws UnsupportedError for names outside
// the table (a family or feature hearth does not convert).
std::optional<std::string> gguf_tensor_name(const std::string& hf_name);

}  // namespace hearth::model::convert

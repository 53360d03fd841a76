#include "model/convert/tensor_names.h"

#include <cctype>
#include <string_view>

#include "core/error.h"

namespace hearth::model::convert {

namespace {

struct Rename {
  std::string_view hf;
  std::string_view gguf;
};

constexpr Rename kGlobal[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};

// Within model.layers.N. -> blk.N.; the suffix (.weight / .bias) is kept.
constexpr Rename kLayer[] = {
    {"self_attn.q_proj", "attn_q"},       {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},       {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},  {"self_attn.k_norm", "attn_k_norm"},
    {"mlp.gate_proj", "ffn_gate"},        {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},        {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "ffn_norm"},
};

}  // namespace

std::optional<std::string> gguf_tensor_name(const std::string& hf) {
  for (const auto& r : kGlobal) {
    if (hf == r.hf) return std::string(r.gguf);
  }
  constexpr std::string_view kPrefix = "model.layers.";
  if (hf.rfind(kPrefix, 0) == 0) {
    size_t i = kPrefix.size();
    while (i < hf.size() && std::isdigit(static_cast<unsigned char>(hf[i]))) ++i;
    if (i > kPrefix.size() && i < hf.size() && hf[i] == '.') {
      const std::string layer = hf.substr(kPrefix.size(), i - kPrefix.size());
      const std::string_view rest = std::string_view(hf).substr(i + 1);
      if (rest == "self_attn.rotary_emb.inv_freq") return std::nullopt;
      for (const auto& r : kLayer) {
        if (rest.rfind(r.hf, 0) != 0) continue;
        const std::string_view suffix = rest.substr(r.hf.size());
        if (suffix == ".weight" || suffix == ".bias") {
          return "blk." + layer + "." + std::string(r.gguf) + std::string(suffix);
        }
      }
    }
  }
  throw UnsupportedError("tensor '" + hf + "' has no GGUF name (not a llama/mistral/qwen2/qwen3 tensor)");
}

}  // namespace hearth::model::convert

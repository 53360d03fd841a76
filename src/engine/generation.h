// Generation policy shared by `hearth run` and `hearth serve`: how large the
// context is by default, which token ends a generation, and how a chat
// request becomes prompt text.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

struct ContextChoice {
  int64_t n_ctx;
  std::string why;  // for the start-up log line, e.g. "the model's trained length"
};

// The model's trained context, capped by the memory left after the weights
// (KV cache at f16 for every layer), rounded down to a multiple of 256.
ContextChoice default_context(const model::Model& m, TensorType kv_type = TensorType::F16);

// The same choice within a memory budget: memory_bytes is what the weights
// and the KV cache may take together (no margin taken off). At least 256
// cells even when fewer fit: callers that must not overcommit check the
// footprint themselves.
ContextChoice default_context(const model::Model& m, uint64_t memory_bytes, TensorType kv_type = TensorType::F16);

// True for a token that ends a generation: EOS or any control token.
bool ends_generation(const tokenizer::Tokenizer& tok, int32_t token);

// request: {"messages": [...], ...} as chat::ChatTemplate::apply takes it
// (add_generation_prompt is set by the caller). The BOS/EOS texts given to
// the template are the model's own pieces ("<s>"/"</s>" when it has none).
std::string render_chat(const chat::ChatTemplate& tmpl, const tokenizer::Tokenizer& tok,
                        const nlohmann::ordered_json& request);

// For models without a chat template: each message as "Role: content\n"
// (roles capitalised), then "Assistant:" to prompt the reply. Content must
// be a string. Throws FormatError naming the bad message.
std::string render_plain_chat(const nlohmann::ordered_json& messages);

// The prompt text of a conversation awaiting the assistant's reply, as
// `hearth serve` and `hearth tokens` build it: through the model's template
// (tmpl non-null; add_generation_prompt set) or else render_plain_chat.
// Throws the template's or render_plain_chat's error.
std::string render_chat_prompt(const chat::ChatTemplate* tmpl, const tokenizer::Tokenizer& tok,
                               const nlohmann::ordered_json& messages);

}  // namespace hearth::engine

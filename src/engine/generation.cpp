#include "engine/generation.h"

#include "model/kv_store.h"
#include "model/memory.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/system_memory.h"

namespace hearth::engine {

ContextChoice default_context(const model::Model& m, TensorType kv_type) {
  const SystemMemory mem = system_memory();
  if (mem.available_bytes == 0) return {m.hparams().n_ctx_train, "the model's trained length"};
  // Keep 10% of available memory free; the weights are mapped, not copied,
  // but they need page cache to run at speed.
  return default_context(m, static_cast<uint64_t>(model::kUsableMemoryFraction * static_cast<double>(mem.available_bytes)),
                         kv_type);
}

ContextChoice default_context(const model::Model& m, uint64_t memory_bytes, TensorType kv_type) {
  const auto& hp = m.hparams();
  const uint64_t kv_per_token = model::kv_bytes_per_cell(hp, kv_type);
  ContextChoice c{hp.n_ctx_train, "the model's trained length"};
  const double budget = static_cast<double>(memory_bytes) - static_cast<double>(m.file().file_size());
  const auto fits = static_cast<int64_t>(std::max(0.0, budget) / static_cast<double>(kv_per_token));
  if (fits < c.n_ctx) {
    c.n_ctx = std::max<int64_t>(fits / 256 * 256, 256);
    c.why = "capped by available memory (model trained for " + std::to_string(hp.n_ctx_train) + ")";
  }
  return c;
}

bool ends_generation(const tokenizer::Tokenizer& tok, int32_t token) {
  return token == tok.eos() || tok.is_control(token);
}

namespace {
std::string piece_or(const tokenizer::Tokenizer& tok, int32_t id, const char* fallback) {
  return id >= 0 ? tok.token_to_piece(id, /*render_special=*/true) : fallback;
}
}  // namespace

std::string render_chat(const chat::ChatTemplate& tmpl, const tokenizer::Tokenizer& tok,
                        const nlohmann::ordered_json& request) {
  return tmpl.apply(request, piece_or(tok, tok.bos(), "<s>"), piece_or(tok, tok.eos(), "</s>"));
}

std::string render_plain_chat(const nlohmann::ordered_json& messages) {
  if (!messages.is_array()) throw FormatError("messages must be an array");
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
        !m["content"].is_string()) {
      throw FormatError("messages[" + std::to_string(i) + "] needs a string role and a string content");
    }
    std::string role = m["role"].get<std::string>();
    if (!role.empty()) role[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(role[0])));
    out += role + ": " + m["content"].get<std::string>() + "\n";
  }
  return out + "Assistant:";
}

std::string render_chat_prompt(const chat::ChatTemplate* tmpl, const tokenizer::Tokenizer& tok,
                               const nlohmann::ordered_json& messages) {
  if (!tmpl) return render_plain_chat(messages);
  nlohmann::ordered_json req;
  req["messages"] = messages;
  req["add_generation_prompt"] = true;
  return render_chat(*tmpl, tok, req);
}

}  // namespace hearth::engine

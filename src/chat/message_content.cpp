#include "chat/message_content.h"

#include "core/error.h"

namespace hearth::chat {

std::string content_to_text(const nlohmann::ordered_json& content, const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) throw FormatError(where + " must be a string or an array of text blocks");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const auto& block = content[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
      throw FormatError(at + " must be an object with a type");
    }
    if (block["type"] != "text") {
      throw FormatError(at + ": only text content is supported (got type " + block["type"].dump() + ")");
    }
    if (!block.contains("text") || !block["text"].is_string()) throw FormatError(at + ".text must be a string");
    text += block["text"].get<std::string>();
  }
  return text;
}

nlohmann::ordered_json flatten_message_content(const nlohmann::ordered_json& messages) {
  if (!messages.is_array() || messages.empty()) throw FormatError("messages must be a non-empty array");
  nlohmann::ordered_json out = messages;
  for (size_t i = 0; i < out.size(); ++i) {
    auto& m = out[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw FormatError(where + " must be an object");
    if (m.contains("content") && m["content"].is_array()) {
      m["content"] = content_to_text(m["content"], where + ".content");
    }
  }
  return out;
}

}  // namespace hearth::chat

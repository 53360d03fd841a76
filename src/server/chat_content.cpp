#include "server/chat_content.h"

#include "server/api_error.h"

namespace hearth::server {

std::string content_text(const nlohmann::ordered_json& content, const std::string& where, const std::string& param) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) throw bad_request(where + " must be a string or an array of text blocks", param);
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const auto& block = content[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
      throw bad_request(at + " must be an object with a type", param);
    }
    if (block["type"] != "text") {
      throw bad_request(at + ": only text content is supported (got type " + block["type"].dump() + ")", param);
    }
    if (!block.contains("text") || !block["text"].is_string()) throw bad_request(at + ".text must be a string", param);
    text += block["text"].get<std::string>();
  }
  return text;
}

}  // namespace hearth::server

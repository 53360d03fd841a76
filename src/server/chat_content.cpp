#include "server/chat_content.h"

#include "chat/message_content.h"
#include "core/error.h"
#include "server/api_error.h"

namespace hearth::server {

std::string content_text(const nlohmann::ordered_json& content, const std::string& where, const std::string& param) {
  try {
    return chat::content_to_text(content, where);
  } catch (const FormatError& e) {
    throw bad_request(e.what(), param);
  }
}

nlohmann::ordered_json flatten_content(const nlohmann::ordered_json& messages) {
  try {
    return chat::flatten_message_content(messages);
  } catch (const FormatError& e) {
    throw bad_request(e.what(), "messages");
  }
}

}  // namespace hearth::server

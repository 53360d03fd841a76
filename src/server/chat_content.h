// Message content reduced to text for the dialects: chat/message_content.h's
// rules, with its FormatError turned into a 400 naming the field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

// where: the field for the message ("messages[2].content"); param: the
// top-level field reported as the error's param ("messages").
std::string content_text(const nlohmann::ordered_json& content, const std::string& where, const std::string& param);

// chat::flatten_message_content, its errors as 400s with param "messages".
nlohmann::ordered_json flatten_content(const nlohmann::ordered_json& messages);

}  // namespace hearth::server

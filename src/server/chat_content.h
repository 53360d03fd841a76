// Message content as the dialects send it, reduced to text: a string, or an
// array of text blocks {"type": "text", "text": "..."} (OpenAI content parts
// and Anthropic content blocks share this shape), joined in order. Other
// block kinds (images, tool calls) are refused with a 400 naming `where`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

// where: the field for the message ("messages[2].content"); param: the
// top-level field reported as the error's param ("messages").
std::string content_text(const nlohmann::ordered_json& content, const std::string& where, const std::string& param);

}  // namespace hearth::server

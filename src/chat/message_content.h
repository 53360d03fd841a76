// Message content as the chat APIs send it, reduced to text: a string, or an
// array of text blocks {"type": "text", "text": "..."} (OpenAI content parts
// and Anthropic content blocks share this shape), joined in order. Other
// block kinds (images, tool calls) are refused.
//
// One implementation for every reader of chat messages: `hearth serve`'s
// dialects (which turn the FormatError into a 400 naming the field) and
// `hearth tokens` (which names the file), so a message counts the same
// number of tokens wherever it is read.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::chat {

// The text of `content`. Throws FormatError whose message starts with
// `where` (the field, e.g. "messages[2].content") when content is neither a
// string nor an array of text blocks.
std::string content_to_text(const nlohmann::ordered_json& content, const std::string& where);

// `messages` with every array content replaced by its text (string, null
// and absent contents are kept as they are). Throws FormatError when
// messages is not a non-empty array of objects, or a content is malformed
// (the message names "messages[i]...").
nlohmann::ordered_json flatten_message_content(const nlohmann::ordered_json& messages);

}  // namespace hearth::chat

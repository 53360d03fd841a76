// Redactor::redact_request: which fields of an OpenAI or Anthropic request
// body carry user text (listed in redact.h), walked in place.
#include "core/error.h"
#include "gateway/redact.h"

namespace hearth::gateway {

namespace {

using Json = nlohmann::json;

class Walker {
 public:
  Walker(const Redactor& r, RedactionCounts& counts) : redactor_(r), counts_(counts) {}

  void text(Json& v) {
    if (v.is_string()) v = redactor_.redact_text(v.get_ref<const std::string&>(), counts_);
  }

  // Every string anywhere inside (tool inputs are free-form JSON).
  void all_strings(Json& v) {
    if (v.is_string()) {
      text(v);
    } else if (v.is_structured()) {
      for (Json& child : v) all_strings(child);
    }
  }

  // A string, or an array of strings (token arrays and numbers left alone).
  void text_or_texts(Json& v) {
    if (v.is_array()) {
      for (Json& item : v) text(item);
    } else {
      text(v);
    }
  }

  // OpenAI content parts / Anthropic content blocks, or a plain string.
  void content(Json& v) {
    if (!v.is_array()) return text(v);
    for (Json& part : v) {
      if (!part.is_object()) continue;
      if (auto it = part.find("text"); it != part.end()) text(*it);           // text parts and blocks
      if (auto it = part.find("content"); it != part.end()) content(*it);     // Anthropic tool_result
      if (auto it = part.find("input"); it != part.end()) all_strings(*it);   // Anthropic tool_use
    }
  }

  void message(Json& m) {
    if (!m.is_object()) return;
    if (auto it = m.find("content"); it != m.end()) content(*it);
    if (auto calls = m.find("tool_calls"); calls != m.end() && calls->is_array()) {
      for (Json& call : *calls) {
        if (!call.is_object()) continue;
        if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
          if (auto args = fn->find("arguments"); args != fn->end()) text(*args);
        }
      }
    }
  }

 private:
  const Redactor& redactor_;
  RedactionCounts& counts_;
};

}  // namespace

RedactionCounts Redactor::redact_request(Json& body) const {
  if (!body.is_object()) throw FormatError("the request body to redact is not a JSON object");
  RedactionCounts counts;
  Walker w(*this, counts);
  if (auto it = body.find("messages"); it != body.end() && it->is_array()) {
    for (Json& m : *it) w.message(m);
  }
  if (auto it = body.find("system"); it != body.end()) w.content(*it);
  if (auto it = body.find("prompt"); it != body.end()) w.text_or_texts(*it);
  if (auto it = body.find("input"); it != body.end()) w.text_or_texts(*it);
  return counts;
}

}  // namespace hearth::gateway

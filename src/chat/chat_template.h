// Chat-template application: a model's Jinja chat template + an
// OpenAI-style request -> the prompt text, as the reference server renders it.
//
//   ChatTemplate t(source);                       // jinja::TemplateError on bad syntax
//   std::string prompt = t.apply(request, "<s>", "</s>");
//
// request (JSON object):
//   messages               array of {role, content, tool_calls?, ...} (required)
//   tools                  array, passed to the template only when present
//   add_generation_prompt  bool (default false)
//   chat_template_kwargs   object; each key becomes a top-level variable
// Template context: messages, tools, add_generation_prompt, bos_token,
// eos_token, the kwargs, raise_exception(msg), strftime_now(fmt).
//
// Conventions of the reference renderer:
//   - a BOS text the template emits at the very start is removed (the
//     tokenizer adds BOS itself);
//   - templates that reject or drop a system message get it merged into the
//     next user message ("system\nuser"), found by rendering a probe once;
//   - templates that need tool-call arguments as objects (probed the same
//     way) get JSON-string arguments parsed into objects.
// Object key order of the request is kept (it shows in tojson output).
#pragma once

#include <ctime>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/template.h"
#include "core/error.h"

namespace hearth::chat {

// The template called raise_exception(msg); what() is exactly msg.
class TemplateRaisedError : public Error {
 public:
  using Error::Error;
};

class ChatTemplate {
 public:
  explicit ChatTemplate(std::string_view source);

  // Throws TemplateRaisedError when the template raises, FormatError for a
  // malformed request, jinja::TemplateError for other template failures.
  std::string apply(const nlohmann::ordered_json& request, const std::string& bos_token,
                    const std::string& eos_token) const;

  // The clock strftime_now() reads (default: local time now).
  void set_clock(std::function<std::tm()> now) { now_ = std::move(now); }
  void set_limits(const jinja::Limits& limits) { limits_ = limits; }

  bool supports_system_role() const { return supports_system_role_; }
  bool requires_object_arguments() const { return requires_object_arguments_; }

 private:
  std::string render(const jinja::Value& messages, const nlohmann::ordered_json& request, const std::string& bos,
                     const std::string& eos) const;
  bool probe_renders(const nlohmann::ordered_json& request, std::string_view needle) const;

  jinja::Template template_;
  std::function<std::tm()> now_;
  jinja::Limits limits_ = jinja::kLimits;
  bool supports_system_role_ = true;
  bool requires_object_arguments_ = false;
};

}  // namespace hearth::chat

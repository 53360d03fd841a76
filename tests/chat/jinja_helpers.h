// Shared by the Jinja unit tests: render a template with a JSON context, and
// read the message of the TemplateError it throws.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/template.h"

namespace hearth::test {

inline std::string render(const std::string& source, const std::string& context_json = "{}",
                          const jinja::Limits& limits = jinja::kLimits) {
  const auto ctx = jinja::Value::from_json(nlohmann::ordered_json::parse(context_json));
  return jinja::Template(source).render(ctx.dict(), limits);
}

// The message of the TemplateError that parsing or rendering throws, or
// "no error" when none is thrown.
inline std::string error_of(const std::string& source, const std::string& context_json = "{}",
                            const jinja::Limits& limits = jinja::kLimits) {
  try {
    render(source, context_json, limits);
  } catch (const jinja::TemplateError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace hearth::test

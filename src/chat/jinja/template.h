// A Jinja template, parsed once and rendered many times.
//
//   jinja::Template t(source);                   // TemplateError on bad syntax
//   std::string out = t.render(context);         // context: top-level variables
//
// Supported: the subset of Jinja2 that real chat templates use (see
// parser.cpp for the grammar, filters.cpp / tests.cpp / methods.cpp for the
// built-ins), with HF's settings trim_blocks=True, lstrip_blocks=True.
// Globals always present: range, namespace, dict. Callers add their own
// (raise_exception, strftime_now) as Callable values in the context.
// Every error is a TemplateError whose message starts "line L, column C: ";
// an exception thrown by a Callable of the context propagates unchanged.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "chat/jinja/limits.h"
#include "chat/jinja/value.h"

namespace hearth::jinja {

struct Program;

class Template {
 public:
  explicit Template(std::string_view source);

  std::string render(const Dict& context, const Limits& limits = kLimits) const;

 private:
  std::shared_ptr<const Program> program_;
};

}  // namespace hearth::jinja

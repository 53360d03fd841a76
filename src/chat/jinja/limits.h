// Every limit of the Jinja interpreter in one place. A template that hits one
// fails with a TemplateError naming the limit; none can crash or hang the
// process. Real chat templates stay far below all of them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::jinja {

struct Limits {
  // Nesting of blocks and expressions while parsing (guards the C++ stack).
  int max_parse_depth = 200;
  // Nested macro calls while rendering (a macro calling itself forever).
  int max_call_depth = 50;
  // Bytes of rendered output, and of any single string value built.
  size_t max_output_bytes = 16u << 20;
  // Loop iterations plus list elements built by filters, over one render.
  uint64_t max_steps = 5'000'000;
};

inline constexpr Limits kLimits{};

}  // namespace hearth::jinja

// fuzz-links: chat core
// Jinja fuzzer: any bytes, taken as template text, must either render or
// throw hearth::Error (a TemplateError with line:column, or the template's
// own raise_exception), never crash, hang or blow the stack. The context is
// a small fixed chat request; limits are tightened so that runaway loops,
// output and recursion end quickly with their clear errors.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/template.h"
#include "core/error.h"

namespace {

const hearth::jinja::Dict& context() {
  static const hearth::jinja::Dict ctx = [] {
    const auto j = nlohmann::ordered_json::parse(R"({
      "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
          {"id": "call_1", "type": "function",
           "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "{\"temp_c\": 18}"}],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
      "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "n": 3, "f": 0.5})");
    hearth::jinja::Dict d = hearth::jinja::Value::from_json(j).dict();
    d.set("raise_exception", hearth::jinja::Value::callable("raise_exception", [](const hearth::jinja::CallArgs&) -> hearth::jinja::Value {
            throw hearth::Error("raised");
          }));
    return d;
  }();
  return ctx;
}

hearth::jinja::Limits fuzz_limits() {
  hearth::jinja::Limits l;
  l.max_steps = 20'000;
  l.max_output_bytes = 1 << 16;
  l.max_call_depth = 20;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const hearth::jinja::Limits limits = fuzz_limits();
  const std::string source(reinterpret_cast<const char*>(data), size);
  try {
    const hearth::jinja::Template t(source);
    t.render(context(), limits);
  } catch (const hearth::Error&) {
    // Rejected with a clear error: the expected outcome for most inputs.
  }
  return 0;
}

#include "chat/chat_template.h"

namespace hearth::chat {

namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kSystemNeedle = "<system_needle_7f3a>";
constexpr std::string_view kArgumentNeedle = "\"argument_needle\":";

std::tm local_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return "";
  return content.dump();
}

// System messages folded into the next user message, for templates without
// a system role: "system text\nuser text".
json merge_system_messages(const json& messages) {
  json out = json::array();
  std::string pending;
  auto flush = [&] {
    if (pending.empty()) return;
    out.push_back(json{{"role", "user"}, {"content", pending}});
    pending.clear();
  };
  for (const json& m : messages) {
    const std::string role = m.is_object() && m.contains("role") && m["role"].is_string() ? m["role"].get<std::string>() : "";
    if (role == "system") {
      if (!pending.empty()) pending += "\n";
      pending += content_text(m.value("content", json()));
      continue;
    }
    if (role == "user" && !pending.empty()) {
      json merged = m;
      const std::string text = content_text(m.value("content", json()));
      merged["content"] = text.empty() ? pending : pending + "\n" + text;
      pending.clear();
      out.push_back(std::move(merged));
      continue;
    }
    flush();
    out.push_back(m);
  }
  flush();
  return out;
}

// tool_calls[].function.arguments given as JSON text, parsed into values.
json parse_tool_arguments(const json& messages) {
  json out = messages;
  for (json& m : out) {
    if (!m.is_object() || !m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (json& call : m["tool_calls"]) {
      if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
      json& fn = call["function"];
      if (!fn.contains("arguments") || !fn["arguments"].is_string()) continue;
      json parsed = json::parse(fn["arguments"].get<std::string>(), nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) fn["arguments"] = std::move(parsed);
    }
  }
  return out;
}

json probe_tool_call_request(bool object_arguments) {
  const json args = {{"argument_needle", "print('Hello, World!')"}};
  json call = {{"id", "call_1___"},
               {"type", "function"},
               {"function", {{"name", "tool_name_needle"}, {"arguments", object_arguments ? args : json(args.dump())}}}};
  return json{{"messages", json::array({json{{"role", "user"}, {"content", "Hey"}},
                                        json{{"role", "assistant"}, {"content", ""}, {"tool_calls", json::array({call})}}})},
              {"add_generation_prompt", false}};
}

}  // namespace

ChatTemplate::ChatTemplate(std::string_view source) : template_(source), now_(local_now) {
  const json system_probe = {
      {"messages", json::array({json{{"role", "system"}, {"content", std::string(kSystemNeedle)}},
                                json{{"role", "user"}, {"content", "Hey"}}})},
      {"add_generation_prompt", false}};
  supports_system_role_ = probe_renders(system_probe, kSystemNeedle);
  requires_object_arguments_ =
      !probe_renders(probe_tool_call_request(false), kArgumentNeedle) &&
      probe_renders(probe_tool_call_request(true), kArgumentNeedle);
}

bool ChatTemplate::probe_renders(const json& request, std::string_view needle) const {
  try {
    const std::string out = render(jinja::Value::from_json(request["messages"]), request, "<s>", "</s>");
    return out.find(needle) != std::string::npos;
  } catch (const Error&) {
    return false;  // a template that raises on the probe lacks the capability
  }
}

std::string ChatTemplate::apply(const json& request, const std::string& bos_token, const std::string& eos_token) const {
  if (!request.is_object()) throw FormatError("chat request must be a JSON object");
  if (!request.contains("messages") || !request["messages"].is_array()) {
    throw FormatError("chat request needs a 'messages' array");
  }
  json messages = request["messages"];
  if (!supports_system_role_) messages = merge_system_messages(messages);
  if (requires_object_arguments_) messages = parse_tool_arguments(messages);
  std::string out = render(jinja::Value::from_json(messages), request, bos_token, eos_token);
  if (!bos_token.empty() && out.compare(0, bos_token.size(), bos_token) == 0) out.erase(0, bos_token.size());
  return out;
}

std::string ChatTemplate::render(const jinja::Value& messages, const json& request, const std::string& bos,
                                 const std::string& eos) const {
  jinja::Dict ctx;
  ctx.set("messages", messages);
  if (request.contains("tools") && !request["tools"].is_null()) ctx.set("tools", jinja::Value::from_json(request["tools"]));
  ctx.set("add_generation_prompt", jinja::Value(request.value("add_generation_prompt", false)));
  ctx.set("bos_token", jinja::Value(bos));
  ctx.set("eos_token", jinja::Value(eos));
  ctx.set("raise_exception", jinja::Value::callable("raise_exception", [](const jinja::CallArgs& args) -> jinja::Value {
            throw TemplateRaisedError(args.positional.empty() ? std::string("template raised an exception")
                                                              : args.positional[0].str());
          }));
  const auto now = now_;
  ctx.set("strftime_now", jinja::Value::callable("strftime_now", [now](const jinja::CallArgs& args) {
            const std::tm tm = now();
            const std::string fmt = args.positional.empty() ? std::string() : args.positional[0].str();
            char buf[512];
            const size_t n = fmt.empty() ? 0 : std::strftime(buf, sizeof(buf), fmt.c_str(), &tm);
            return jinja::Value(std::string(buf, n));
          }));
  if (request.contains("chat_template_kwargs")) {
    const json& kwargs = request["chat_template_kwargs"];
    if (!kwargs.is_object()) throw FormatError("chat_template_kwargs must be a JSON object");
    for (const auto& [k, v] : kwargs.items()) ctx.set(k, jinja::Value::from_json(v));
  }
  return template_.render(ctx, limits_);
}

}  // namespace hearth::chat

#include "gateway/cloud_usage.h"

#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::gateway {
namespace {

int64_t count(const nlohmann::json& usage, const char* openai, const char* anthropic) {
  for (const char* name : {openai, anthropic}) {
    auto it = usage.find(name);
    if (it != usage.end() && it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<int64_t>();
  }
  return 0;
}

// The usage of one JSON document (its top-level "usage"); unknown when there is none.
CloudUsage usage_of(const nlohmann::json& doc) {
  if (!doc.is_object()) return {};
  const nlohmann::json* u = nullptr;
  if (auto it = doc.find("usage"); it != doc.end() && it->is_object()) u = &*it;
  if (!u) return {};
  return {true, count(*u, "prompt_tokens", "input_tokens"), count(*u, "completion_tokens", "output_tokens")};
}

}  // namespace

CloudUsage read_cloud_usage(const std::string& answer) {
  nlohmann::json doc = nlohmann::json::parse(answer, nullptr, false);
  if (!doc.is_discarded()) return usage_of(doc);
  // A stream: every "data: {...}" line, the last one with a usage wins.
  CloudUsage last;
  std::string_view rest(answer);
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (line.substr(0, 5) != "data:") continue;
    const nlohmann::json event = nlohmann::json::parse(line.substr(5), nullptr, false);
    if (event.is_discarded()) continue;
    if (const CloudUsage u = usage_of(event); u.known) last = u;
  }
  return last;
}

}  // namespace hearth::gateway

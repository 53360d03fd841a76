#include "gateway/cache_replay.h"

#include "gateway/stream_format.h"
#include "gateway/stream_usage.h"

namespace hearth::gateway {

std::optional<std::string> replay_body(const std::string& path, const nlohmann::json& body, const CachedAnswer& entry) {
  if (body.value("stream", false) != true) return entry.json;
  std::optional<std::string> sse = entry.sse ? entry.sse : sse_from_json(path, entry.json.value_or(""));
  if (!sse || is_anthropic_path(path) || client_asked_usage(body)) return sse;
  return without_usage_chunks(*sse);
}

}  // namespace hearth::gateway

#include "gateway/canonical.h"

#include <cmath>

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

// nlohmann::json (not ordered_json) keeps object keys in a std::map, so
// dump() already sorts them; only numbers need normalising.
Json normalise(const Json& v) {
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = normalise(it.value());
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& e : v) out.push_back(normalise(e));
    return out;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  return v;
}

}  // namespace

std::string canonical_json(const Json& value) { return normalise(value).dump(); }

std::string cache_key(const std::string& path, const Json& body) {
  Json b = body;
  if (b.is_object()) {
    b.erase("stream");
    b.erase("stream_options");
    b.erase("user");
  }
  return path + "\n" + canonical_json(b);
}

bool cacheable(CachePolicy policy, const std::string& path, const Json& body) {
  if (policy == CachePolicy::off || !body.is_object()) return false;
  if (policy == CachePolicy::always || path == "/v1/embeddings") return true;
  if (body.contains("seed") && body["seed"].is_number_integer()) return true;
  const auto t = body.find("temperature");
  return t != body.end() && t->is_number() && t->get<double>() == 0.0;
}

}  // namespace hearth::gateway

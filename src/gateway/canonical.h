// The cache key of a request: its path and a canonical form of its JSON
// body — keys sorted, no whitespace, numbers with an integral value written
// as integers (0 and 0.0 are the same temperature) — without the fields
// that do not change the answer's content (stream, stream_options, user).
// So two requests differing only in key order, spacing or streaming share
// one entry.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/config.h"

namespace hearth::gateway {

// Compact JSON with keys sorted at every level.
std::string canonical_json(const nlohmann::json& value);

// path + '\n' + the canonical body without the streaming fields.
std::string cache_key(const std::string& path, const nlohmann::json& body);

// Whether the answer is a function of the request alone under `policy`:
// auto_ caches embeddings always, and generations at temperature 0 or with
// an explicit seed (the APIs' default temperature is 1, so absent = not cacheable).
bool cacheable(CachePolicy policy, const std::string& path, const nlohmann::json& body);

}  // namespace hearth::gateway

// What a cache hit answers. One cache entry serves every client whatever it
// asked for about the stream's usage: the cache key ignores stream_options
// (canonical.h), and a streamed answer is stored as the upstream sent it to
// the gateway — which asked for stream_options.include_usage on every
// cacheable stream (stream_usage.h) — so the stored stream ends with its
// usage-only chunk. The replay then fits each client:
//
//   stream request, include_usage: true   the stored stream as is (or the
//                                         stream made from the JSON answer,
//                                         usage chunk included when it has usage)
//   stream request, no include_usage      the same without the usage-only chunk
//   plain request                         the stored JSON answer
//
// Anthropic streams carry their usage in message_start/message_delta: they
// are replayed as stored.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/cache.h"

namespace hearth::gateway {

// The body to send for a hit on `entry` by a request to `path` with `body`;
// nullopt when the entry lacks the shape asked for (a plain request meeting
// a stream-only entry, or a stream request for a JSON answer that cannot be
// streamed): then the request is a miss, and its answer fills that half.
std::optional<std::string> replay_body(const std::string& path, const nlohmann::json& body, const CachedAnswer& entry);

}  // namespace hearth::gateway

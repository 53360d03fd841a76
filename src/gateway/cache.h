// The answer cache: what is stored, and the interface of a backend.
// Only complete successful answers are ever put (the caller checks:
// status 200, a JSON body without "error", or a stream that reached its
// terminator); one entry holds the answer as JSON, as an SSE stream, or
// both (a later request in the other shape fills the other half).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace hearth::gateway {

struct CachedAnswer {
  std::string content_type = "application/json";
  std::optional<std::string> json;  // the non-streamed body
  std::optional<std::string> sse;   // the streamed body, every event up to its terminator

  size_t bytes() const { return (json ? json->size() : 0) + (sse ? sse->size() : 0); }
};

class CacheStore {
 public:
  virtual ~CacheStore() = default;
  // The live (unexpired) entry for key.
  virtual std::optional<CachedAnswer> get(const std::string& key) = 0;
  // Merges the answer's present halves into the entry (renewing its TTL).
  virtual void put(const std::string& key, const CachedAnswer& answer) = 0;
  virtual size_t entries() const = 0;
  virtual size_t bytes() const = 0;
};

}  // namespace hearth::gateway

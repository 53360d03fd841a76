// keep_alive: how long a model stays loaded after a request (Ollama's
// field; the default is 5 minutes). Given as a Go duration string ("5m",
// "1h30m", "2.5s", "300ms", "0"), a number of seconds, or a number of
// seconds in a string ("-1"); negative means forever. ModelResidency remembers, per served model, when it is due to
// unload, which /api/ps reports as expires_at.
//
// (Unloading itself belongs to the multi-model service; this one serves
// a single model that stays loaded, and only reports the due time.)
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

// nullopt: forever.
using KeepAlive = std::optional<std::chrono::milliseconds>;

inline constexpr std::chrono::minutes kDefaultKeepAlive{5};

// Parses `value` (a JSON string or number). Throws a 400 ApiError naming
// `field` for anything else or a malformed duration.
KeepAlive parse_keep_alive(const nlohmann::ordered_json& value, const std::string& field);

// Go's time.ParseDuration grammar: [-+]? (number unit)+ with units ns us µs
// ms s m h, or "0". nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_go_duration(const std::string& s);

class ModelResidency {
 public:
  // A request used the model now and asked it to stay `keep_alive`.
  void touch(KeepAlive keep_alive);
  // When it is due to unload (nullopt: never). Before any request: the
  // server's start plus the default.
  std::optional<std::chrono::system_clock::time_point> expires_at() const;

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point last_used_ = std::chrono::system_clock::now();
  KeepAlive keep_alive_ = kDefaultKeepAlive;
};

}  // namespace hearth::server

// keep_alive: how long a model stays loaded after a request (Ollama's
// field; the default is 5 minutes). Given as a Go duration string ("5m",
// "1h30m", "2.5s", "300ms", "0"), a number of seconds, or a number of
// seconds in a string ("-1"); negative means forever. The model registry
// (server/model_registry.h) unloads an idle model once its keep-alive has
// run out; /api/ps reports when that is due as expires_at.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::server {

// < 0: forever; 0: unloaded as soon as the request ends.
using KeepAlive = std::chrono::milliseconds;

inline constexpr std::chrono::minutes kDefaultKeepAlive{5};

// Parses `value` (a JSON string or number). Throws a 400 ApiError naming
// `field` for anything else or a malformed duration.
KeepAlive parse_keep_alive(const nlohmann::ordered_json& value, const std::string& field);
// The same for a command-line value ("300", "-1", "30s", "5m", "1h30m").
KeepAlive parse_keep_alive(std::string_view text);

// Go's time.ParseDuration grammar: [-+]? (number unit)+ with units ns us µs
// ms s m h, or "0". nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_go_duration(const std::string& s);

}  // namespace hearth::server

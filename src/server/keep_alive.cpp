#include "server/keep_alive.h"

#include <cmath>
#include <cstdlib>

#include "server/api_error.h"

namespace hearth::server {

std::optional<std::chrono::nanoseconds> parse_go_duration(const std::string& s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (s.substr(i) == "0") return std::chrono::nanoseconds(0);
  if (i == s.size()) return std::nullopt;
  double ns = 0;
  while (i < s.size()) {
    const size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    char* end = nullptr;
    const std::string number = s.substr(start, i - start);
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || number == ".") return std::nullopt;
    const size_t unit_start = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    const std::string unit = s.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else return std::nullopt;
    ns += v * scale;
  }
  if (!std::isfinite(ns) || ns > 9.2e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(negative ? -ns : ns));
}

KeepAlive parse_keep_alive(const nlohmann::ordered_json& value, const std::string& field) {
  using std::chrono::milliseconds;
  if (value.is_number()) {
    const double s = value.get<double>();
    if (!std::isfinite(s) || s > 9.2e12) throw bad_request(field + " must be a finite number of seconds", field);
    if (s < 0) return milliseconds(-1);
    return milliseconds(static_cast<int64_t>(s * 1000.0));
  }
  if (!value.is_string()) {
    throw bad_request(field + " must be a duration string (\"5m\", \"1h30m\", \"-1\") or a number of seconds", field);
  }
  const std::string text = value.get<std::string>();
  // A bare number in a string ("-1", "300") counts as seconds, as the number would.
  char* end = nullptr;
  const double secs = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return parse_keep_alive(nlohmann::ordered_json(secs), field);
  const auto d = parse_go_duration(text);
  if (!d) {
    throw bad_request(field + " " + json_text(value) + " is not a duration (use e.g. \"30s\", \"5m\", \"1h\", or -1 for forever)",
                      field);
  }
  if (d->count() < 0) return milliseconds(-1);
  return std::chrono::duration_cast<milliseconds>(*d);
}

KeepAlive parse_keep_alive(std::string_view text) {
  return parse_keep_alive(nlohmann::ordered_json(std::string(text)), "--keep-alive");
}

}  // namespace hearth::server

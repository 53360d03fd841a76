// Small, typed readers for JSON request bodies, shared by the endpoints:
// each failure is a 400 (ApiError) that names the field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server::json_body {

// The body parsed as a JSON object (400: not JSON, or not an object).
nlohmann::ordered_json parse_object(const std::string& body);

// b[key] as a boolean; `fallback` when absent or null.
bool boolean(const nlohmann::ordered_json& b, const char* key, bool fallback);

// b[key] as a string; 400 when absent or not a string.
std::string required_string(const nlohmann::ordered_json& b, const char* key);

}  // namespace hearth::server::json_body

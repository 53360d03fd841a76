#include "server/json_body.h"

#include "server/api_error.h"

namespace hearth::server::json_body {

using json = nlohmann::ordered_json;

json parse_object(const std::string& body) {
  json b;
  try {
    b = json::parse(body);
  } catch (const json::parse_error& e) {
    throw bad_request(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!b.is_object()) throw bad_request("the request body must be a JSON object");
  return b;
}

bool boolean(const json& b, const char* key, bool fallback) {
  if (!b.contains(key) || b[key].is_null()) return fallback;
  if (!b[key].is_boolean()) throw bad_request(std::string(key) + " must be a boolean", key);
  return b[key].get<bool>();
}

std::string required_string(const json& b, const char* key) {
  if (!b.contains(key)) throw bad_request(std::string(key) + " is required", key);
  if (!b[key].is_string()) throw bad_request(std::string(key) + " must be a string", key);
  return b[key].get<std::string>();
}

}  // namespace hearth::server::json_body

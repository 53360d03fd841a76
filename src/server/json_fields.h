// Typed reading of a request body's fields, shared by every dialect.
//
//   const auto body = parse_body(req.body);          // 400 unless a JSON object
//   Fields f(body);                                  // or Fields(body["options"], "options.")
//   float t = f.number("temperature", 0, 2).value_or(1.0);
//
// Each reader returns nullopt when the field is absent or null, and throws
// a 400 ApiError whose message and param name the field (with the prefix,
// e.g. "options.top_k") when it has the wrong type or is out of range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/config.h"
#include "server/model_service.h"

namespace hearth::server {

using Json = nlohmann::ordered_json;

// The body as JSON; 400 when it is not valid JSON or not an object.
Json parse_body(const std::string& body);

// Checks a requested model name against the served model: 404 (code
// model_not_found) naming both when it is not the one served; 400 when the
// field is not a string; when absent, 400 if `required`.
void check_model(const Json& body, const char* key, const ModelService& model, bool required);

// top_p as the sampler takes it: the APIs accept 0 to mean "only the most
// likely token"; the sampler needs a value in (0, 1].
float nucleus_top_p(double top_p);

class Fields {
 public:
  // obj: a JSON object (or null: every field absent); anything else is a
  // 400 naming `prefix` without its dot. obj must outlive the Fields.
  explicit Fields(const Json& obj, std::string prefix = {});
  Fields(Json&&, std::string = {}) = delete;  // would dangle

  bool has(const char* key) const;
  const Json& at(const char* key) const;  // has(key) must hold

  std::optional<double> number(const char* key, double lo, double hi) const;
  std::optional<int64_t> integer(const char* key, int64_t lo, int64_t hi = INT64_MAX) const;
  std::optional<bool> boolean(const char* key) const;
  std::optional<std::string> string(const char* key) const;

  // A string or an array of strings (array_only: only an array), bounded
  // by the limits on stop strings; empty when absent.
  std::vector<std::string> stops(const char* key, const Limits& limits, bool array_only = false) const;

  // Throws a 400 for the first key not in `known` ("options.foo is not
  // supported"), so a misspelt option is never silently ignored.
  void reject_unknown(std::initializer_list<const char*> known) const;

  // "prefix" + key: the name used in error messages.
  std::string name(const char* key) const { return prefix_ + key; }

 private:
  const Json* obj_;
  std::string prefix_;
};

}  // namespace hearth::server

#include "server/json_fields.h"

#include <cmath>

#include "server/api_error.h"

namespace hearth::server {

namespace {

const Json& null_json() {
  static const Json null;
  return null;
}

}  // namespace

Json parse_body(const std::string& body) {
  Json b;
  try {
    b = Json::parse(body);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too big for a double.
    throw bad_request(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!b.is_object()) throw bad_request("the request body must be a JSON object");
  return b;
}

void check_model(const Json& body, const char* key, const ModelService& model, bool required) {
  const Fields f(body);
  const auto name = f.string(key);
  if (!name) {
    if (required) throw bad_request(std::string(key) + " is required", key);
    return;
  }
  if (!model.answers_to(*name)) {
    throw ApiError(404, "invalid_request_error",
                   "The model '" + *name + "' does not exist (this server has '" + model.id() + "')", key,
                   "model_not_found");
  }
}

float nucleus_top_p(double top_p) { return top_p <= 0.0 ? 1e-6f : static_cast<float>(top_p); }

Fields::Fields(const Json& obj, std::string prefix) : obj_(&obj), prefix_(std::move(prefix)) {
  if (obj.is_null()) {
    obj_ = &null_json();
  } else if (!obj.is_object()) {
    const std::string field = prefix_.empty() ? "body" : prefix_.substr(0, prefix_.size() - 1);
    throw bad_request(field + " must be an object", field);
  }
}

bool Fields::has(const char* key) const { return obj_->is_object() && obj_->contains(key) && !(*obj_)[key].is_null(); }

const Json& Fields::at(const char* key) const { return (*obj_)[key]; }

std::optional<double> Fields::number(const char* key, double lo, double hi) const {
  if (!has(key)) return std::nullopt;
  if (!at(key).is_number()) throw bad_request(name(key) + " must be a number", name(key));
  const double v = at(key).get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw bad_request(name(key) + " must be between " + Json(lo).dump() + " and " + Json(hi).dump() + " (got " +
                          Json(v).dump() + ")",
                      name(key));
  }
  return v;
}

std::optional<int64_t> Fields::integer(const char* key, int64_t lo, int64_t hi) const {
  if (!has(key)) return std::nullopt;
  const Json& j = at(key);
  // 3.0 is an integer to a JavaScript client; 3.5 is not.
  const bool integral = j.is_number_integer() || (j.is_number_float() && std::isfinite(j.get<double>()) &&
                                                   std::floor(j.get<double>()) == j.get<double>() &&
                                                   std::fabs(j.get<double>()) < 9.0e15);
  if (!integral) throw bad_request(name(key) + " must be an integer", name(key));
  const auto v = j.is_number_integer() ? j.get<int64_t>() : static_cast<int64_t>(j.get<double>());
  if (v < lo || v > hi) {
    std::string range = name(key) + " must be >= " + std::to_string(lo);
    if (hi != INT64_MAX) range += " and <= " + std::to_string(hi);
    throw bad_request(range + " (got " + std::to_string(v) + ")", name(key));
  }
  return v;
}

std::optional<bool> Fields::boolean(const char* key) const {
  if (!has(key)) return std::nullopt;
  if (!at(key).is_boolean()) throw bad_request(name(key) + " must be a boolean", name(key));
  return at(key).get<bool>();
}

std::optional<std::string> Fields::string(const char* key) const {
  if (!has(key)) return std::nullopt;
  if (!at(key).is_string()) throw bad_request(name(key) + " must be a string", name(key));
  return at(key).get<std::string>();
}

std::vector<std::string> Fields::stops(const char* key, const Limits& limits, bool array_only) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const std::string what = name(key) + (array_only ? " must be an array of strings" : " must be a string or an array of strings");
  const Json& s = at(key);
  if (s.is_string() && !array_only) {
    out.push_back(s.get<std::string>());
  } else if (s.is_array()) {
    for (const auto& e : s) {
      if (!e.is_string()) throw bad_request(what, name(key));
      out.push_back(e.get<std::string>());
    }
  } else {
    throw bad_request(what, name(key));
  }
  if (out.size() > limits.max_stop_strings) {
    throw bad_request(name(key) + ": at most " + std::to_string(limits.max_stop_strings) + " stop strings", name(key));
  }
  for (const auto& e : out) {
    if (e.empty() || e.size() > limits.max_stop_bytes) {
      throw bad_request(name(key) + ": each stop string must be 1.." + std::to_string(limits.max_stop_bytes) + " bytes",
                        name(key));
    }
  }
  return out;
}

void Fields::reject_unknown(std::initializer_list<const char*> known) const {
  if (!obj_->is_object()) return;
  for (const auto& [key, value] : obj_->items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) throw bad_request(prefix_ + key + " is not supported", prefix_ + key);
  }
}

}  // namespace hearth::server

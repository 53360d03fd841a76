#include "gateway/audit_record.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "gateway/digest.h"

namespace hearth::gateway {

namespace {

using Json = nlohmann::ordered_json;

// The record without `hash`, keys in the documented order.
Json unsealed_json(const AuditRecord& r) {
  const AuditEntry& e = r.entry;
  Json redactions = Json::object();
  for (const auto& [rule, count] : e.redactions) redactions[rule] = count;
  return Json{{"seq", r.seq},
              {"time", r.time},
              {"type", r.type},
              {"ref", r.ref},
              {"key_id", e.key_id},
              {"route", e.route},
              {"model", e.model},
              {"cloud", e.cloud},
              {"cloud_model", e.cloud_model},
              {"prompt_tokens", e.prompt_tokens},
              {"completion_tokens", e.completion_tokens},
              {"cost_usd", e.cost_usd},
              {"redactions", redactions},
              {"request_hash", e.request_hash},
              {"outcome", e.outcome},
              {"prev_hash", r.prev_hash}};
}

std::string hash_of(const std::string& unsealed_text) { return sha256_hex(unsealed_text); }

const Json& field(const Json& j, const char* name, bool (Json::*is_type)() const noexcept, const char* type) {
  const auto it = j.find(name);
  if (it == j.end()) throw FormatError(std::string("missing field \"") + name + "\"");
  if (!((*it).*is_type)()) throw FormatError(std::string("field \"") + name + "\" is not " + type);
  return *it;
}

std::string text_field(const Json& j, const char* name) {
  return field(j, name, &Json::is_string, "a string").get<std::string>();
}

int64_t count_field(const Json& j, const char* name) {
  const Json& v = field(j, name, &Json::is_number_integer, "an integer");
  if (v.get<int64_t>() < 0) throw FormatError(std::string("field \"") + name + "\" is negative");
  return v.get<int64_t>();
}

}  // namespace

nlohmann::ordered_json audit_record_json(const AuditRecord& record) {
  Json j = unsealed_json(record);
  j["hash"] = record.hash;
  return j;
}

std::string seal_audit_record(AuditRecord& record) {
  Json j = unsealed_json(record);
  record.hash = hash_of(j.dump());
  j["hash"] = record.hash;
  return j.dump();
}

AuditRecord parse_audit_record(std::string_view line) {
  Json j;
  try {
    j = Json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(std::string("bad JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw FormatError("bad JSON (not an object)");
  AuditRecord r;
  r.seq = static_cast<uint64_t>(count_field(j, "seq"));
  r.time = text_field(j, "time");
  r.type = text_field(j, "type");
  r.ref = static_cast<uint64_t>(count_field(j, "ref"));
  AuditEntry& e = r.entry;
  e.key_id = text_field(j, "key_id");
  e.route = text_field(j, "route");
  e.model = text_field(j, "model");
  e.cloud = text_field(j, "cloud");
  e.cloud_model = text_field(j, "cloud_model");
  e.prompt_tokens = count_field(j, "prompt_tokens");
  e.completion_tokens = count_field(j, "completion_tokens");
  e.cost_usd = field(j, "cost_usd", &Json::is_number, "a number").get<double>();
  for (const auto& [rule, count] : field(j, "redactions", &Json::is_object, "an object").items()) {
    if (!count.is_number_integer()) throw FormatError("redactions[\"" + rule + "\"] is not an integer");
    e.redactions[rule] = count.get<int64_t>();
  }
  e.request_hash = text_field(j, "request_hash");
  e.outcome = text_field(j, "outcome");
  r.prev_hash = text_field(j, "prev_hash");
  r.hash = text_field(j, "hash");
  if (r.type != "request" && r.type != "completion") {
    throw FormatError("field \"type\" is \"" + r.type + "\" (expected \"request\" or \"completion\")");
  }

  // Rebuilding the line from the fields must give the same text: an edit
  // that keeps the JSON meaning (spacing, key order, an extra field) is
  // still an edit.
  AuditRecord resealed = r;
  const std::string canonical = seal_audit_record(resealed);
  if (resealed.hash != r.hash) {
    throw FormatError("hash mismatch (the record's content was changed after it was written)");
  }
  if (canonical != line) throw FormatError("not in canonical form (the line was edited)");
  return r;
}

}  // namespace hearth::gateway

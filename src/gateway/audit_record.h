// One line of the gateway's audit log: its fields, its canonical JSON text and
// its hash. The writer (audit.h) and the readers (verify, query) share this, so
// what is written is exactly what is checked.
//
// A line is the compact JSON object below, keys in this order, then '\n':
//   {"seq":1,"time":"2026-11-28T07:35:55.123Z","type":"request","ref":0,
//    "key_id":"team-a","route":"*","model":"llama-8b","cloud":"burst","cloud_model":"gpt-5.5",
//    "prompt_tokens":12,"completion_tokens":0,"cost_usd":0,"redactions":{"email":1},
//    "request_hash":"<sha256 of the body sent>","outcome":"","prev_hash":"<64 hex>","hash":"<64 hex>"}
// hash = SHA-256 of the line's text up to (not including) `,"hash":...`, i.e. the
// canonical record without `hash` followed by `}` — which includes prev_hash, so
// every record seals the one before it. The first record's prev_hash is
// kAuditGenesis. seq counts 1, 2, 3... without gaps.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::gateway {

// prev_hash of the first record.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// What the gateway knows about a request that leaves for the cloud.
struct AuditEntry {
  std::string key_id;       // the gateway API key's id (never the key)
  std::string route;        // the route's model pattern that matched
  std::string model;        // the model the client asked for
  std::string cloud;        // the cloud upstream's name
  std::string cloud_model;  // the model name sent to the cloud
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost_usd = 0;
  std::map<std::string, int64_t> redactions;  // rule name -> replacements made
  std::string request_hash;                   // SHA-256 of the (redacted) body sent
  std::string outcome;                        // completion records: "ok" or the error; "" otherwise
};

struct AuditRecord {
  uint64_t seq = 0;
  std::string time;  // RFC 3339, UTC
  std::string type;  // "request" (before the cloud is called) or "completion"
  uint64_t ref = 0;  // completion: the request record's seq; 0 for a request
  AuditEntry entry;
  std::string prev_hash;
  std::string hash;
};

// The record's line without the trailing '\n', `hash` computed from the other fields.
std::string seal_audit_record(AuditRecord& record);

// The record as the JSON object its line holds (`hash` included, as stored).
nlohmann::ordered_json audit_record_json(const AuditRecord& record);

// Parses and checks one line (no '\n'): JSON, every field present with its
// type, canonical form, and that `hash` is the hash of the rest. Throws
// FormatError saying which ("bad JSON: ...", "missing field ...", "hash
// mismatch: ..."). The chain (prev_hash, seq) is the caller's to check.
AuditRecord parse_audit_record(std::string_view line);

}  // namespace hearth::gateway

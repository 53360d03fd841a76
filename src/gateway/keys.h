// Gateway API keys, stored hashed: each record keeps a random per-key salt and
// SHA-256(salt || key), never the key. A presented key is checked against
// every record with a constant-time compare (no early exit either), so
// neither the timing nor the file reveals a key. Each key has an id (what the
// audit log and budgets see), the model patterns it may use and its budget.
//
// Key file (JSON):
//   {"keys": [{"id": "team-a", "salt": "<32 hex>", "sha256": "<64 hex>",
//              "routes": ["llama-*", "gpt-5.5"],
//              "budget": {"tokens_per_day": 100000, "usd_per_day": 5.0}}]}
// `routes` are model patterns ('*' any run of characters, '?' one); absent
// or empty means every model. `budget` is optional (absent: no cap).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/budget.h"

namespace hearth::gateway {

struct KeyRecord {
  std::string id;
  std::string salt;    // hex
  std::string sha256;  // hex of SHA-256(salt bytes as hex text || key)
  std::vector<std::string> routes;  // model patterns; empty = all
  BudgetLimit budget;
};

// A fresh key for a client: "hk-" and 32 base62 characters from the
// system's cryptographic generator (about 190 bits).
std::string new_gateway_key();

// Key ids appear in the audit log, metrics labels and budgets: 1 to 64 of
// [A-Za-z0-9._-]. Throws FormatError saying so otherwise.
void check_key_id(const std::string& id);

// A record for `plaintext` with a fresh random salt. Throws FormatError for an
// empty id or a key shorter than 16 characters (too easy to guess).
KeyRecord make_key_record(const std::string& id, std::string_view plaintext, std::vector<std::string> routes = {},
                          BudgetLimit budget = {});

// True when `model` matches one of the record's patterns (or it has none).
bool key_allows_model(const KeyRecord& key, std::string_view model);
// '*' matches any run of characters (also none), '?' exactly one; the rest literally.
bool model_pattern_matches(std::string_view pattern, std::string_view name);

nlohmann::ordered_json key_record_json(const KeyRecord& key);
// Throws FormatError naming the missing or ill-typed field.
KeyRecord key_record_from_json(const nlohmann::json& j);

class KeyStore {
 public:
  // Throws FormatError for duplicate ids.
  explicit KeyStore(std::vector<KeyRecord> keys);
  // Reads the key file; IoError / FormatError naming the file and the entry.
  static KeyStore load(const std::filesystem::path& path);
  // Writes the key file, mode 0600 from its creation: a temporary file
  // beside it, fsync'd, then renamed over it (a reader sees the old or the
  // new file, never half of one). IoError naming the file.
  void save(const std::filesystem::path& path) const;

  // Adds a record; FormatError when its id is taken.
  void add(KeyRecord key);
  // Removes the record with this id; false when there is none.
  bool remove(const std::string& id);

  // The record whose hash matches the presented key, or nullptr. Hashes and
  // compares against every record, so the time does not depend on which key
  // matched or where a wrong key first differs.
  const KeyRecord* authenticate(std::string_view presented) const;

  const std::vector<KeyRecord>& keys() const { return keys_; }

 private:
  std::vector<KeyRecord> keys_;
};

}  // namespace hearth::gateway

#include "gateway/keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <set>

#include "core/error.h"
#include "gateway/digest.h"

namespace hearth::gateway {

namespace {

using Json = nlohmann::json;

constexpr size_t kSaltBytes = 16;
constexpr size_t kMinKeyLength = 16;

std::string salted_hash(const std::string& salt, std::string_view key) {
  std::string data = salt;
  data += key;
  return sha256_hex(data);
}

bool is_hex(const std::string& s, size_t length) {
  if (s.size() != length) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string new_gateway_key() { return "hk-" + random_base62(32); }

void check_key_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (const char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  if (!ok) throw FormatError("key id \"" + id + "\": use 1 to 64 letters, digits, '.', '_' or '-' (e.g. team-a)");
}

KeyRecord make_key_record(const std::string& id, std::string_view plaintext, std::vector<std::string> routes,
                          BudgetLimit budget) {
  if (id.empty()) throw FormatError("a gateway key needs an id");
  if (plaintext.size() < kMinKeyLength) {
    throw FormatError("gateway key \"" + id + "\" is shorter than " + std::to_string(kMinKeyLength) +
                      " characters; use a long random key");
  }
  KeyRecord k;
  k.id = id;
  k.salt = random_hex(kSaltBytes);
  k.sha256 = salted_hash(k.salt, plaintext);
  k.routes = std::move(routes);
  k.budget = budget;
  return k;
}

bool model_pattern_matches(std::string_view pattern, std::string_view name) {
  // Iterative glob with one backtrack point (the last '*'): linear enough for
  // short patterns, and no recursion a hostile pattern could deepen.
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool key_allows_model(const KeyRecord& key, std::string_view model) {
  if (key.routes.empty()) return true;
  for (const std::string& pattern : key.routes) {
    if (model_pattern_matches(pattern, model)) return true;
  }
  return false;
}

nlohmann::ordered_json key_record_json(const KeyRecord& k) {
  return {{"id", k.id},
          {"salt", k.salt},
          {"sha256", k.sha256},
          {"routes", k.routes},
          {"budget", {{"tokens_per_day", k.budget.tokens_per_day}, {"usd_per_day", k.budget.usd_per_day}}}};
}

KeyRecord key_record_from_json(const Json& j) {
  if (!j.is_object()) throw FormatError("a key entry is not an object");
  const auto text = [&](const char* name) {
    if (!j.contains(name) || !j[name].is_string()) throw FormatError(std::string("needs a string \"") + name + "\"");
    return j[name].get<std::string>();
  };
  KeyRecord k;
  k.id = text("id");
  k.salt = text("salt");
  k.sha256 = text("sha256");
  if (k.id.empty()) throw FormatError("\"id\" is empty");
  if (!is_hex(k.salt, 2 * kSaltBytes)) throw FormatError("\"salt\" must be " + std::to_string(2 * kSaltBytes) + " lowercase hex digits");
  if (!is_hex(k.sha256, 64)) throw FormatError("\"sha256\" must be 64 lowercase hex digits");
  if (j.contains("routes")) {
    if (!j["routes"].is_array()) throw FormatError("\"routes\" must be an array of model patterns");
    for (const Json& r : j["routes"]) {
      if (!r.is_string()) throw FormatError("\"routes\" must be an array of model patterns");
      k.routes.push_back(r.get<std::string>());
    }
  }
  if (j.contains("budget")) {
    const Json& b = j["budget"];
    if (!b.is_object()) throw FormatError("\"budget\" must be an object {tokens_per_day, usd_per_day}");
    if (b.contains("tokens_per_day")) {
      if (!b["tokens_per_day"].is_number_integer() || b["tokens_per_day"].get<int64_t>() < 0) {
        throw FormatError("\"budget.tokens_per_day\" must be a non-negative integer");
      }
      k.budget.tokens_per_day = b["tokens_per_day"].get<int64_t>();
    }
    if (b.contains("usd_per_day")) {
      if (!b["usd_per_day"].is_number() || b["usd_per_day"].get<double>() < 0) {
        throw FormatError("\"budget.usd_per_day\" must be a non-negative number");
      }
      k.budget.usd_per_day = b["usd_per_day"].get<double>();
    }
  }
  return k;
}

KeyStore::KeyStore(std::vector<KeyRecord> keys) : keys_(std::move(keys)) {
  std::set<std::string> ids;
  for (const KeyRecord& k : keys_) {
    if (!ids.insert(k.id).second) throw FormatError("two gateway keys have the id \"" + k.id + "\"");
  }
}

KeyStore KeyStore::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path.string() + ": cannot open the key file");
  Json j;
  try {
    j = Json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
    throw FormatError(path.string() + ": expected {\"keys\": [{\"id\", \"salt\", \"sha256\", \"routes\", \"budget\"}, ...]}");
  }
  std::vector<KeyRecord> keys;
  for (size_t i = 0; i < j["keys"].size(); ++i) {
    try {
      keys.push_back(key_record_from_json(j["keys"][i]));
    } catch (const FormatError& e) {
      throw FormatError(path.string() + ": keys[" + std::to_string(i) + "]: " + e.what());
    }
  }
  try {
    return KeyStore(std::move(keys));
  } catch (const FormatError& e) {
    throw FormatError(path.string() + ": " + e.what());
  }
}

void KeyStore::save(const std::filesystem::path& path) const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const KeyRecord& k : keys_) list.push_back(key_record_json(k));
  const std::string text = nlohmann::ordered_json{{"keys", list}}.dump(2) + "\n";
  const std::string tmp = path.string() + ".tmp";
  const auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw IoError(path.string() + ": cannot write the key file (" + what + ": " + why + ")");
  };
  // O_EXCL: a leftover or hostile .tmp (e.g. a symlink) is never written through.
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("create " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
}

void KeyStore::add(KeyRecord key) {
  for (const KeyRecord& k : keys_) {
    if (k.id == key.id) throw FormatError("a gateway key with the id \"" + key.id + "\" exists already; remove it first or pick another id");
  }
  keys_.push_back(std::move(key));
}

bool KeyStore::remove(const std::string& id) {
  const auto it = std::find_if(keys_.begin(), keys_.end(), [&](const KeyRecord& k) { return k.id == id; });
  if (it == keys_.end()) return false;
  keys_.erase(it);
  return true;
}

const KeyRecord* KeyStore::authenticate(std::string_view presented) const {
  const KeyRecord* found = nullptr;
  for (const KeyRecord& k : keys_) {
    // No early exit: every record costs one hash and one full compare.
    const bool match = constant_time_equal(salted_hash(k.salt, presented), k.sha256);
    if (match && found == nullptr) found = &k;
  }
  return found;
}

}  // namespace hearth::gateway

// Who is calling: the gateway API key a request presents, checked against
// the key file of [keys] (keys.h), and whether that key may use a model.
//
//   presented key   "Authorization: Bearer KEY" (OpenAI clients) or
//                   "x-api-key: KEY" (Anthropic clients); Authorization wins
//                   when both are sent.
//   identify()      no [keys]                      -> anonymous (key id "")
//                   no key, required = true        -> 401 missing_api_key
//                   no key, required = false       -> anonymous (key id "")
//                   a key that matches no record   -> 401 invalid_api_key
//                   a key that matches             -> that record
//   may_use()       a model outside the key's routes -> 403 model_not_allowed,
//                   naming the model and the key id
// With [keys] the key file is reloaded when it changes (key_file.h): keys
// added or removed by `hearth gateway keys` count within about a second.
// Refusals carry the status, an OpenAI `code` and a message that says what
// to do; the gateway writes them in the dialect's error shape. The presented
// key is never echoed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gateway/cloud_guard.h"
#include "gateway/config.h"
#include "server/http_types.h"

namespace hearth::gateway {

struct KeyRecord;  // keys.h
class KeyStore;
class KeyFile;  // key_file.h

// The caller of one request, or why it is refused.
struct Caller {
  const KeyRecord* key = nullptr;  // null: anonymous (no [keys], or a key is optional and none was sent)
  std::shared_ptr<const KeyStore> store;  // holds *key alive, whatever reloads meanwhile
  int status = 0;                  // 0: let in; else 401 or 403
  std::string code, message;       // the refusal's OpenAI error code and text

  bool refused() const { return status != 0; }
  // The key id the budgets, audit records and metrics see ("" when anonymous).
  const std::string& id() const;
};

// The key a request presents ("" when none): the Bearer token of
// Authorization, else x-api-key.
std::string_view presented_key(const server::HttpRequest& request);

class KeyGate {
 public:
  KeyGate() = default;  // no [keys]: every request is anonymous
  KeyGate(std::shared_ptr<const KeyStore> keys, bool required);  // fixed keys, never reloaded
  KeyGate(std::shared_ptr<KeyFile> file, bool required);          // the file's keys, reloaded as it changes

  // The gate of a configuration's [keys]: loads the key file (IoError /
  // FormatError naming it) and follows its changes; an open gate when
  // [keys] is absent.
  static KeyGate from_config(const KeysConfig& config);

  bool enabled() const { return keys_ != nullptr || file_ != nullptr; }
  // The key file followed (null without one): KeyFile::on_load to hear of reloads.
  const std::shared_ptr<KeyFile>& file() const { return file_; }
  // The fixed keys (null with a key file or without keys).
  const std::shared_ptr<const KeyStore>& fixed_keys() const { return keys_; }

  Caller identify(const server::HttpRequest& request) const;
  // `caller` itself, or a 403 when its key may not use `model`.
  Caller may_use(Caller caller, const std::string& model) const;
  // True when the caller may use `model` (anonymous callers may use every model).
  bool allows(const Caller& caller, const std::string& model) const;

 private:
  std::shared_ptr<const KeyStore> current() const;

  std::shared_ptr<const KeyStore> keys_;
  std::shared_ptr<KeyFile> file_;
  bool required_ = false;
};

// Tells `guard` the budget of each key of the gate (CloudGuard::set_key_budget)
// now and, with a key file, again on every reload before its keys are used.
void share_key_budgets(const KeyGate& gate, const std::shared_ptr<CloudGuard>& guard);

}  // namespace hearth::gateway

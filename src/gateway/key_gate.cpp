#include "gateway/key_gate.h"

#include "gateway/key_file.h"
#include "gateway/keys.h"

namespace hearth::gateway {

namespace {

Caller refuse(int status, std::string code, std::string message) {
  Caller c;
  c.status = status;
  c.code = std::move(code);
  c.message = std::move(message);
  return c;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const std::string& Caller::id() const {
  static const std::string anonymous;
  return key ? key->id : anonymous;
}

std::string_view presented_key(const server::HttpRequest& request) {
  std::string_view auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) return auth.substr(kBearer.size());
  return request.header("x-api-key");
}

KeyGate::KeyGate(std::shared_ptr<const KeyStore> keys, bool required) : keys_(std::move(keys)), required_(required) {}

KeyGate::KeyGate(std::shared_ptr<KeyFile> file, bool required) : file_(std::move(file)), required_(required) {}

KeyGate KeyGate::from_config(const KeysConfig& config) {
  if (config.path.empty()) return {};
  return KeyGate(std::make_shared<KeyFile>(config.path), config.required);
}

std::shared_ptr<const KeyStore> KeyGate::current() const { return file_ ? file_->current() : keys_; }

Caller KeyGate::identify(const server::HttpRequest& request) const {
  if (!enabled()) return {};
  const std::string_view key = presented_key(request);
  if (key.empty()) {
    if (!required_) return {};
    return refuse(401, "missing_api_key",
                  "this gateway needs an API key: send it as \"Authorization: Bearer KEY\" (OpenAI clients: apiKey) "
                  "or \"x-api-key: KEY\" (Anthropic clients); the gateway's operator makes keys with "
                  "`hearth gateway keys add`");
  }
  Caller c;
  c.store = current();
  c.key = c.store->authenticate(key);
  if (!c.key) {
    return refuse(401, "invalid_api_key",
                  "the API key is not valid for this gateway (it matches none of its keys); check the key you "
                  "send, or ask the gateway's operator for a new one");
  }
  return c;
}

Caller KeyGate::may_use(Caller caller, const std::string& model) const {
  if (caller.refused() || allows(caller, model)) return caller;
  return refuse(403, "model_not_allowed",
                "gateway key \"" + caller.key->id + "\" may not use model \"" + model + "\" (its routes: " +
                    joined(caller.key->routes) + "); use one of those models or ask for a key that covers it");
}

bool KeyGate::allows(const Caller& caller, const std::string& model) const {
  return !caller.key || key_allows_model(*caller.key, model);
}

void share_key_budgets(const KeyGate& gate, const std::shared_ptr<CloudGuard>& guard) {
  auto tell = [guard](const KeyStore& keys) {
    for (const KeyRecord& k : keys.keys()) guard->set_key_budget(k.id, k.budget);
  };
  if (gate.file()) {
    gate.file()->on_load(tell);
  } else if (const auto keys = gate.fixed_keys()) {
    tell(*keys);
  }
}

}  // namespace hearth::gateway

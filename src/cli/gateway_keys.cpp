// hearth gateway keys add --file keys.json --id ID [--routes 'llama-*,gpt-*']
//                          [--tokens-per-day N] [--usd-per-day X] [--json]
// hearth gateway keys list --file keys.json [--json]
// hearth gateway keys remove --file keys.json --id ID [--json]
//
// `add` makes a strong random key ("hk-" + 32 base62 characters), stores
// only its salt and salted SHA-256 (file mode 0600) and prints the key once:
// it cannot be shown again. `list` never shows hashes. A running gateway
// reads the file at start: restart it after a change.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/gateway_keys.h"
#include "core/error.h"
#include "gateway/keys.h"

namespace hearth::cli {
namespace {

using Json = nlohmann::ordered_json;

struct KeysOptions {
  std::string file, id, routes;
  int64_t tokens_per_day = 0;
  double usd_per_day = 0;
  bool json = false;
};

// "llama-*, gpt-*" -> {"llama-*", "gpt-*"} (spaces around items dropped).
std::vector<std::string> split_routes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

gateway::KeyStore load_existing(const std::string& file) {
  if (!std::filesystem::exists(file)) {
    throw IoError(file + ": no such key file; create it with `hearth gateway keys add --file " + file + " --id ID`");
  }
  return gateway::KeyStore::load(file);
}

std::string routes_text(const std::vector<std::string>& routes) {
  if (routes.empty()) return "every model";
  std::string out;
  for (const auto& r : routes) out += (out.empty() ? "" : ", ") + r;
  return out;
}

std::string budget_text(const gateway::BudgetLimit& b) {
  if (b.tokens_per_day == 0 && b.usd_per_day == 0) return "no cap";
  std::string out;
  if (b.tokens_per_day > 0) out += std::to_string(b.tokens_per_day) + " tokens/day";
  if (b.usd_per_day > 0) {
    char usd[64];
    std::snprintf(usd, sizeof usd, "$%.2f/day", b.usd_per_day);
    out += (out.empty() ? "" : ", ") + std::string(usd);
  }
  return out;
}

// A key as list and add show it: never its salt or hash.
Json public_json(const gateway::KeyRecord& k) {
  return {{"id", k.id},
          {"routes", k.routes},
          {"budget", {{"tokens_per_day", k.budget.tokens_per_day}, {"usd_per_day", k.budget.usd_per_day}}}};
}

int run_add(const KeysOptions& o) {
  gateway::check_key_id(o.id);
  if (o.tokens_per_day < 0 || !(o.usd_per_day >= 0)) {
    throw FormatError("--tokens-per-day and --usd-per-day must be 0 (no cap) or more");
  }
  gateway::KeyStore store = std::filesystem::exists(o.file) ? gateway::KeyStore::load(o.file) : gateway::KeyStore({});
  const std::string key = gateway::new_gateway_key();
  gateway::KeyRecord record = gateway::make_key_record(o.id, key, split_routes(o.routes), {o.tokens_per_day, o.usd_per_day});
  const Json shown = public_json(record);
  store.add(std::move(record));
  store.save(o.file);
  if (o.json) {
    Json out = {{"file", o.file}, {"key", key}};
    out.update(shown);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  const gateway::KeyRecord& k = store.keys().back();
  std::printf("added key \"%s\" to %s (routes: %s; budget: %s)\n%s\n", k.id.c_str(), o.file.c_str(),
              routes_text(k.routes).c_str(), budget_text(k.budget).c_str(), key.c_str());
  std::fprintf(stderr, "Give this key to its user now: it is shown only once (the file keeps a salted hash).\n"
                       "Clients send it as \"Authorization: Bearer KEY\" or \"x-api-key: KEY\"; restart the gateway "
                       "to load it.\n");
  return 0;
}

int run_list(const KeysOptions& o) {
  const gateway::KeyStore store = load_existing(o.file);
  if (o.json) {
    Json keys = Json::array();
    for (const auto& k : store.keys()) keys.push_back(public_json(k));
    std::printf("%s\n", Json{{"file", o.file}, {"keys", keys}}.dump(2).c_str());
    return 0;
  }
  std::printf("%-20s %-32s %s\n", "id", "routes", "budget");
  for (const auto& k : store.keys()) {
    std::printf("%-20s %-32s %s\n", k.id.c_str(), routes_text(k.routes).c_str(), budget_text(k.budget).c_str());
  }
  std::printf("%zu key(s) in %s\n", store.keys().size(), o.file.c_str());
  return 0;
}

int run_remove(const KeysOptions& o) {
  gateway::KeyStore store = load_existing(o.file);
  if (!store.remove(o.id)) {
    std::string ids;
    for (const auto& k : store.keys()) ids += (ids.empty() ? "" : ", ") + k.id;
    throw Error(o.file + ": no key has the id \"" + o.id + "\" (ids: " + (ids.empty() ? "none" : ids) + ")");
  }
  store.save(o.file);
  if (o.json) {
    std::printf("%s\n", Json{{"file", o.file}, {"removed", o.id}, {"keys", store.keys().size()}}.dump(2).c_str());
  } else {
    std::printf("removed key \"%s\" from %s (%zu left); restart the gateway to refuse it\n", o.id.c_str(),
                o.file.c_str(), store.keys().size());
  }
  return 0;
}

}  // namespace

CLI::App* register_gateway_keys(CLI::App& gateway, Handler& handler) {
  auto* keys = gateway.add_subcommand("keys", "Manage the gateway's API keys (stored as salted hashes in a JSON file)");
  keys->require_subcommand(1);
  const char* file_help = "The key file ([keys] path of the gateway configuration)";

  auto a = std::make_shared<KeysOptions>();
  auto* add = keys->add_subcommand("add", "Make a new random key, store its salted hash and print the key once");
  add->add_option("--file", a->file, file_help)->required();
  add->add_option("--id", a->id, "The key's id: what the audit log, budgets and metrics show (e.g. team-a)")->required();
  add->add_option("--routes", a->routes, "Comma-separated model patterns the key may use ('*', '?'), e.g. 'llama-*,gpt-*' [every model]");
  add->add_option("--tokens-per-day", a->tokens_per_day, "Daily cap of cloud tokens (prompt + completion) [0: none]");
  add->add_option("--usd-per-day", a->usd_per_day, "Daily cap of cloud spend in USD [0: none]");
  add->add_flag("--json", a->json, "Print {file, key, id, routes, budget} as JSON");
  add->callback([a, &handler] { handler = [a] { return run_add(*a); }; });

  auto l = std::make_shared<KeysOptions>();
  auto* list = keys->add_subcommand("list", "List the keys: ids, routes and budgets (never the hashes)");
  list->add_option("--file", l->file, file_help)->required();
  list->add_flag("--json", l->json, "Print {file, keys: [{id, routes, budget}]} as JSON");
  list->callback([l, &handler] { handler = [l] { return run_list(*l); }; });

  auto r = std::make_shared<KeysOptions>();
  auto* remove = keys->add_subcommand("remove", "Remove a key by its id");
  remove->add_option("--file", r->file, file_help)->required();
  remove->add_option("--id", r->id, "The id of the key to remove")->required();
  remove->add_flag("--json", r->json, "Print {file, removed, keys} as JSON");
  remove->callback([r, &handler] { handler = [r] { return run_remove(*r); }; });
  return keys;
}

}  // namespace hearth::cli

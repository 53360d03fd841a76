#include "gateway/audited_guard.h"

#include <cstdio>
#include <utility>

#include "gateway/cloud_usage.h"
#include "gateway/stores.h"
#include "gateway/keys.h"

namespace hearth::gateway {
namespace {

// The completion cap the request sends (0 for embeddings, which complete nothing).
int64_t completion_cap(const std::string& path, nlohmann::json& body, int64_t default_max_tokens) {
  if (path.size() >= 11 && path.compare(path.size() - 11, 11, "/embeddings") == 0) return 0;
  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    auto it = body.find(name);
    if (it != body.end() && it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<int64_t>();
  }
  body["max_tokens"] = default_max_tokens;
  return default_max_tokens;
}

CloudVerdict refuse(int status, const std::string& reason) { return {false, status, reason}; }

// The counts to charge and record for an answer, and its outcome.
struct Settlement {
  int64_t prompt_tokens = 0, completion_tokens = 0;
  std::string outcome;
};

Settlement settlement_of(int status, const std::string& body, const CloudTicket& ticket) {
  if (status == 0) return {0, 0, "no response"};
  if (status >= 400) return {0, 0, "HTTP " + std::to_string(status)};
  const CloudUsage usage = read_cloud_usage(body);
  if (usage.known) return {usage.prompt_tokens, usage.completion_tokens, "ok"};
  // An answer came but not its count: charge what was reserved, never 0.
  return {ticket.worst_prompt_tokens, ticket.worst_completion_tokens, "usage unknown"};
}

std::vector<RedactionRule> configured_rules(const RedactionConfig& c) {
  std::vector<RedactionRule> rules;
  if (c.rules_given) {
    for (const auto& name : c.rules) rules.push_back(builtin_redaction_rule(name));
  } else {
    rules = builtin_redaction_rules();
  }
  for (const auto& cu : c.custom) rules.push_back({cu.name, cu.pattern, RedactionRule::Check::none});
  return rules;
}

PriceTable configured_prices(const AuditConfig& c) {
  return c.prices.empty() ? PriceTable(default_cloud_prices()) : PriceTable::load(c.prices);
}

// Everything the guard needs, owned in one place for make_audited_guard.
struct EgressParts {
  explicit EgressParts(const GatewayConfig& c)
      : redactor(configured_rules(c.redaction)),
        prices(configured_prices(c.audit)),
        budgets(make_budget_store(c.budgets)),
        audit(c.audit.path) {
    budgets.set_limit("", {c.budgets.tokens_per_day, c.budgets.usd_per_day});
    if (!c.keys.path.empty()) {
      const KeyStore keys = KeyStore::load(c.keys.path);
      for (const KeyRecord& k : keys.keys()) budgets.set_limit(k.id, k.budget);
    }
  }
  Redactor redactor;
  PriceTable prices;
  Budgets budgets;
  AuditLog audit;
};

}  // namespace

AuditedCloudGuard::AuditedCloudGuard(Egress egress, int64_t default_max_tokens, std::shared_ptr<const void> owner)
    : egress_(egress), default_max_tokens_(default_max_tokens), owner_(std::move(owner)) {}

CloudVerdict AuditedCloudGuard::before_send(CloudRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) return refuse(400, "the request body is not a JSON object; nothing was sent to the cloud");
  EgressRequest e;
  e.key_id = request.api_key_id;
  e.route = request.route;
  e.model = request.local_model;
  e.cloud = request.cloud;
  e.cloud_model = request.cloud_model;
  e.max_tokens = completion_cap(request.path, body, default_max_tokens_);
  e.prompt_tokens_estimate = static_cast<int64_t>((request.body.size() + 3) / 4);
  try {
    auto ticket = std::make_shared<CloudTicket>(begin_cloud_request(egress_, e, body));
    request.body = body.dump();
    request.guard_state = std::move(ticket);
  } catch (const BudgetExceeded& ex) {
    return refuse(429, std::string("cloud budget exceeded: ") + ex.what());
  } catch (const BudgetStoreUnavailable& ex) {
    return refuse(503, std::string("the cloud budget could not be checked, so nothing was sent to the cloud: ") + ex.what());
  } catch (const IoError& ex) {
    return refuse(503, std::string("the cloud request could not be audited, so it was not sent: ") + ex.what());
  } catch (const Error& ex) {
    return refuse(400, std::string("the cloud request was not sent: ") + ex.what());
  }
  return {};
}

CloudCharge AuditedCloudGuard::after_response(const CloudRequest& request, int status, const std::string& body) {
  auto ticket = std::static_pointer_cast<CloudTicket>(request.guard_state);
  if (!ticket) return {};  // before_send refused it: nothing to settle
  const Settlement s = settlement_of(status, body, *ticket);
  try {
    finish_cloud_request(egress_, *ticket, s.prompt_tokens, s.completion_tokens, s.outcome);
  } catch (const Error& ex) {
    std::fprintf(stderr, "hearth gateway: cloud request %llu to %s: completion not settled: %s\n",
                 static_cast<unsigned long long>(ticket->audit_seq), request.cloud.c_str(), ex.what());
  }
  return {s.prompt_tokens + s.completion_tokens, ticket->entry.cost_usd};
}

void AuditedCloudGuard::set_key_budget(const std::string& key_id, const BudgetLimit& limit) {
  egress_.budgets.set_limit(key_id, limit);
}

std::shared_ptr<CloudGuard> make_audited_guard(const GatewayConfig& config) {
  auto parts = std::make_shared<EgressParts>(config);
  Egress egress{parts->redactor, parts->prices, parts->budgets, parts->audit};
  return std::make_shared<AuditedCloudGuard>(egress, config.budgets.max_tokens, parts);
}

void check_audited_guard(const GatewayConfig& config) {
  Redactor redactor(configured_rules(config.redaction));
  (void)configured_prices(config.audit);
}

}  // namespace hearth::gateway

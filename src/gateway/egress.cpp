#include "gateway/egress.h"

#include "gateway/digest.h"

namespace hearth::gateway {

CloudTicket begin_cloud_request(const Egress& egress, const EgressRequest& request, nlohmann::json& body) {
  CloudTicket ticket;
  ticket.worst_prompt_tokens = request.prompt_tokens_estimate;
  ticket.worst_completion_tokens = request.max_tokens;
  AuditEntry& e = ticket.entry;
  e.key_id = request.key_id;
  e.route = request.route;
  e.model = request.model;
  e.cloud = request.cloud;
  e.cloud_model = request.cloud_model;
  e.prompt_tokens = request.prompt_tokens_estimate;
  e.redactions = egress.redactor.redact_request(body);
  e.request_hash = sha256_hex(body.dump());

  const int64_t worst_tokens = request.prompt_tokens_estimate + request.max_tokens;
  const double worst_cost =
      egress.prices.cost_usd(request.cloud_model, request.prompt_tokens_estimate, request.max_tokens);
  std::optional<Reservation> held = egress.budgets.reserve(request.key_id, worst_tokens, worst_cost);
  if (!held) {
    const BudgetAmount used = egress.budgets.used_today(request.key_id);
    throw BudgetExceeded("key \"" + request.key_id + "\" has reached its daily budget (" +
                         std::to_string(used.tokens) + " tokens, $" + std::to_string(used.micro_usd / 1e6) +
                         " used today; this request could take " + std::to_string(worst_tokens) +
                         " tokens, $" + std::to_string(worst_cost) + "); it resets at 00:00 UTC");
  }
  ticket.reservation = std::move(*held);
  try {
    ticket.audit_seq = egress.audit.append_request(e);
  } catch (...) {
    egress.budgets.release(ticket.reservation);  // nothing will be sent
    throw;
  }
  return ticket;
}

void finish_cloud_request(const Egress& egress, CloudTicket& ticket, int64_t prompt_tokens, int64_t completion_tokens,
                          const std::string& outcome) {
  AuditEntry& e = ticket.entry;
  e.prompt_tokens = prompt_tokens;
  e.completion_tokens = completion_tokens;
  e.cost_usd = egress.prices.cost_usd(e.cloud_model, prompt_tokens, completion_tokens);
  e.outcome = outcome;
  // The record first: a budget store that is down (Redis) must not cost the
  // audit trail its completion; an unsettled hold only over-counts the budget.
  egress.audit.append_completion(ticket.audit_seq, e);
  egress.budgets.commit(ticket.reservation, prompt_tokens + completion_tokens, e.cost_usd);
}

}  // namespace hearth::gateway

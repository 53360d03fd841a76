// The gateway's one door to a cloud: what must happen, in order, before a
// request body leaves (begin_cloud_request) and after its answer is in
// (finish_cloud_request). The proxy calls these at its cloud hook and sends
// nothing if begin throws.
//
//   begin:  1. redact the body in place (redact.h)           -> counts per rule
//           2. price the worst case: prompt estimate + max_tokens (prices.h)
//           3. reserve that against the key's daily budget (budget.h)
//                -> BudgetExceeded (answer 429) when it would pass a cap,
//                   BudgetStoreUnavailable (503) when the counters cannot be reached
//           4. append the "request" audit record, fsync'd (audit.h)
//                -> on failure the reservation is released and the error rethrown
//   finish: 5. cost of the actual counts; append the "completion" record
//              (final counts, cost, outcome)
//           6. commit the counts to the budget (after the record: a budget
//              store that is down leaves the hold in place, over-counting)
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "gateway/audit.h"
#include "gateway/budget.h"
#include "gateway/prices.h"
#include "gateway/redact.h"

namespace hearth::gateway {

// A key's daily budget would be passed: refuse the request (HTTP 429).
class BudgetExceeded : public Error {
 public:
  using Error::Error;
};

// The pieces a cloud request goes through; all must outlive the calls.
struct Egress {
  const Redactor& redactor;
  const PriceTable& prices;
  Budgets& budgets;
  AuditLog& audit;
};

struct EgressRequest {
  std::string key_id, route, model, cloud, cloud_model;
  int64_t prompt_tokens_estimate = 0;  // the gateway's estimate (the cloud's tokenizer is not ours)
  int64_t max_tokens = 0;              // the completion cap sent to the cloud
};

// A request on its way; settle it with finish_cloud_request exactly once.
struct CloudTicket {
  uint64_t audit_seq = 0;
  int64_t worst_prompt_tokens = 0;      // the reserved worst case: the prompt estimate...
  int64_t worst_completion_tokens = 0;  // ...and the completion cap sent
  Reservation reservation;
  AuditEntry entry;  // as audited (redaction counts, request hash)
};

// Steps 1-4 above. `body` is redacted in place; send exactly body.dump(),
// whose SHA-256 is the audited request_hash.
// Throws BudgetExceeded, FormatError (no price for the cloud model, a bad
// body), IoError (the audit log could not be written) — and then nothing
// may be sent.
CloudTicket begin_cloud_request(const Egress& egress, const EgressRequest& request, nlohmann::json& body);

// Steps 5-6: the cloud's reported usage (0 and 0 when it failed before
// answering) and the outcome ("ok", or what went wrong).
void finish_cloud_request(const Egress& egress, CloudTicket& ticket, int64_t prompt_tokens, int64_t completion_tokens,
                          const std::string& outcome);

}  // namespace hearth::gateway

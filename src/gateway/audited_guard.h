// The CloudGuard the gateway runs when [audit] is configured: every cloud
// request goes through begin_cloud_request (egress.h: redaction, worst-case
// price, budget reservation, fsync'd audit record) before it is sent, and
// finish_cloud_request (actual counts, cost, completion record) once its
// answer is in.
//
//   before_send: the body is parsed, gets max_tokens = `default_max_tokens`
//     when it names neither max_tokens nor max_completion_tokens (the budget
//     reserves the cap that is sent, so the cloud cannot pass it; embeddings
//     get none), is redacted and re-serialised: request.body becomes exactly
//     the audited body.dump(). The prompt is estimated at one token per 4
//     bytes of the body. Refusals (nothing sent):
//       429  the key's daily budget would be passed (BudgetExceeded)
//       503  the audit record could not be written (IoError)
//       400  a body that is not a JSON object, or a cloud model with no price
//   after_response: usage from the answer (cloud_usage.h; the gateway asks
//     for a stream's usage, stream_usage.h); the outcome is "ok", "HTTP
//     <status>" or "no response" (nothing charged for either), or "usage
//     unknown" when a 2xx/3xx answer carried no usage: then the reserved
//     worst case (prompt estimate + completion cap) is charged and recorded,
//     so a budget never leaks. Returns the charge. A failure to write the
//     completion record is reported on stderr: the answer has already gone.
//
// Thread-safe: the per-request ticket lives in CloudRequest::guard_state.
#pragma once

#include <cstdint>
#include <memory>

#include "gateway/cloud_guard.h"
#include "gateway/config.h"
#include "gateway/egress.h"

namespace hearth::gateway {

class AuditedCloudGuard final : public CloudGuard {
 public:
  // `egress`'s pieces must outlive the guard, unless `owner` keeps them alive.
  AuditedCloudGuard(Egress egress, int64_t default_max_tokens, std::shared_ptr<const void> owner = nullptr);

  CloudVerdict before_send(CloudRequest& request) override;
  CloudCharge after_response(const CloudRequest& request, int status, const std::string& body) override;
  void set_key_budget(const std::string& key_id, const BudgetLimit& limit) override;

 private:
  Egress egress_;
  int64_t default_max_tokens_;
  std::shared_ptr<const void> owner_;
};

// The guard for a configuration's [audit], [redaction] and [budgets]: opens
// the audit log, loads the price file (or the built-in prices), compiles the
// redaction rules, sets the daily caps of key "" (requests without a gateway
// key) and, with [keys], of each key in the key file (its "budget").
// Throws what those throw (IoError, FormatError naming the file or rule).
std::shared_ptr<CloudGuard> make_audited_guard(const GatewayConfig& config);

// What make_audited_guard would build, short of opening the audit log: the
// redaction rules compile and the price file loads (for --check). Throws the same.
void check_audited_guard(const GatewayConfig& config);

}  // namespace hearth::gateway

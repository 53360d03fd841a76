// The hook at the one point where a request is about to leave for a cloud
// upstream. The gateway calls before_send() on every cloud attempt, after
// the model was mapped to its cloud name and before any byte goes out; a
// guard may rewrite the body (redaction), refuse the request (a budget is
// spent) or record it (the audit log, fsync'd before returning), and hears
// the outcome in after_response(). The default guard lets everything pass.
//
// MERGE POINT (issue #7, audit/redact/budget): wire the audit log,
// redaction and per-key budgets in as a CloudGuard given to the Gateway.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hearth::gateway {

struct BudgetLimit;  // budget.h

struct CloudRequest {
  std::string cloud;        // [[clouds]] name
  std::string path;         // e.g. /v1/chat/completions
  std::string local_model;  // as the client named it
  std::string cloud_model;  // as the cloud is asked
  std::string route;        // the matching route's model pattern
  std::string api_key_id;   // the gateway key's id ("" without keys)
  std::string body;         // the JSON about to be sent (a guard may rewrite it)
  std::shared_ptr<void> guard_state;  // the guard's own per-request state (opaque to the gateway)
};

// What a settled cloud answer was charged (the gateway's per-key metrics).
struct CloudCharge {
  int64_t tokens = 0;  // prompt + completion
  double usd = 0;
};

struct CloudVerdict {
  bool allowed = true;
  int status = 403;     // when refused: the HTTP status for the client
  std::string reason;   // when refused: said to the client
};

class CloudGuard {
 public:
  virtual ~CloudGuard() = default;
  virtual CloudVerdict before_send(CloudRequest& request) {
    (void)request;
    return {};
  }
  // status: the cloud's HTTP status (0: no response); body: the whole
  // answer when not streamed, else the stream as the cloud sent it (with
  // the usage chunk the gateway asked for). Returns what was charged.
  virtual CloudCharge after_response(const CloudRequest& request, int status, const std::string& body) {
    (void)request, (void)status, (void)body;
    return {};
  }
  // The daily caps of gateway key `key_id` (its "budget" in the key file),
  // told again whenever the key file is reloaded, before the key can be used.
  virtual void set_key_budget(const std::string& key_id, const BudgetLimit& limit) { (void)key_id, (void)limit; }
};

}  // namespace hearth::gateway

// GET /metrics: Prometheus text exposition (format 0.0.4).
//
//   hearth_http_requests_total{route,status}            counter  every answered request; route is the
//                                                                 registered path ("other" for unknown
//                                                                 paths), status the final one (a streamed
//                                                                 or buffered body counts when it ends;
//                                                                 499 when the client went away first)
//   hearth_prompt_tokens_total{model}                   counter  prompt tokens evaluated
//   hearth_generated_tokens_total{model}                counter  tokens generated
//   hearth_embedding_inputs_total{model}                counter  embedding inputs pooled
//   hearth_queue_depth{model}                           gauge    requests waiting
//   hearth_running_sequences{model}                     gauge    sequences in the running batch
//   hearth_kv_cells_used{model}, hearth_kv_cells_total{model}   gauge
//   hearth_time_to_first_token_seconds{model}           histogram  submit -> first token (server side)
//   hearth_inter_token_latency_seconds{model}           histogram  token -> next token of a sequence
//   hearth_model_load_seconds{model}                    gauge    time to load weights, tokenizer, KV
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/http_types.h"
#include "server/model_service.h"

namespace hearth::server {

// Requests by (route, status); thread-safe.
class RequestCounter {
 public:
  void add(const std::string& route, int status);
  std::map<std::pair<std::string, int>, uint64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
};

// Counts `reply` under `route`: now for a complete reply, when its body
// ends (or is cancelled: 499) for one with a BodySource.
HttpReply counted(const std::shared_ptr<RequestCounter>& counter, const std::string& route, HttpReply reply);

// The exposition text for the requests and every model served.
std::string render_metrics(const RequestCounter& requests, const std::vector<const ModelService*>& models);

// A reply carrying the exposition text (Content-Type text/plain; version=0.0.4).
HttpReply metrics_reply(const RequestCounter& requests, const std::vector<const ModelService*>& models);

}  // namespace hearth::server

// Routes over a model named in the request. A dialect handler keeps the
// single-model signature
//     HttpReply fn(ModelService& model, const HttpRequest& req)
// and model_route() turns it into a route handler that
//   1. reads which model the request names (`pick`; 400 when it names none),
//   2. leases it from the registry (404 naming the available models when
//      unknown); a loaded model answers at once, on the I/O thread;
//   3. a model that must first be loaded is loaded on the registry's thread:
//      the reply is deferred (HttpReply::deferred), so the I/O thread keeps
//      serving other models' streams, and fn runs on the registry's thread;
//   4. the lease rides with the reply's body until it is fully sent, so a
//      model is never unloaded under a running request.
// Errors from any step become error replies in the route's dialect shape
// (`body`: api_error.h's error_body, anthropic::error_body, ...).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "server/api_error.h"
#include "server/http_types.h"
#include "server/model_registry.h"

namespace hearth::server {

// What a request asks for: a model, and its keep-alive where the dialect
// has one (Ollama's keep_alive).
struct ModelChoice {
  std::string name;
  std::optional<KeepAlive> keep_alive;
};

using ModelHandler = std::function<HttpReply(ModelService&, const HttpRequest&)>;
using ModelPicker = std::function<ModelChoice(const HttpRequest&)>;

// The "model" string of a JSON body (OpenAI, Anthropic, Ollama). Throws 400
// for a body that is not a JSON object or a missing / non-string model.
ModelChoice model_field(const HttpRequest& req);

// The same, where "model" may be left out when exactly one model can be
// served (llama-server's /tokenize and /detokenize have no model field).
ModelChoice model_field_or_only(const HttpRequest& req, ModelRegistry& registry);

Handler model_route(ModelRegistry& registry, ModelPicker pick, ModelHandler fn, int retry_after_s = 1,
                    ErrorBody body = error_body);

// The reply, holding `lease` until its body is complete and sent (a
// complete reply lets it go at once).
HttpReply hold_lease(HttpReply reply, ModelLease lease);

}  // namespace hearth::server

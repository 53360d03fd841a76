#include "server/model_route.h"

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace hearth::server {

namespace {

// Forwards to the real body and holds the model's lease for as long as the
// connection holds the body (until it is sent, or the client is gone).
class LeasedSource : public BodySource {
 public:
  LeasedSource(std::shared_ptr<BodySource> inner, ModelLease lease)
      : lease_(std::move(lease)), inner_(std::move(inner)) {}
  void start(std::function<void()> ready) override { inner_->start(std::move(ready)); }
  bool pull(std::string& out) override { return inner_->pull(out); }
  void cancel() override { inner_->cancel(); }
  int status() const override { return inner_->status(); }

 private:
  ModelLease lease_;                   // declared first: released after the body is gone
  std::shared_ptr<BodySource> inner_;
};

HttpReply answer(const ModelHandler& fn, ModelLease lease, const HttpRequest& req, int retry_after_s) {
  try {
    HttpReply reply = fn(*lease, req);  // before the lease moves into the reply
    return hold_lease(std::move(reply), std::move(lease));
  } catch (const std::exception& e) {
    return error_reply(to_api_error(e), retry_after_s);
  }
}

}  // namespace

HttpReply hold_lease(HttpReply reply, ModelLease lease) {
  if (reply.source) reply.source = std::make_shared<LeasedSource>(std::move(reply.source), std::move(lease));
  return reply;
}

ModelChoice model_field(const HttpRequest& req) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw bad_request(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  if (!body.contains("model")) throw bad_request("model is required (GET /v1/models lists them)", "model");
  if (!body["model"].is_string()) throw bad_request("model must be a string", "model");
  return {body["model"].get<std::string>(), std::nullopt};
}

Handler model_route(ModelRegistry& registry, ModelPicker pick, ModelHandler fn, int retry_after_s) {
  return [&registry, pick = std::move(pick), fn = std::move(fn), retry_after_s](const HttpRequest& req) {
    ModelChoice choice = pick(req);
    if (auto lease = registry.try_acquire(choice.name, choice.keep_alive)) {
      return answer(fn, std::move(*lease), req, retry_after_s);
    }
    HttpReply later;
    later.deferred = [&registry, choice = std::move(choice), fn, req, retry_after_s](std::function<void(HttpReply)> deliver) {
      registry.acquire_async(choice.name, choice.keep_alive,
                             [fn, req, retry_after_s, deliver = std::move(deliver)](ModelLease lease, std::exception_ptr error) {
                               if (!error) return deliver(answer(fn, std::move(lease), req, retry_after_s));
                               try {
                                 std::rethrow_exception(error);
                               } catch (const std::exception& e) {
                                 deliver(error_reply(to_api_error(e), retry_after_s));
                               }
                             });
    };
    return later;
  };
}

}  // namespace hearth::server

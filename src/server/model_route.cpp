#include "server/model_route.h"

#include "server/api_error.h"
#include "server/json_fields.h"

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

HttpReply answer(const ModelHandler& fn, ModelLease lease, const HttpRequest& req, int retry_after_s, ErrorBody body) {
  try {
    HttpReply reply = fn(*lease, req);  // before the lease moves into the reply
    return hold_lease(std::move(reply), std::move(lease));
  } catch (const std::exception& e) {
    return error_reply(to_api_error(e), retry_after_s, body);
  }
}

}  // namespace

HttpReply hold_lease(HttpReply reply, ModelLease lease) {
  if (reply.source) reply.source = std::make_shared<LeasedSource>(std::move(reply.source), std::move(lease));
  return reply;
}

ModelChoice model_field(const HttpRequest& req) {
  const Json body = parse_body(req.body);
  const auto name = Fields(body).string("model");
  if (!name) throw bad_request("model is required (GET /v1/models lists them)", "model");
  return {*name, std::nullopt};
}

ModelChoice model_field_or_only(const HttpRequest& req, ModelRegistry& registry) {
  const Json body = parse_body(req.body);
  if (const auto name = Fields(body).string("model")) return {*name, std::nullopt};
  const auto files = registry.available();
  if (files.size() != 1) throw bad_request("model is required when several models are served (GET /v1/models lists them)", "model");
  return {files.front().name, std::nullopt};
}

Handler model_route(ModelRegistry& registry, ModelPicker pick, ModelHandler fn, int retry_after_s, ErrorBody body) {
  return [&registry, pick = std::move(pick), fn = std::move(fn), retry_after_s, body](const HttpRequest& req) {
    ModelChoice choice = pick(req);
    if (auto lease = registry.try_acquire(choice.name, choice.keep_alive)) {
      return answer(fn, std::move(*lease), req, retry_after_s, body);
    }
    HttpReply later;
    later.deferred = [&registry, choice = std::move(choice), fn, req, retry_after_s, body](std::function<void(HttpReply)> deliver) {
      const auto asked = std::chrono::steady_clock::now();
      registry.acquire_async(choice.name, choice.keep_alive,
                             [fn, req, asked, retry_after_s, body, deliver = std::move(deliver)](ModelLease lease, std::exception_ptr error) {
                               if (!error) {
                                 HttpRequest loaded = req;
                                 loaded.model_load_wait = std::chrono::steady_clock::now() - asked;
                                 return deliver(answer(fn, std::move(lease), loaded, retry_after_s, body));
                               }
                               try {
                                 std::rethrow_exception(error);
                               } catch (const std::exception& e) {
                                 deliver(error_reply(to_api_error(e), retry_after_s, body));
                               }
                             });
    };
    return later;
  };
}

}  // namespace hearth::server

#include "server/generation_reply.h"

#include <atomic>

namespace hearth::server {

namespace {

// Drains one TokenStream through a Renderer. Lives on the connection's
// thread except for the `ready` bell.
class GenerationSource : public BodySource {
 public:
  GenerationSource(std::shared_ptr<engine::TokenStream> stream, std::vector<std::string> stops, bool streamed,
                   std::unique_ptr<Renderer> renderer, Clock::time_point received)
      : stream_(std::move(stream)), stops_(std::move(stops)), streamed_(streamed), renderer_(std::move(renderer)),
        received_(received) {}

  void start(std::function<void()> ready) override { stream_->set_notify(std::move(ready)); }
  void cancel() override { stream_->cancel(); }
  int status() const override { return status_; }

  bool pull(std::string& out) override {
    if (streamed_ && !opened_) {
      renderer_->open(out);
      opened_ = true;
    }
    while (auto ev = stream_->try_pop()) {
      if (!first_token_) first_token_ = Clock::now();
      if (ev->done) {
        finish(*ev, out);
        return false;
      }
      text_ += ev->text;
      renderer_->token(*ev, out);
    }
    return true;
  }

 private:
  void finish(engine::StreamEvent& ev, std::string& out) {
    using engine::FinishReason;
    if (ev.finish == FinishReason::cancelled) return;  // the client is gone
    if (ev.finish == FinishReason::error) {
      const ApiError e(500, "server_error", "generation failed: " + ev.error);
      status_ = 500;
      renderer_->fail(e, out);
      return;
    }
    const auto end = Clock::now();
    Outcome o;
    o.finish = ev.finish;
    if (ev.stop_index && *ev.stop_index < stops_.size()) o.stop_string = stops_[*ev.stop_index];
    o.prompt_tokens = ev.prompt_tokens;
    o.completion_tokens = ev.completion_tokens;
    o.text = std::move(text_) + ev.text;
    o.total = end - received_;
    o.prompt_eval = *first_token_ - received_;
    o.eval = end - *first_token_;
    renderer_->done(o, ev.text, out);
  }

  std::shared_ptr<engine::TokenStream> stream_;
  std::vector<std::string> stops_;
  bool streamed_;
  std::unique_ptr<Renderer> renderer_;
  Clock::time_point received_;
  std::optional<Clock::time_point> first_token_;
  bool opened_ = false;
  int status_ = 200;
  std::string text_;
};

}  // namespace

HttpReply generation_reply(ModelService& model, engine::GenerationRequest gen, const ReplyFormat& format,
                           std::unique_ptr<Renderer> renderer, Clock::time_point received) {
  std::vector<std::string> stops = gen.stops;
  auto stream = model.scheduler().submit(std::move(gen));
  HttpReply r;
  r.streamed = format.streamed;
  if (r.streamed) r.content_type = format.content_type;
  r.source = std::make_shared<GenerationSource>(std::move(stream), std::move(stops), format.streamed,
                                                std::move(renderer), received);
  return r;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_response_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  return std::string(prefix) + std::to_string(unix_now()) + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace hearth::server

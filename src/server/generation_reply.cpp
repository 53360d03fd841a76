#include "server/generation_reply.h"

#include <atomic>

namespace hearth::server {

namespace {

// Drains a request's TokenStreams (one per choice) through a Renderer.
// Lives on the connection's thread except for the `ready` bell.
class GenerationSource : public BodySource {
 public:
  GenerationSource(std::vector<std::shared_ptr<engine::TokenStream>> streams, std::vector<std::string> stops,
                   bool streamed, std::unique_ptr<Renderer> renderer, Clock::time_point received)
      : stops_(std::move(stops)), streamed_(streamed), renderer_(std::move(renderer)), received_(received) {
    for (auto& s : streams) choices_.push_back(Choice{std::move(s)});
  }

  void start(std::function<void()> ready) override {
    for (auto& c : choices_) c.stream->set_notify(ready);
  }
  void cancel() override {
    for (auto& c : choices_) c.stream->cancel();
  }
  int status() const override { return status_; }

  bool pull(std::string& out) override {
    if (streamed_ && !opened_) {
      renderer_->open(out);
      opened_ = true;
    }
    for (size_t i = 0; i < choices_.size() && !failed_; ++i) {
      Choice& c = choices_[i];
      while (!c.done) {
        auto ev = c.stream->try_pop();
        if (!ev) break;
        if (!c.first_token) c.first_token = Clock::now();
        if (ev->done) {
          finish(i, *ev, out);
          break;
        }
        c.text += ev->text;
        renderer_->token(i, *ev, out);
      }
    }
    if (failed_) return false;
    for (const auto& c : choices_) {
      if (!c.done) return true;
    }
    if (!cancelled_) renderer_->close(out);
    return false;
  }

 private:
  struct Choice {
    std::shared_ptr<engine::TokenStream> stream;
    std::string text;
    std::optional<Clock::time_point> first_token;
    bool done = false;
  };

  void finish(size_t index, engine::StreamEvent& ev, std::string& out) {
    using engine::FinishReason;
    Choice& c = choices_[index];
    c.done = true;
    if (ev.finish == FinishReason::cancelled) {  // the client is gone
      cancelled_ = true;
      return;
    }
    if (ev.finish == FinishReason::error) {
      const ApiError e(500, "server_error", "generation failed: " + ev.error);
      status_ = 500;
      failed_ = true;
      renderer_->fail(e, out);
      cancel();
      return;
    }
    const auto end = Clock::now();
    Outcome o;
    o.finish = ev.finish;
    if (ev.stop_index && *ev.stop_index < stops_.size()) o.stop_string = stops_[*ev.stop_index];
    o.prompt_tokens = ev.prompt_tokens;
    o.completion_tokens = ev.completion_tokens;
    o.cached_tokens = ev.cached_tokens;
    o.text = std::move(c.text) + ev.text;
    o.total = end - received_;
    o.prompt_eval = *c.first_token - received_;
    o.eval = end - *c.first_token;
    renderer_->done(index, o, ev.text, out);
  }

  std::vector<Choice> choices_;
  std::vector<std::string> stops_;
  bool streamed_;
  std::unique_ptr<Renderer> renderer_;
  Clock::time_point received_;
  bool opened_ = false, failed_ = false, cancelled_ = false;
  int status_ = 200;
};

}  // namespace

HttpReply generation_reply(ModelService& model, std::vector<engine::GenerationRequest> choices,
                           const ReplyFormat& format, std::unique_ptr<Renderer> renderer, Clock::time_point received) {
  if (choices.empty()) throw Error("generation_reply: no request to run");
  std::vector<std::string> stops = choices.front().stops;
  // All n choices or none, admitted into the same step.
  std::vector<std::shared_ptr<engine::TokenStream>> streams = model.scheduler().submit_all(std::move(choices));
  HttpReply r;
  r.streamed = format.streamed;
  if (r.streamed) r.content_type = format.content_type;
  r.source = std::make_shared<GenerationSource>(std::move(streams), std::move(stops), format.streamed,
                                                std::move(renderer), received);
  return r;
}

HttpReply generation_reply(ModelService& model, engine::GenerationRequest gen, const ReplyFormat& format,
                           std::unique_ptr<Renderer> renderer, Clock::time_point received) {
  std::vector<engine::GenerationRequest> one;
  one.push_back(std::move(gen));
  return generation_reply(model, std::move(one), format, std::move(renderer), received);
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

// One embeddings request's inputs running through the scheduler: a
// BodySource that submits the inputs a window at a time, collects each
// one's pooled vector, and renders the reply with the dialect's callbacks
// once every input is done (or the error, when one failed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/scheduler.h"
#include "server/http_types.h"

namespace hearth::server {

struct EmbeddingResults {
  std::vector<std::vector<float>> vectors;  // one per input, in input order
  int64_t prompt_tokens = 0;                // all inputs' tokens
};

struct EmbeddingRender {
  // The reply body once all inputs are embedded.
  std::function<std::string(const EmbeddingResults&)> done;
  // The error body (status 500) when an input failed, e.g. the server stopping.
  std::function<std::string(const std::string& message)> error;
};

class EmbeddingJob : public BodySource {
 public:
  // inputs: token ids, each already checked against the vocabulary and the
  // context. Submits the first window at once, so a full queue throws
  // QueueFullError here (before any reply is sent).
  EmbeddingJob(engine::Scheduler& sched, std::vector<std::vector<int32_t>> inputs, size_t window,
               EmbeddingRender render);

  void start(std::function<void()> ready) override;
  bool pull(std::string& out) override;
  void cancel() override;
  int status() const override { return status_; }

 private:
  void submit_next();

  engine::Scheduler& sched_;
  std::vector<std::vector<int32_t>> inputs_;
  size_t window_;
  EmbeddingRender render_;
  std::function<void()> ready_;
  std::vector<std::shared_ptr<engine::TokenStream>> streams_;  // one per submitted input
  EmbeddingResults results_;
  size_t n_done_ = 0;
  int status_ = 200;
};

}  // namespace hearth::server

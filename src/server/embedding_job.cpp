#include "server/embedding_job.h"

#include <algorithm>

namespace hearth::server {

EmbeddingJob::EmbeddingJob(engine::Scheduler& sched, std::vector<std::vector<int32_t>> inputs, size_t window,
                           EmbeddingRender render)
    : sched_(sched), inputs_(std::move(inputs)), window_(std::max<size_t>(1, window)), render_(std::move(render)) {
  results_.vectors.resize(inputs_.size());
  submit_next();
}

// Keeps up to window_ inputs submitted and not yet done.
void EmbeddingJob::submit_next() {
  while (streams_.size() < inputs_.size() && streams_.size() - n_done_ < window_) {
    engine::GenerationRequest r;
    r.prompt = inputs_[streams_.size()];
    r.embed = true;
    results_.prompt_tokens += static_cast<int64_t>(r.prompt.size());
    auto s = sched_.submit(std::move(r));
    if (ready_) s->set_notify(ready_);
    streams_.push_back(std::move(s));
  }
}

void EmbeddingJob::start(std::function<void()> ready) {
  ready_ = std::move(ready);
  for (auto& s : streams_) s->set_notify(ready_);
}

void EmbeddingJob::cancel() {
  for (auto& s : streams_) s->cancel();
}

bool EmbeddingJob::pull(std::string& out) {
  // Inputs finish in any order (a short one may overtake a long one).
  for (size_t i = 0; i < streams_.size(); ++i) {
    auto& vec = results_.vectors[i];
    if (!vec.empty()) continue;
    while (auto ev = streams_[i]->try_pop()) {
      if (!ev->done) continue;
      if (ev->finish != engine::FinishReason::stop || ev->embedding.empty()) {
        status_ = 500;
        cancel();
        out += render_.error("embedding input " + std::to_string(i) + " failed: " +
                             (ev->error.empty() ? engine::to_string(ev->finish) : ev->error));
        return false;
      }
      vec = std::move(ev->embedding);
      ++n_done_;
      break;
    }
  }
  if (n_done_ == inputs_.size()) {
    out += render_.done(results_);
    return false;
  }
  try {
    submit_next();
  } catch (const std::exception& e) {
    status_ = 503;
    cancel();
    out += render_.error(std::string("embedding inputs could not be queued: ") + e.what());
    return false;
  }
  return true;
}

}  // namespace hearth::server

// One sequence on one model: its own KV cells, positions, and prompt
// evaluation in batches. (The server's scheduler, which batches many
// sequences over one shared KvStore, builds on the same Forward.)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/forward.h"
#include "model/kv_store.h"
#include "model/model.h"

namespace hearth::engine {

class Session {
 public:
  // n_ctx: the most tokens this sequence may hold. max_batch: prompt tokens
  // per forward step (prefill runs in chunks of this size).
  Session(const model::Model& model, ThreadPool& pool, int64_t n_ctx,
          TensorType kv_type = TensorType::F16, int64_t max_batch = 512);

  // Appends `tokens` at the current position. Returns the logits of every
  // token when all_logits, else of the last one only: [rows][n_vocab],
  // valid until the next call on this session.
  // Throws ContextFullError (with both numbers) when they do not fit.
  const std::vector<float>& eval(std::span<const int32_t> tokens, bool all_logits = false);

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return kv_.n_cells(); }
  int64_t n_vocab() const { return model_.hparams().n_vocab; }
  const model::KvStore& kv() const { return kv_; }
  void reset();
  // Forgets every token from position n on (n <= n_past), so a chat can
  // re-use the KV of a shared prefix and evaluate only what changed.
  void truncate(int64_t n);
  // Times the phases of every decode step (one token) into `phases` from
  // now on; nullptr stops it (model/step_phases.h).
  void set_step_phases(model::StepPhases* phases) { forward_.set_step_phases(phases); }

 private:
  const model::Model& model_;
  model::KvStore kv_;
  model::Forward forward_;
  model::Batch batch_;
  int64_t max_batch_;
  int64_t n_past_ = 0;
  std::vector<float> logits_;
};

}  // namespace hearth::engine

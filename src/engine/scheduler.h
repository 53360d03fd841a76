// Continuous batching: many sequences, one model, one shared KV store.
//
// One engine thread owns the Forward and the KvStore. Each step it builds
// ONE batch from
//   - the next token of every decoding sequence (one row each), and
//   - up to prefill_chunk prompt tokens of sequences still prefilling
//     (chunked prefill: a long prompt never stalls the running streams),
// runs the forward pass once (the weights are read once for all of them),
// samples each sequence with its own Sampler and pushes the new token to
// that sequence's TokenStream. Requests join and leave between steps.
//
//   submit ──► waiting (bounded) ──► running (≤ max_running) ──► done
//                 │ QueueFullError       │ cells from the shared free list
//                 │ ContextFullError     │ freed at once on finish/cancel
//
// KV cells are taken one at a time from a free list over the whole store,
// so any one request may use the whole context while others are short. A
// sequence is admitted only when its reservation (prompt + max_tokens)
// fits beside the reservations of the running ones, so an admitted
// sequence always finishes; a request without max_tokens reserves the
// rest of the context. A request that could never fit throws
// ContextFullError with both numbers (never truncated).
//
// Embedding requests (GenerationRequest::embed) go through the same queue
// and batches: their prompt tokens are prefilled with want_hidden instead of
// logits, mean-pooled (engine/embedding.h), and the final event carries the
// embedding; they reserve just their prompt and generate nothing.
//
// Metrics (engine/metrics.h): token counters and the time-to-first-token
// and inter-token latency histograms are measured here, where tokens are
// produced.
//
// Determinism: the forward pass computes each token's row independently of
// the others in the batch and each sequence samples with its own seeded
// Sampler, so a seeded request gives the same tokens alone or batched.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/constraints.h"
#include "engine/metrics.h"
#include "engine/token_stream.h"
#include "gguf/tensor_type.h"
#include "model/forward.h"
#include "model/kv_store.h"
#include "model/model.h"
#include "sampling/params.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

// The waiting queue is full; retry later.
class QueueFullError : public Error {
 public:
  using Error::Error;
};

struct GenerationRequest {
  std::vector<int32_t> prompt;        // token ids, BOS included when the model wants it
  sampling::SamplingParams sampling;  // validated at submit
  std::vector<std::string> stops;     // stop strings (not shown in the output)
  int64_t max_tokens = -1;            // -1: until the context is full
  bool logprobs = false;              // report each token's logprob (+ sampling.n_probs alternatives)
  ResponseFormat format = ResponseFormat::text;  // json_object: the output is one JSON object, then it stops
  bool embed = false;                 // embed the prompt (pooled hidden states) instead of generating;
                                      // sampling, stops and max_tokens are ignored
};

struct SchedulerConfig {
  int64_t n_ctx = 2048;               // KV cells shared by all sequences
  int max_running = 8;                // sequences decoded together
  int64_t prefill_chunk = 256;        // prompt tokens per step, all prefilling sequences together
  size_t max_waiting = 64;            // queued requests beyond which submit throws QueueFullError
  TensorType kv_type = TensorType::F16;
};

class Scheduler {
 public:
  // model, tok and pool must outlive the scheduler. Starts the engine thread.
  Scheduler(const model::Model& model, const tokenizer::Tokenizer& tok, ThreadPool& pool,
            SchedulerConfig config);
  // Stops the engine thread; every open stream gets a final error event.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request. Throws ContextFullError (prompt + max_tokens does not
  // fit n_ctx: the message gives both numbers), QueueFullError, or
  // hearth::Error for an empty prompt, a token outside the vocabulary, bad
  // sampling params or an empty stop string.
  std::shared_ptr<TokenStream> submit(GenerationRequest request);

  int64_t n_ctx() const { return config_.n_ctx; }
  const SchedulerConfig& config() const { return config_; }

  struct Stats {
    size_t waiting = 0;
    size_t running = 0;
    int64_t cells_used = 0;  // KV cells holding a token now
    uint64_t steps = 0;      // forward passes run so far
    uint64_t cancelled = 0;  // sequences ended by cancel() so far
  };
  Stats stats() const;
  const SchedulerMetrics& metrics() const { return metrics_; }

 private:
  struct Sequence;

  void loop();
  void admit();
  void drop_cancelled();
  void build_batch();
  void run_step();
  void pool_hidden_states();
  void finish(Sequence& s, FinishReason why, std::string error = {});
  int64_t take_cell();
  int64_t reservation(const GenerationRequest& r) const;

  const model::Model& model_;
  const tokenizer::Tokenizer& tok_;
  SchedulerConfig config_;
  model::KvStore kv_;
  model::Forward forward_;
  model::Batch batch_;
  Constraints constraints_;  // sampler constraints of ResponseFormat, vocabulary built on first use

  // Shared with submit() (any thread), under mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  bool stopping_ = false;

  // Engine thread only.
  std::vector<std::unique_ptr<Sequence>> running_;
  std::vector<int64_t> free_cells_;  // stack; the lowest cell on top
  int64_t reserved_ = 0;             // sum of the running sequences' reservations
  std::vector<std::pair<Sequence*, int64_t>> rows_;  // logits row -> sequence
  std::vector<Sequence*> hidden_rows_;               // hidden-state row -> (embedding) sequence
  SchedulerMetrics metrics_;
  int32_t next_seq_id_ = 0;

  std::atomic<size_t> n_running_{0};
  std::atomic<int64_t> cells_used_{0};
  std::atomic<uint64_t> steps_{0};
  std::atomic<uint64_t> cancelled_{0};
  std::thread thread_;
};

}  // namespace hearth::engine

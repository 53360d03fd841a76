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
//                 │ QueueFullError   ▲     │ KV blocks from the shared pool,
//                 │ ContextFullError │     │ released at once on finish/cancel
//                                    └─────┘ preempted (store exhausted): back to the queue's head
//
// Paged KV (engine/kv_blocks.h): the store is cut into blocks of
// kv_block cells shared by all sequences; each sequence holds a block table
// that grows one block at a time, so any one request may use the whole
// context while others are short.
//
// Prefix caching: every full block of computed keys/values is published
// under the hash of its tokens chained with its prefix's. An admitted
// sequence first takes the longest run of published blocks matching its
// tokens (all but the last token: that one must be evaluated for logits)
// and computes only the rest. Released blocks stay cached until the free
// list runs dry; then the least recently released is evicted. The number of
// prompt tokens served from the cache is reported on the final event.
//
// Admission and preemption (never truncation, never deadlock):
//   - a waiting sequence is admitted, in arrival order, when a decode slot
//     is free and the blocks not yet in use cover its uncached tokens plus
//     the one it will generate next (no reservation of max_tokens: a
//     request without max_tokens does not hold the context for itself);
//   - each step the running sequences grow in arrival order, oldest first;
//     when no block is left, the YOUNGEST running sequence is preempted:
//     its blocks are released (the full ones stay cached), it keeps its
//     sampler, stop matcher and tokens so far, and it goes back to the head
//     of the queue; when re-admitted it recomputes (mostly from the prefix
//     cache) and continues exactly where it stopped;
//   - so the oldest running sequence always progresses (it can take every
//     block, since prompt + max_tokens <= n_ctx), every sequence becomes
//     the oldest in turn, and every admitted request finishes.
// A request that could never fit (prompt + max_tokens > n_ctx) throws
// ContextFullError with both numbers (never truncated).
//
// Embedding requests (GenerationRequest::embed) go through the same queue
// and batches: every prompt token is evaluated with want_hidden instead of
// logits (no prefix-cache hits: the cache keeps keys and values, not hidden
// states), mean-pooled (engine/embedding.h), and the final event carries the
// embedding; they generate nothing.
//
// Metrics (engine/metrics.h): token counters and the time-to-first-token
// and inter-token latency histograms are measured here, where tokens are
// produced.
//
// Determinism: the forward pass computes each token's row bit-identically
// whatever else is in the batch (matmul is batch-invariant, attention reads
// a sequence's cells in position order) and each sequence samples with its
// own seeded Sampler, so a seeded request gives the same tokens alone,
// batched, resumed after preemption, or served from the prefix cache.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/constraints.h"
#include "engine/kv_blocks.h"
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
  int64_t n_ctx = 2048;               // KV cells shared by all sequences (the most one sequence may use)
  int max_running = 8;                // sequences decoded together
  int64_t prefill_chunk = 256;        // prompt tokens per step, all prefilling sequences together
  size_t max_waiting = 64;            // queued requests beyond which submit throws QueueFullError
  TensorType kv_type = TensorType::F16;
  int64_t kv_block = 16;              // cells per KV block (the store is rounded up to whole blocks)
  bool prefix_cache = true;           // reuse the KV blocks of earlier identical prefixes
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
  // Queues several requests as one: all are validated first and enqueued
  // under one lock, so either every one is queued or none is (the same
  // errors as submit; QueueFullError when they do not all fit), and the
  // engine admits them together into one step — the n choices of one API
  // request, or a benchmark's streams "submitted at once", start side by side
  // instead of the first ones racing ahead of the rest. Streams in order.
  std::vector<std::shared_ptr<TokenStream>> submit_all(std::vector<GenerationRequest> requests);

  int64_t n_ctx() const { return config_.n_ctx; }
  const SchedulerConfig& config() const { return config_; }

  struct Stats {
    size_t waiting = 0;        // queued: new requests and preempted sequences
    size_t running = 0;
    int64_t cells_used = 0;    // KV cells in blocks held by sequences (whole blocks)
    uint64_t steps = 0;        // forward passes run so far
    uint64_t cancelled = 0;    // sequences ended by cancel() so far
    int64_t cells_cached = 0;  // KV cells in released blocks kept for the prefix cache
    uint64_t preempted = 0;    // preemptions so far (a sequence sent back to the queue)
    uint64_t cached_tokens = 0;  // prompt tokens served from the prefix cache so far
  };
  Stats stats() const;
  const SchedulerMetrics& metrics() const { return metrics_; }

 private:
  struct Sequence;

  // submit's checks; the sequence it would queue. Throws as submit does.
  std::unique_ptr<Sequence> prepare(GenerationRequest request);
  void loop();
  void admit();
  bool start(Sequence& s);
  void drop_cancelled();
  void plan_step();
  bool grow(Sequence& s, int64_t n_positions);
  void preempt_youngest();
  void build_batch();
  void run_step();
  void after_step();
  void pool_hidden_states();
  void sample(Sequence& s, std::span<const float> logits);
  void release(Sequence& s);
  void finish(Sequence& s, FinishReason why, std::string error = {});
  void publish_stats();

  const model::Model& model_;
  const tokenizer::Tokenizer& tok_;
  SchedulerConfig config_;
  KvBlocks blocks_;
  model::KvStore kv_;
  model::Forward forward_;
  model::Batch batch_;
  Constraints constraints_;  // sampler constraints of ResponseFormat, vocabulary built on first use

  // Shared with submit() (any thread), under mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  bool stopping_ = false;
  uint64_t next_order_ = 0;

  // Engine thread only.
  std::vector<std::unique_ptr<Sequence>> running_;    // in arrival order, oldest first
  std::deque<std::unique_ptr<Sequence>> preempted_;  // in arrival order; admitted before waiting_
  std::vector<Sequence*> rows_;                       // logits row -> sequence
  std::vector<Sequence*> hidden_rows_;                // hidden-state row -> (embedding) sequence
  SchedulerMetrics metrics_;
  int32_t next_seq_id_ = 0;

  std::atomic<size_t> n_running_{0};
  std::atomic<size_t> n_preempted_now_{0};
  std::atomic<int64_t> cells_used_{0};
  std::atomic<int64_t> cells_cached_{0};
  std::atomic<uint64_t> steps_{0};
  std::atomic<uint64_t> cancelled_{0};
  std::atomic<uint64_t> preempted_total_{0};
  std::atomic<uint64_t> cached_tokens_{0};
  std::thread thread_;
};

}  // namespace hearth::engine

#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>

#include "engine/embedding.h"
#include "engine/generation.h"
#include "sampling/logprobs.h"
#include "sampling/sampler.h"
#include "sampling/stop_matcher.h"

namespace hearth::engine {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

struct Scheduler::Sequence {
  Sequence(GenerationRequest r, int64_t reserve, int64_t n_embd)
      : req(std::move(r)), sampler(req.sampling), stop(req.stops), reserved(reserve),
        stream(std::make_shared<TokenStream>()) {
    if (req.embed) pool.emplace(n_embd);
  }

  GenerationRequest req;
  sampling::Sampler sampler;
  sampling::StopMatcher stop;
  int64_t reserved;                    // cells counted against the context at admission
  std::shared_ptr<TokenStream> stream;
  int32_t id = -1;                     // KV sequence tag
  std::vector<int64_t> cells;          // cells[pos]: where position pos lives
  int64_t n_prefilled = 0;             // prompt tokens in the KV store
  int64_t n_generated = 0;
  int32_t last = -1;                   // last sampled token, next to evaluate
  bool done = false;
  std::optional<MeanPool> pool;        // embedding requests: hidden states summed so far
  Clock::time_point submitted = Clock::now(), last_token_at;

  bool prefilling() const { return n_prefilled < static_cast<int64_t>(req.prompt.size()); }
};

Scheduler::Scheduler(const model::Model& model, const tokenizer::Tokenizer& tok, ThreadPool& pool,
                     SchedulerConfig config)
    : model_(model), tok_(tok), config_(config), kv_(model.hparams(), config.n_ctx, config.kv_type),
      forward_(model, pool), constraints_(tok) {
  if (config_.max_running < 1 || config_.prefill_chunk < 1) {
    throw Error("scheduler: max_running and prefill_chunk must be >= 1");
  }
  free_cells_.reserve(static_cast<size_t>(config_.n_ctx));
  for (int64_t c = config_.n_ctx - 1; c >= 0; --c) free_cells_.push_back(c);
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (auto& s : running_) finish(*s, FinishReason::error, "the server is shutting down");
  for (auto& s : waiting_) finish(*s, FinishReason::error, "the server is shutting down");
}

int64_t Scheduler::reservation(const GenerationRequest& r) const {
  const auto n_prompt = static_cast<int64_t>(r.prompt.size());
  if (r.embed) return n_prompt;
  return r.max_tokens < 0 ? config_.n_ctx : n_prompt + r.max_tokens;
}

std::shared_ptr<TokenStream> Scheduler::submit(GenerationRequest request) {
  const auto n_prompt = static_cast<int64_t>(request.prompt.size());
  if (n_prompt == 0) throw Error("the prompt is empty (0 tokens)");
  const int64_t n_vocab = model_.hparams().n_vocab;
  for (const int32_t t : request.prompt) {
    if (t < 0 || t >= n_vocab) {
      throw Error("token id " + std::to_string(t) + " is outside the vocabulary (0.." +
                  std::to_string(n_vocab - 1) + ")");
    }
  }
  if (request.embed && n_prompt > config_.n_ctx) {
    throw ContextFullError("the input is " + std::to_string(n_prompt) + " tokens but the context holds " +
                           std::to_string(config_.n_ctx));
  }
  if (!request.embed && request.max_tokens >= 0 && n_prompt + request.max_tokens > config_.n_ctx) {
    throw ContextFullError("the request needs " + std::to_string(n_prompt + request.max_tokens) +
                           " tokens of context (" + std::to_string(n_prompt) + " prompt + " +
                           std::to_string(request.max_tokens) + " max_tokens) but the context holds " +
                           std::to_string(config_.n_ctx));
  }
  if (!request.embed && n_prompt >= config_.n_ctx) {
    throw ContextFullError("the prompt is " + std::to_string(n_prompt) +
                           " tokens but the context holds " + std::to_string(config_.n_ctx) +
                           " (at least one more is needed to generate)");
  }
  const int64_t reserve = reservation(request);
  auto seq = std::make_unique<Sequence>(std::move(request), reserve, model_.hparams().n_embd);  // validates sampling and stops
  seq->sampler.set_constraint(constraints_.make(seq->req.format, reserve - n_prompt));
  auto stream = seq->stream;
  {
    std::lock_guard lock(mu_);
    if (waiting_.size() >= config_.max_waiting) {
      throw QueueFullError("the request queue is full (" + std::to_string(config_.max_waiting) +
                           " waiting); retry shortly");
    }
    waiting_.push_back(std::move(seq));
  }
  wake_.notify_all();
  return stream;
}

Scheduler::Stats Scheduler::stats() const {
  Stats st;
  {
    std::lock_guard lock(mu_);
    st.waiting = waiting_.size();
  }
  st.running = n_running_.load();
  st.cells_used = cells_used_.load();
  st.steps = steps_.load();
  st.cancelled = cancelled_.load();
  return st;
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !running_.empty(); });
      if (stopping_) return;
    }
    drop_cancelled();
    admit();
    if (running_.empty()) continue;
    try {
      run_step();
    } catch (const std::exception& e) {
      // A failure of the step itself (not of one request) ends every running
      // sequence with the reason; the server stays up for the next ones.
      for (auto& s : running_) finish(*s, FinishReason::error, e.what());
    }
    std::erase_if(running_, [](const auto& s) { return s->done; });
  }
}

// Moves waiting requests to running, in arrival order, while their
// reservations fit. A cancelled waiting request is dropped here too.
void Scheduler::admit() {
  std::lock_guard lock(mu_);
  while (!waiting_.empty() && static_cast<int>(running_.size()) < config_.max_running) {
    auto& s = waiting_.front();
    if (s->stream->cancelled()) {
      finish(*s, FinishReason::cancelled);
      waiting_.pop_front();
      continue;
    }
    if (reserved_ + s->reserved > config_.n_ctx) break;  // first come, first served: wait
    reserved_ += s->reserved;
    s->id = next_seq_id_;
    next_seq_id_ = next_seq_id_ == INT32_MAX ? 0 : next_seq_id_ + 1;
    running_.push_back(std::move(s));
    waiting_.pop_front();
    n_running_.fetch_add(1);
  }
}

void Scheduler::drop_cancelled() {
  for (auto& s : running_) {
    if (s->stream->cancelled()) finish(*s, FinishReason::cancelled);
  }
  std::erase_if(running_, [](const auto& s) { return s->done; });
}

int64_t Scheduler::take_cell() {
  // Reservations guarantee a free cell; an empty list is a bug.
  if (free_cells_.empty()) throw Error("scheduler: KV store exhausted despite reservations");
  const int64_t c = free_cells_.back();
  free_cells_.pop_back();
  cells_used_.fetch_add(1);
  return c;
}

// Decode rows first (one per decoding sequence), then prompt chunks up to
// prefill_chunk tokens in total; only a prompt's last token wants logits.
void Scheduler::build_batch() {
  batch_.clear();
  rows_.clear();
  hidden_rows_.clear();
  for (auto& s : running_) {
    if (s->prefilling()) continue;
    const auto pos = static_cast<int64_t>(s->cells.size());
    const int64_t cell = take_cell();
    kv_.assign(cell, s->id, pos);
    s->cells.push_back(cell);
    batch_.add(s->last, pos, s->id, cell, true);
    rows_.emplace_back(s.get(), -1);
  }
  int64_t budget = config_.prefill_chunk;
  for (auto& s : running_) {
    if (budget == 0) break;
    if (!s->prefilling()) continue;
    const auto n_prompt = static_cast<int64_t>(s->req.prompt.size());
    const int64_t take = std::min(budget, n_prompt - s->n_prefilled);
    for (int64_t i = 0; i < take; ++i) {
      const int64_t pos = s->n_prefilled + i;
      const int64_t cell = take_cell();
      kv_.assign(cell, s->id, pos);
      s->cells.push_back(cell);
      const bool last = pos == n_prompt - 1;
      const bool embed = s->req.embed;
      batch_.add(s->req.prompt[static_cast<size_t>(pos)], pos, s->id, cell, last && !embed, embed);
      if (embed) {
        hidden_rows_.push_back(s.get());
      } else if (last) {
        rows_.emplace_back(s.get(), -1);
      }
    }
    s->n_prefilled += take;
    metrics_.prompt_tokens.fetch_add(static_cast<uint64_t>(take));
    budget -= take;
  }
}

void Scheduler::run_step() {
  build_batch();
  const std::vector<float>& logits = forward_.run(batch_, kv_);
  steps_.fetch_add(1);
  pool_hidden_states();
  const int64_t n_vocab = model_.hparams().n_vocab;
  for (size_t r = 0; r < rows_.size(); ++r) {
    Sequence& s = *rows_[r].first;
    const std::span<const float> row(logits.data() + static_cast<int64_t>(r) * n_vocab,
                                     static_cast<size_t>(n_vocab));
    try {
      const int32_t t = s.sampler.sample(row);
      s.sampler.accept(t);
      if (ends_generation(tok_, t)) {
        finish(s, FinishReason::stop);
        continue;
      }
      ++s.n_generated;
      const auto now = Clock::now();
      (s.n_generated == 1 ? metrics_.time_to_first_token : metrics_.inter_token_latency)
          .observe(seconds_between(s.n_generated == 1 ? s.submitted : s.last_token_at, now));
      s.last_token_at = now;
      metrics_.generated_tokens.fetch_add(1);
      StreamEvent ev;
      ev.token = t;
      if (s.req.logprobs) {
        ev.logprobs = sampling::token_logprobs(row, t, static_cast<size_t>(s.req.sampling.n_probs));
      }
      auto out = s.stop.push(tok_.token_to_piece(t));
      ev.text = std::move(out.text);
      s.stream->push(std::move(ev));
      s.last = t;
      if (out.stop || s.sampler.constraint_done()) {  // a stop string, or the JSON object is complete
        finish(s, FinishReason::stop);
      } else if (s.req.max_tokens >= 0 && s.n_generated >= s.req.max_tokens) {
        finish(s, FinishReason::length);
      } else if (static_cast<int64_t>(s.cells.size()) >= config_.n_ctx) {
        finish(s, FinishReason::length);
      }
    } catch (const std::exception& e) {
      finish(s, FinishReason::error, e.what());
    }
  }
}

// Adds each hidden-state row to its embedding sequence; a sequence whose
// whole input is in finishes with the pooled vector.
void Scheduler::pool_hidden_states() {
  const std::vector<float>& hidden = forward_.hidden();
  const auto E = static_cast<size_t>(model_.hparams().n_embd);
  for (size_t r = 0; r < hidden_rows_.size(); ++r) {
    Sequence& s = *hidden_rows_[r];
    s.pool->add(std::span<const float>(hidden.data() + r * E, E));
    if (s.pool->count() == static_cast<int64_t>(s.req.prompt.size())) {
      metrics_.embedded_inputs.fetch_add(1);
      finish(s, FinishReason::stop);
    }
  }
}

// Frees the sequence's cells and reservation at once and sends the final
// event (with the held-back text when it ended without a stop string).
void Scheduler::finish(Sequence& s, FinishReason why, std::string error) {
  if (s.done) return;
  s.done = true;
  for (const int64_t c : s.cells) {
    kv_.free_cell(c);
    free_cells_.push_back(c);
  }
  cells_used_.fetch_sub(static_cast<int64_t>(s.cells.size()));
  s.cells.clear();
  if (why == FinishReason::cancelled) cancelled_.fetch_add(1);
  if (s.id >= 0) {  // it was running
    reserved_ -= s.reserved;
    n_running_.fetch_sub(1);
  }
  StreamEvent ev;
  ev.done = true;
  ev.finish = why;
  ev.error = std::move(error);
  if (why == FinishReason::stop || why == FinishReason::length) ev.text = s.stop.flush();
  if (why == FinishReason::stop) ev.stop_index = s.stop.stopped();
  ev.prompt_tokens = static_cast<int64_t>(s.req.prompt.size());
  ev.completion_tokens = s.n_generated;
  if (s.pool && why == FinishReason::stop) ev.embedding = s.pool->normalised_mean();
  s.stream->push(std::move(ev));
}

}  // namespace hearth::engine

#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "engine/embedding.h"
#include "engine/generation.h"
#include "sampling/logprobs.h"
#include "sampling/sampler.h"
#include "sampling/stop_matcher.h"

namespace hearth::engine {

using Clock = std::chrono::steady_clock;

struct Scheduler::Sequence {
  Sequence(GenerationRequest r, int64_t width)
      : req(std::move(r)), sampler(req.sampling), stop(req.stops), tokens(req.prompt),
        stream(std::make_shared<TokenStream>()), n_embd(width) {
    if (req.embed) pool.emplace(width);
  }

  GenerationRequest req;
  sampling::Sampler sampler;
  sampling::StopMatcher stop;
  std::vector<int32_t> tokens;         // prompt, then every sampled token once accepted
  std::shared_ptr<TokenStream> stream;
  uint64_t order = 0;                  // arrival: smaller is older
  int32_t id = -1;                     // KV sequence tag, set at first admission
  std::vector<int32_t> blocks;         // block table: positions [i*B, (i+1)*B) live in blocks[i]
  std::vector<int64_t> cells;          // cells[p]: where position p lives (the table expanded)
  int64_t n_computed = 0;              // leading positions whose keys/values are in the store
  int64_t n_published = 0;             // leading blocks offered to the prefix cache
  uint64_t tail_hash = KvBlocks::kRootHash;  // chain hash of blocks [0, n_published)
  int64_t n_generated = 0;
  int64_t cached_tokens = -1;          // prompt tokens from the prefix cache at first admission
  int64_t take = 0;                    // tokens to evaluate this step
  bool running = false;
  bool done = false;
  int64_t n_embd;
  std::optional<MeanPool> pool;        // embedding requests: hidden states summed so far
  Clock::time_point submitted = Clock::now(), last_token_at;

  // Tokens known but not yet in the store: 1 while decoding, more while
  // (re)filling a prompt.
  int64_t pending() const { return static_cast<int64_t>(tokens.size()) - n_computed; }
};

namespace {

int64_t blocks_for(int64_t cells, int64_t block) { return (cells + block - 1) / block; }

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

Scheduler::Scheduler(const model::Model& model, const tokenizer::Tokenizer& tok, ThreadPool& pool,
                     SchedulerConfig config)
    : model_(model), tok_(tok), config_(config),
      blocks_(blocks_for(std::max<int64_t>(config.n_ctx, 1), std::max<int64_t>(config.kv_block, 1)),
              std::max<int64_t>(config.kv_block, 1)),
      kv_(model.hparams(), blocks_.n_blocks() * blocks_.block_size(), config.kv_type), forward_(model, pool),
      constraints_(tok) {
  if (config_.max_running < 1 || config_.prefill_chunk < 1 || config_.n_ctx < 1 || config_.kv_block < 1) {
    throw Error("scheduler: n_ctx, max_running, prefill_chunk and kv_block must be >= 1");
  }
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
  for (auto& s : preempted_) finish(*s, FinishReason::error, "the server is shutting down");
  for (auto& s : waiting_) finish(*s, FinishReason::error, "the server is shutting down");
}

std::unique_ptr<Scheduler::Sequence> Scheduler::prepare(GenerationRequest request) {
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
  // The most tokens it may generate: a constraint (JSON mode) closes its
  // output within them.
  const int64_t budget = request.max_tokens >= 0 ? request.max_tokens : config_.n_ctx - n_prompt;
  auto seq = std::make_unique<Sequence>(std::move(request), model_.hparams().n_embd);  // validates sampling and stops
  seq->sampler.set_constraint(constraints_.make(seq->req.format, budget));
  return seq;
}

std::shared_ptr<TokenStream> Scheduler::submit(GenerationRequest request) {
  std::vector<GenerationRequest> one;
  one.push_back(std::move(request));
  return submit_all(std::move(one)).front();
}

std::vector<std::shared_ptr<TokenStream>> Scheduler::submit_all(std::vector<GenerationRequest> requests) {
  std::vector<std::unique_ptr<Sequence>> seqs;
  seqs.reserve(requests.size());
  for (auto& r : requests) seqs.push_back(prepare(std::move(r)));
  std::vector<std::shared_ptr<TokenStream>> streams;
  streams.reserve(seqs.size());
  for (const auto& seq : seqs) streams.push_back(seq->stream);
  {
    std::lock_guard lock(mu_);
    if (waiting_.size() + seqs.size() > config_.max_waiting) {
      throw QueueFullError("the request queue is full (" + std::to_string(waiting_.size()) + " of " +
                           std::to_string(config_.max_waiting) + " waiting" +
                           (seqs.size() > 1 ? ", " + std::to_string(seqs.size()) + " to add" : std::string()) +
                           "); retry shortly");
    }
    for (auto& seq : seqs) {
      seq->order = next_order_++;
      waiting_.push_back(std::move(seq));
    }
  }
  wake_.notify_all();
  return streams;
}

Scheduler::Stats Scheduler::stats() const {
  Stats st;
  {
    std::lock_guard lock(mu_);
    st.waiting = waiting_.size();
  }
  st.waiting += n_preempted_now_.load();
  st.running = n_running_.load();
  st.cells_used = cells_used_.load();
  st.cells_cached = cells_cached_.load();
  st.steps = steps_.load();
  st.cancelled = cancelled_.load();
  st.preempted = preempted_total_.load();
  st.cached_tokens = cached_tokens_.load();
  return st;
}

void Scheduler::publish_stats() {
  cells_used_.store(blocks_.referenced() * blocks_.block_size());
  cells_cached_.store(blocks_.cached() * blocks_.block_size());
  n_running_.store(running_.size());
  n_preempted_now_.store(preempted_.size());
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !running_.empty() || !preempted_.empty(); });
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
    publish_stats();
  }
}

// Moves queued sequences to running, preempted ones first (they are older
// than any still waiting), in arrival order, while start() finds room. A
// cancelled queued sequence is dropped here.
void Scheduler::admit() {
  while (static_cast<int>(running_.size()) < config_.max_running) {
    std::unique_ptr<Sequence> s;
    const bool was_preempted = !preempted_.empty();
    if (was_preempted) {
      s = std::move(preempted_.front());
      preempted_.pop_front();
    } else {
      std::lock_guard lock(mu_);
      if (waiting_.empty()) break;
      s = std::move(waiting_.front());
      waiting_.pop_front();
    }
    if (s->stream->cancelled()) {
      finish(*s, FinishReason::cancelled);
      continue;
    }
    if (!start(*s)) {  // first come, first served: it stays at the head
      if (was_preempted) {
        preempted_.push_front(std::move(s));
      } else {
        std::lock_guard lock(mu_);
        waiting_.push_front(std::move(s));
      }
      break;
    }
    running_.push_back(std::move(s));
  }
  publish_stats();
}

// Takes the cached prefix of s's tokens, then checks that the free blocks
// cover the rest plus one generated token. False (nothing held) when not.
bool Scheduler::start(Sequence& s) {
  const int64_t B = blocks_.block_size();
  const auto n_tokens = static_cast<int64_t>(s.tokens.size());
  if (config_.prefix_cache && !s.req.embed) {
    // All but the last token may come from the cache: that one is evaluated
    // for its logits. (An embedding needs every token's hidden state, which
    // the cache does not keep.)
    const int64_t max_hits = (n_tokens - 1) / B;
    while (static_cast<int64_t>(s.blocks.size()) < max_hits) {
      const std::span<const int32_t> block(s.tokens.data() + static_cast<int64_t>(s.blocks.size()) * B,
                                           static_cast<size_t>(B));
      const int32_t b = blocks_.lookup(s.tail_hash, block);
      if (b < 0) break;
      s.blocks.push_back(b);
      s.tail_hash = KvBlocks::chain(s.tail_hash, block);
    }
  }
  const auto hits = static_cast<int64_t>(s.blocks.size());
  const int64_t need = blocks_for(std::min(n_tokens + 1, config_.n_ctx), B) - hits;
  if (need > blocks_.available() && !running_.empty()) {
    release(s);
    return false;
  }
  for (int64_t i = 0; i < hits * B; ++i) s.cells.push_back(s.blocks[static_cast<size_t>(i / B)] * B + i % B);
  s.n_computed = hits * B;
  s.n_published = hits;
  if (s.cached_tokens < 0) {
    s.cached_tokens = hits * B;
    cached_tokens_.fetch_add(static_cast<uint64_t>(hits * B));
  }
  if (s.id < 0) {
    s.id = next_seq_id_;
    next_seq_id_ = next_seq_id_ == INT32_MAX ? 0 : next_seq_id_ + 1;
  }
  s.running = true;
  return true;
}

// Ends every cancelled sequence, running or queued, before the next step:
// its blocks are released and its stream gets the final event now.
void Scheduler::drop_cancelled() {
  const auto drop = [this](auto& list) {
    for (auto& s : list) {
      if (s->stream->cancelled()) finish(*s, FinishReason::cancelled);
    }
    std::erase_if(list, [](const auto& s) { return s->done; });
  };
  drop(running_);
  drop(preempted_);
  std::vector<std::unique_ptr<Sequence>> gone;  // finished outside the lock (finish rings consumers)
  {
    std::lock_guard lock(mu_);
    for (auto& s : waiting_) {
      if (s->stream->cancelled()) gone.push_back(std::move(s));
    }
    std::erase_if(waiting_, [](const auto& s) { return !s; });
  }
  drop(gone);
}

// Gives s blocks until it holds n_positions cells. False when the pool is dry.
bool Scheduler::grow(Sequence& s, int64_t n_positions) {
  const int64_t B = blocks_.block_size();
  while (static_cast<int64_t>(s.cells.size()) < n_positions) {
    const int32_t b = blocks_.allocate();
    if (b < 0) return false;
    s.blocks.push_back(b);
    for (int64_t i = 0; i < B; ++i) s.cells.push_back(b * B + i);
  }
  return true;
}

// Sends the youngest running sequence back to the queue's head with its
// blocks released (the full ones stay in the prefix cache).
void Scheduler::preempt_youngest() {
  auto s = std::move(running_.back());
  running_.pop_back();
  release(*s);
  if (s->pool) s->pool.emplace(s->n_embd);  // recomputed from its first token when re-admitted
  s->running = false;
  s->take = 0;
  preempted_total_.fetch_add(1);
  preempted_.push_front(std::move(s));
}

// Decides how many tokens each running sequence evaluates this step (one
// per decoding sequence, then prompt tokens up to prefill_chunk, oldest
// first) and gives them the blocks, preempting the youngest when dry.
void Scheduler::plan_step() {
  int64_t budget = config_.prefill_chunk;
  for (auto& s : running_) s->take = s->pending() == 1 ? 1 : 0;
  for (auto& s : running_) {
    if (s->pending() <= 1) continue;
    s->take = std::min(budget, s->pending());
    budget -= s->take;
  }
  for (size_t i = 0; i < running_.size();) {
    Sequence& s = *running_[i];
    if (s.take == 0 || grow(s, s.n_computed + s.take)) {
      ++i;
      continue;
    }
    const bool youngest = i + 1 == running_.size();
    preempt_youngest();
    if (youngest) break;
  }
}

// One row per planned token; a row wants logits when it is the sequence's
// last known token (the next one is then sampled from it).
// Embedding sequences want every token's hidden state instead.
void Scheduler::build_batch() {
  batch_.clear();
  rows_.clear();
  hidden_rows_.clear();
  const auto n_prompt_of = [](const Sequence& s) { return static_cast<int64_t>(s.req.prompt.size()); };
  for (auto& s : running_) {
    const std::span<const int64_t> history(s->cells);
    const bool embed = s->req.embed;
    for (int64_t i = 0; i < s->take; ++i) {
      const int64_t pos = s->n_computed + i;
      const int64_t cell = s->cells[static_cast<size_t>(pos)];
      kv_.assign(cell, s->id, pos);
      const bool last = pos + 1 == static_cast<int64_t>(s->tokens.size());
      batch_.add(s->tokens[static_cast<size_t>(pos)], pos, s->id, cell, last && !embed, embed, history);
      if (embed) {
        hidden_rows_.push_back(s.get());
      } else if (last) {
        rows_.push_back(s.get());
      }
      if (pos < n_prompt_of(*s)) metrics_.prompt_tokens.fetch_add(1);
    }
  }
}

void Scheduler::run_step() {
  plan_step();
  build_batch();
  if (batch_.size() == 0) return;
  const std::vector<float>& logits = forward_.run(batch_, kv_);
  steps_.fetch_add(1);
  after_step();
  pool_hidden_states();
  const int64_t n_vocab = model_.hparams().n_vocab;
  for (size_t r = 0; r < rows_.size(); ++r) {
    sample(*rows_[r], std::span<const float>(logits.data() + static_cast<int64_t>(r) * n_vocab,
                                             static_cast<size_t>(n_vocab)));
  }
}

// The planned tokens are in the store now; full blocks go to the prefix cache.
void Scheduler::after_step() {
  const int64_t B = blocks_.block_size();
  for (auto& s : running_) {
    s->n_computed += s->take;
    s->take = 0;
    if (!config_.prefix_cache) continue;
    while ((s->n_published + 1) * B <= s->n_computed) {
      const std::span<const int32_t> block(s->tokens.data() + s->n_published * B, static_cast<size_t>(B));
      blocks_.publish(s->blocks[static_cast<size_t>(s->n_published)], s->tail_hash, block);
      s->tail_hash = KvBlocks::chain(s->tail_hash, block);
      ++s->n_published;
    }
  }
}

void Scheduler::sample(Sequence& s, std::span<const float> row) {
  try {
    const int32_t t = s.sampler.sample(row);
    s.sampler.accept(t);
    if (ends_generation(tok_, t)) return finish(s, FinishReason::stop);
    ++s.n_generated;
    s.tokens.push_back(t);
    const auto now = Clock::now();
    (s.n_generated == 1 ? metrics_.time_to_first_token : metrics_.inter_token_latency)
        .observe(seconds_between(s.n_generated == 1 ? s.submitted : s.last_token_at, now));
    s.last_token_at = now;
    metrics_.generated_tokens.fetch_add(1);
    StreamEvent ev;
    ev.token = t;
    if (s.req.logprobs) ev.logprobs = sampling::token_logprobs(row, t, static_cast<size_t>(s.req.sampling.n_probs));
    auto out = s.stop.push(tok_.token_to_piece(t));
    ev.text = std::move(out.text);
    s.stream->push(std::move(ev));
    if (out.stop || s.sampler.constraint_done()) {  // a stop string, or the JSON object is complete
      finish(s, FinishReason::stop);
    } else if (s.req.max_tokens >= 0 && s.n_generated >= s.req.max_tokens) {
      finish(s, FinishReason::length);
    } else if (static_cast<int64_t>(s.tokens.size()) >= config_.n_ctx) {
      // Prompt + completion fill the context (the bound submit() checks
      // prompt + max_tokens against).
      finish(s, FinishReason::length);
    }
  } catch (const std::exception& e) {
    finish(s, FinishReason::error, e.what());
  }
}

// Adds each hidden-state row to its embedding sequence; a sequence whose
// whole input is in finishes with the pooled vector.
void Scheduler::pool_hidden_states() {
  if (hidden_rows_.empty()) return;
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

// Returns s's blocks to the pool; s keeps its tokens and may start again.
void Scheduler::release(Sequence& s) {
  for (const int32_t b : s.blocks) blocks_.release(b);
  s.blocks.clear();
  s.cells.clear();
  s.n_computed = s.n_published = 0;
  s.tail_hash = KvBlocks::kRootHash;
}

// Frees the sequence's blocks at once and sends the final event (with the
// held-back text when it ended without a stop string).
void Scheduler::finish(Sequence& s, FinishReason why, std::string error) {
  if (s.done) return;
  s.done = true;
  release(s);
  if (why == FinishReason::cancelled) cancelled_.fetch_add(1);
  if (s.running) {
    s.running = false;
    n_running_.fetch_sub(1);
  }
  cells_used_.store(blocks_.referenced() * blocks_.block_size());
  cells_cached_.store(blocks_.cached() * blocks_.block_size());
  StreamEvent ev;
  ev.done = true;
  ev.finish = why;
  ev.error = std::move(error);
  if (why == FinishReason::stop || why == FinishReason::length) ev.text = s.stop.flush();
  if (why == FinishReason::stop) ev.stop_index = s.stop.stopped();
  ev.prompt_tokens = static_cast<int64_t>(s.req.prompt.size());
  ev.completion_tokens = s.n_generated;
  ev.cached_tokens = std::max<int64_t>(0, s.cached_tokens);
  if (s.pool && why == FinishReason::stop) ev.embedding = s.pool->normalised_mean();
  s.stream->push(std::move(ev));
}

}  // namespace hearth::engine

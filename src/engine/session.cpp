#include "engine/session.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace hearth::engine {

Session::Session(const model::Model& model, ThreadPool& pool, int64_t n_ctx, TensorType kv_type,
                 int64_t max_batch)
    : model_(model), kv_(model.hparams(), n_ctx, kv_type), forward_(model, pool),
      max_batch_(std::max<int64_t>(1, max_batch)) {}

void Session::reset() {
  kv_.clear();
  n_past_ = 0;
}

void Session::truncate(int64_t n) {
  if (n < 0 || n > n_past_) throw Error("truncate: position out of range");
  for (int64_t c = n; c < n_past_; ++c) kv_.free_cell(c);
  n_past_ = n;
}

const std::vector<float>& Session::eval(std::span<const int32_t> tokens, bool all_logits) {
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0) throw Error("nothing to evaluate (0 tokens)");
  if (n_past_ + n > kv_.n_cells()) {
    throw ContextFullError("the input needs " + std::to_string(n_past_ + n) +
                           " tokens of context but the context holds " +
                           std::to_string(kv_.n_cells()) + " (raise --ctx, or shorten the input)");
  }
  for (const int32_t t : tokens) {
    if (t < 0 || t >= model_.hparams().n_vocab) {
      throw Error("token id " + std::to_string(t) + " is outside the vocabulary (0.." +
                  std::to_string(model_.hparams().n_vocab - 1) + ")");
    }
  }
  // Tokens [start, end) as one forward step.
  const auto step = [&](int64_t start, int64_t end) -> const std::vector<float>& {
    batch_.clear();
    for (int64_t i = start; i < end; ++i) {
      const int64_t pos = n_past_ + i;
      // A single sequence uses cell == position.
      kv_.assign(pos, 0, pos);
      batch_.add(tokens[static_cast<size_t>(i)], pos, 0, pos, all_logits || i == n - 1);
    }
    return forward_.run(batch_, kv_);
  };
  if (n <= max_batch_) {
    // One step (every decode step): the forward pass's own logits, not a copy
    // of them (513 KB a token at Llama 3's vocabulary, half of it written by
    // the other thread; 50-75 µs of a Llama-3.2-1B decode step on the Zen 4
    // host).
    const std::vector<float>& out = step(0, n);
    n_past_ += n;
    return out;
  }
  logits_.clear();
  for (int64_t start = 0; start < n; start += max_batch_) {
    const std::vector<float>& out = step(start, std::min(n, start + max_batch_));
    logits_.insert(logits_.end(), out.begin(), out.end());
  }
  n_past_ += n;
  return logits_;
}

}  // namespace hearth::engine

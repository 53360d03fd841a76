// Sentence embeddings from the forward pass's final hidden states:
// mean pooling over the input's tokens, then L2 normalisation.
//
//   e = normalise( (1/n) * sum over the n input tokens of rms_norm(x_t) * output_norm )
//
// The hidden states are the ones the output head multiplies (model/forward.h,
// Batch::want_hidden); every token of the input counts, BOS included when
// the tokenizer added one. The result has n_embd values and length 1 (a zero
// vector stays zero).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::engine {

// Running sum of hidden states for one input.
class MeanPool {
 public:
  explicit MeanPool(int64_t n_embd) : sum_(static_cast<size_t>(n_embd), 0.0) {}

  // Adds one token's hidden state (n_embd values).
  void add(std::span<const float> hidden);
  int64_t count() const { return count_; }

  // The mean over the added rows, L2-normalised.
  std::vector<float> normalised_mean() const;

 private:
  std::vector<double> sum_;  // double: inputs of thousands of tokens lose no precision
  int64_t count_ = 0;
};

// v / |v| (v unchanged when |v| == 0).
void l2_normalise(std::span<float> v);

}  // namespace hearth::engine

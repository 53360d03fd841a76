// The forward pass shared by every architecture: a batch of tokens (from one
// or several sequences) in, logits out, keys and values written to a KvStore.
//
// Per layer, reading like the maths:
//   h = rms_norm(x) * attn_norm
//   q, k, v = Wq h (+bq), Wk h (+bk), Wv h (+bv)       [n_tokens][n_embd_q|k|v]
//   q, k = rms_norm per head (qk_norm); rope(q, k, pos)
//   K/V cache cells <- k, v
//   a = softmax(q K^T * scale (soft-capped), over visible cells) V   (GQA: n_head / n_head_kv query heads share a KV head)
//   o = Wo a  (rms_norm * post_attn_norm when post_norms);  x += o
//   h = rms_norm(x) * ffn_norm
//   f = Wdown (act(Wgate h) * Wup h) (rms_norm * post_ffn_norm);  x += f
// then logits = Wout (rms_norm(x) * output_norm), soft-capped when final_softcap.
// Rows may ask for that final hidden state rms_norm(x) * output_norm instead
// of (or besides) their logits (embeddings: want_hidden).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "compute/matmul.h"
#include "core/thread_pool.h"
#include "model/kv_store.h"
#include "model/model.h"
#include "model/step_phases.h"

namespace hearth::model {

struct Batch {
  std::vector<int32_t> token;
  std::vector<int64_t> pos;
  std::vector<int32_t> seq;
  std::vector<int64_t> cell;          // KV cell each token writes
  std::vector<uint8_t> want_logits;   // 1: return this token's logits
  std::vector<uint8_t> want_hidden;   // 1: return this token's final hidden state
  // Optional, all tokens or none: the cells of each token's sequence in
  // position order (history[p] holds position p, this token's own cell
  // included), as a paged KV cache keeps them. A token then sees
  // history[0..pos] (cells may be shared by several sequences: the store's
  // seq tags are not consulted). Without it a token sees the cells tagged
  // with its sequence, in position order. The spans must outlive run().
  std::vector<std::span<const int64_t>> history;

  size_t size() const { return token.size(); }
  void clear();
  void add(int32_t tok, int64_t p, int32_t s, int64_t c, bool logits, bool hidden = false);
  void add(int32_t tok, int64_t p, int32_t s, int64_t c, bool logits, bool hidden, std::span<const int64_t> seq_history);
};

class Forward {
 public:
  Forward(const Model& model, ThreadPool& pool);

  // Runs the batch. Returns the logits of the tokens with want_logits, in
  // batch order: [n_wanted][n_vocab]. The cells named in the batch must
  // already be tagged (KvStore::assign) with each token's sequence and position.
  const std::vector<float>& run(const Batch& batch, KvStore& kv);

  // Heap bytes the step buffers hold now (capacities): what
  // model::forward_scratch_bytes (model/memory.h) predicts for the largest step run so far.
  uint64_t scratch_bytes() const;
  // After run(): the final hidden states (rms_norm(x) * output_norm, the
  // vector the output head multiplies) of the tokens with want_hidden, in
  // batch order: [n_wanted][n_embd].
  const std::vector<float>& hidden() const { return hidden_; }

  // Sees the input of every weight matrix product as it runs: the matrix's
  // GGUF name ("blk.0.attn_q.weight"), and x [n_rows][n_cols]. For collecting
  // importance matrices (model/imatrix_collect.h); unset, it costs nothing.
  using MatmulObserver = std::function<void(const std::string& weight, const float* x, int64_t n_rows, int64_t n_cols)>;
  void set_matmul_observer(MatmulObserver fn) { observer_ = std::move(fn); }

  // Times the phases of every one-token step into `phases` from now on
  // (model/step_phases.h); nullptr stops it. `phases` must outlive the steps.
  void set_step_phases(StepPhases* phases) { phases_ = phases; }

 private:
  void attention(int64_t layer, const LayerWeights& L, const Batch& batch, KvStore& kv);
  void prepare_head(int64_t layer, const LayerWeights& L, const Batch& batch, KvStore& kv, int64_t t, int64_t kvh);
  bool tokens_apart(const Batch& batch) const;
  void resize(int64_t n_tokens);
  void find_visible(const Batch& batch, const KvStore& kv);
  // Tells the observer (if any) that x [n][n_cols] enters blk.<layer>.<names>.weight
  // (layer < 0: the non-layer tensor named <names>.weight).
  void observe(int64_t layer, std::initializer_list<const char*> names, const float* x, int64_t n, int64_t n_cols) const;
  // The same for a product's input that `fill` makes final (compute::InputFill): made
  // now if there is an observer (then fill is emptied).
  void observe_input(int64_t layer, std::initializer_list<const char*> names, compute::InputFill& fill,
                     const float* x, int64_t n, int64_t n_cols) const;
  compute::InputFill normed(const float* w, int64_t n_tokens);

  const Model& model_;
  const HParams& hp_;
  ThreadPool& pool_;
  compute::MatmulScratch mm_;
  // Activations, [n_tokens][width]: megabytes for a prompt, on huge pages
  // (core/huge_pages.h says why).
  HugePageVector<float> x_, h_, q_, k_, v_, attn_, o_, gate_, up_;
  // The rows that want logits or hidden states: few.
  std::vector<float> logits_, norm_rows_, hidden_;
  // Each token's rotary cos/sin (compute::rope_angles), shared by its heads:
  // [n_tokens][rope_dim].
  std::vector<float> rope_angles_;
  const std::vector<float>* angles_of_ = nullptr;  // the frequencies rope_angles_ holds this step's angles of
  // No token of the batch sees another's cell (find_visible): attention makes
  // each head's inputs in the task that attends with them.
  bool tokens_apart_ = false;
  // Each token's RMS norm scale (compute::rms_scale) for normed().
  std::vector<float> row_scales_;
  // Per-thread attention scratch.
  struct ThreadScratch {
    std::vector<float> scores;
  };
  std::vector<ThreadScratch> scratch_;
  // Per token, the cells it attends to on full and on sliding-window layers,
  // in position order: views into the batch's histories, or into seq_cells_.
  // Views, not copies: a 512-token chunk at a 64K context would otherwise
  // hold 512 lists of up to 64K cells (256 MiB).
  std::vector<std::span<const int64_t>> visible_, visible_swa_;
  // Without histories: per sequence of the batch, its cells by position
  // (found by their tags), which its tokens' views share.
  std::vector<int32_t> seq_ids_;
  std::vector<std::vector<int64_t>> seq_cells_;
  void find_cells_by_tag(const Batch& batch, const KvStore& kv);
  MatmulObserver observer_;
  StepPhases* phases_ = nullptr;
  // phases_'s slot for phase p in a step that is timed, else nullptr.
  double* phase_slot(StepPhase p, bool timed) const { return timed ? &(*phases_)[p] : nullptr; }
};

}  // namespace hearth::model

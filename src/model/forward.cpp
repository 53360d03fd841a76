#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "compute/attention.h"
#include "compute/ops.h"
#include "core/error.h"
#include "quant/type_traits.h"

namespace hearth::model {

void Batch::clear() {
  token.clear();
  pos.clear();
  seq.clear();
  cell.clear();
  want_logits.clear();
  want_hidden.clear();
  history.clear();
}

void Batch::add(int32_t tok, int64_t p, int32_t s, int64_t c, bool logits, bool hidden) {
  token.push_back(tok);
  pos.push_back(p);
  seq.push_back(s);
  cell.push_back(c);
  want_logits.push_back(logits ? 1 : 0);
  want_hidden.push_back(hidden ? 1 : 0);
}

void Batch::add(int32_t tok, int64_t p, int32_t s, int64_t c, bool logits, bool hidden,
                std::span<const int64_t> seq_history) {
  add(tok, p, s, c, logits, hidden);
  history.push_back(seq_history);
}

Forward::Forward(const Model& model, ThreadPool& pool)
    : model_(model), hp_(model.hparams()), pool_(pool) {
  scratch_.resize(static_cast<size_t>(pool.size()));
}

void Forward::resize(int64_t n) {
  const auto sz = [n](int64_t w) { return static_cast<size_t>(n * w); };
  x_.resize(sz(hp_.n_embd));
  h_.resize(sz(hp_.n_embd));
  q_.resize(sz(hp_.n_embd_q()));
  k_.resize(sz(hp_.n_embd_k()));
  v_.resize(sz(hp_.n_embd_v()));
  attn_.resize(sz(hp_.n_head * hp_.head_dim_v));
  o_.resize(sz(hp_.n_embd));
  gate_.resize(sz(hp_.n_ff));
  up_.resize(sz(hp_.n_ff));
}

uint64_t Forward::scratch_bytes() const {
  uint64_t total = mm_.act.capacity();
  const auto floats = [](const auto&... v) { return ((v.capacity() * sizeof(float)) + ...); };
  total += floats(x_, h_, q_, k_, v_, attn_, o_, gate_, up_, rope_angles_, row_scales_, logits_, norm_rows_);
  for (const auto& s : scratch_) total += s.scores.capacity() * sizeof(float);
  total += (visible_.capacity() + visible_swa_.capacity()) * sizeof(std::span<const int64_t>);
  total += seq_ids_.capacity() * sizeof(int32_t) + seq_cells_.capacity() * sizeof(std::vector<int64_t>);
  for (const auto& l : seq_cells_) total += l.capacity() * sizeof(int64_t);
  return total;
}

namespace {

void norm_rows(float* rows, const float* w, int64_t n_rows, int64_t width, float eps) {
  for (int64_t r = 0; r < n_rows; ++r) compute::rms_norm(rows + r * width, w, rows + r * width, width, eps);
}

}  // namespace

const std::vector<float>& Forward::run(const Batch& b, KvStore& kv) {
  const int64_t n = static_cast<int64_t>(b.size());
  if (n == 0) throw Error("forward: empty batch");
  const bool timed = phases_ != nullptr && n == 1;
  PhaseTimer step(timed ? &phases_->step_seconds : nullptr);
  if (timed) ++phases_->steps;
  resize(n);
  const Weights& w = model_.weights();
  const int64_t E = hp_.n_embd;

  // Token embeddings (dequantized rows of token_embd).
  for (int64_t t = 0; t < n; ++t) {
    const int32_t tok = b.token[static_cast<size_t>(t)];
    if (tok < 0 || tok >= hp_.n_vocab) {
      throw Error("token id " + std::to_string(tok) + " is outside the vocabulary (0.." +
                  std::to_string(hp_.n_vocab - 1) + ")");
    }
    const int64_t c = b.cell[static_cast<size_t>(t)];
    if (c < 0 || c >= kv.n_cells()) throw Error("forward: KV cell out of range");
    compute::dequantize_row(w.token_embd, tok, x_.data() + t * E);
  }
  if (hp_.scale_embeddings) compute::scale(x_.data(), std::sqrt(static_cast<float>(E)), n * E);

  find_visible(b, kv);
  angles_of_ = nullptr;

  for (int64_t l = 0; l < hp_.n_layer; ++l) {
    const LayerWeights& L = w.layers[static_cast<size_t>(l)];

    // --- attention block
    compute::InputFill attn_in = normed(L.attn_norm, n);
    const compute::MatmulOutput qkv[] = {{L.wq, q_.data()}, {L.wk, k_.data()}, {L.wv, v_.data()}};
    observe_input(l, {"attn_q", "attn_k", "attn_v"}, attn_in, h_.data(), n, E);
    {
      PhaseTimer t(phase_slot(StepPhase::kQkv, timed));
      compute::matmul_group(qkv, h_.data(), n, pool_, mm_, attn_in);
    }
    // The tokens' rotary angles: once a step, again only where a layer's
    // frequencies differ from the last layer's (Gemma 3's sliding layers).
    if (const std::vector<float>& freqs = model_.rope_freqs(l); &freqs != angles_of_) {
      angles_of_ = &freqs;
      rope_angles_.resize(static_cast<size_t>(n * hp_.rope_dim));
      for (int64_t t = 0; t < n; ++t) {
        compute::rope_angles(hp_.rope_dim, b.pos[static_cast<size_t>(t)], freqs.data(),
                             rope_angles_.data() + t * hp_.rope_dim);
      }
    }
    {
      PhaseTimer t(phase_slot(StepPhase::kAttention, timed));
      attention(l, L, b, kv);
    }
    observe(l, {"attn_output"}, attn_.data(), n, L.wo.n_in);
    {
      PhaseTimer t(phase_slot(StepPhase::kAttnOut, timed));
      compute::matmul(L.wo, attn_.data(), n, o_.data(), pool_, mm_);
    }
    if (L.post_attn_norm) norm_rows(o_.data(), L.post_attn_norm, n, E, hp_.norm_eps);
    compute::add(x_.data(), o_.data(), n * E);

    // --- feed-forward block
    compute::InputFill ffn_in = normed(L.ffn_norm, n);
    const compute::MatmulOutput gate_up[] = {{L.gate, gate_.data()}, {L.up, up_.data()}};
    observe_input(l, {"ffn_gate", "ffn_up"}, ffn_in, h_.data(), n, E);
    {
      PhaseTimer t(phase_slot(StepPhase::kGateUp, timed));
      compute::matmul_group(gate_up, h_.data(), n, pool_, mm_, ffn_in);
    }
    // The gate's activation times up, into gate: made by the down product's
    // threads as they quantize its input (compute::InputFill).
    compute::InputFill gated = [this](int64_t begin, int64_t end) {
      if (hp_.ffn_act == FfnActivation::SiLU) {
        compute::silu_mul(gate_.data() + begin, up_.data() + begin, end - begin);
      } else {
        compute::gelu_mul(gate_.data() + begin, up_.data() + begin, end - begin);
      }
    };
    observe_input(l, {"ffn_down"}, gated, gate_.data(), n, L.down.n_in);
    {
      PhaseTimer t(phase_slot(StepPhase::kDown, timed));
      compute::matmul(L.down, gate_.data(), n, o_.data(), pool_, mm_, gated);
    }
    if (L.post_ffn_norm) norm_rows(o_.data(), L.post_ffn_norm, n, E, hp_.norm_eps);
    compute::add(x_.data(), o_.data(), n * E);
  }

  // Final norm for the rows that want their hidden state or logits; the
  // output head only for the latter.
  norm_rows_.clear();
  hidden_.clear();
  for (int64_t t = 0; t < n; ++t) {
    const bool logits = b.want_logits[static_cast<size_t>(t)] != 0;
    const bool hidden = b.want_hidden.size() == b.size() && b.want_hidden[static_cast<size_t>(t)] != 0;
    if (!logits && !hidden) continue;
    std::vector<float>& dst = logits ? norm_rows_ : hidden_;
    const size_t at = dst.size();
    dst.resize(at + static_cast<size_t>(E));
    compute::rms_norm(x_.data() + t * E, w.output_norm, dst.data() + at, E, hp_.norm_eps);
    if (logits && hidden) hidden_.insert(hidden_.end(), dst.begin() + static_cast<ptrdiff_t>(at), dst.end());
  }
  const int64_t n_out = static_cast<int64_t>(norm_rows_.size()) / E;
  logits_.resize(static_cast<size_t>(n_out * hp_.n_vocab));
  if (n_out > 0) {
    if (observer_) observe(-1, {model_.file().find_tensor("output.weight") ? "output" : "token_embd"}, norm_rows_.data(), n_out, E);
    {
      PhaseTimer t(phase_slot(StepPhase::kOutput, timed));
      compute::matmul(w.output, norm_rows_.data(), n_out, logits_.data(), pool_, mm_);
    }
    if (hp_.final_softcap > 0) compute::softcap(logits_.data(), n_out * hp_.n_vocab, hp_.final_softcap);
  }
  return logits_;
}

// h = rms_norm(x) * w, the input of a block's first products: each token's
// scale here (the sum over its row), the rest (a pass over the row) by the
// product's threads as they quantize it (compute::InputFill).
compute::InputFill Forward::normed(const float* w, int64_t n) {
  const int64_t E = hp_.n_embd;
  row_scales_.resize(static_cast<size_t>(n));
  for (int64_t t = 0; t < n; ++t) row_scales_[static_cast<size_t>(t)] = compute::rms_scale(x_.data() + t * E, E, hp_.norm_eps);
  return [this, w, E](int64_t begin, int64_t end) {
    const int64_t t = begin / E;
    compute::rms_apply(x_.data() + begin, row_scales_[static_cast<size_t>(t)], w ? w + (begin - t * E) : nullptr,
                       h_.data() + begin, end - begin);
  };
}

// The observer sees a product's input final: made here, token by token, and
// no longer by the product.
void Forward::observe_input(int64_t layer, std::initializer_list<const char*> names, compute::InputFill& fill,
                            const float* x, int64_t n, int64_t n_cols) const {
  if (!observer_) return;
  if (fill) {
    for (int64_t t = 0; t < n; ++t) fill(t * n_cols, (t + 1) * n_cols);
    fill = {};
  }
  observe(layer, names, x, n, n_cols);
}

void Forward::observe(int64_t layer, std::initializer_list<const char*> names, const float* x, int64_t n,
                      int64_t n_cols) const {
  if (!observer_) return;
  const std::string prefix = layer < 0 ? std::string() : "blk." + std::to_string(layer) + ".";
  for (const char* name : names) observer_(prefix + name + ".weight", x, n, n_cols);
}

// Without histories: the cells tagged with each sequence of the batch, up to
// its last position in the batch, in position order. Attention sums over the
// cells in list order; in position order the result does not depend on where
// the cells lie in the store, so the same input gives bit-identical results on
// a fresh or a long-running KV store. Cells usually come in order already
// (checked in O(n) first).
void Forward::find_cells_by_tag(const Batch& b, const KvStore& kv) {
  seq_ids_.clear();
  std::vector<int64_t> last_pos;
  for (size_t t = 0; t < b.size(); ++t) {
    const auto it = std::find(seq_ids_.begin(), seq_ids_.end(), b.seq[t]);
    if (it == seq_ids_.end()) {
      seq_ids_.push_back(b.seq[t]);
      last_pos.push_back(b.pos[t]);
    } else {
      auto& lp = last_pos[static_cast<size_t>(it - seq_ids_.begin())];
      lp = std::max(lp, b.pos[t]);
    }
  }
  seq_cells_.resize(seq_ids_.size());
  for (auto& list : seq_cells_) list.clear();
  for (int64_t c = 0; c < kv.n_cells(); ++c) {
    const auto it = std::find(seq_ids_.begin(), seq_ids_.end(), kv.seq(c));
    if (it == seq_ids_.end()) continue;
    const auto i = static_cast<size_t>(it - seq_ids_.begin());
    if (kv.pos(c) <= last_pos[i]) seq_cells_[i].push_back(c);
  }
  const auto by_pos = [&kv](int64_t a, int64_t c) { return kv.pos(a) < kv.pos(c); };
  for (auto& list : seq_cells_) {
    if (!std::is_sorted(list.begin(), list.end(), by_pos)) std::sort(list.begin(), list.end(), by_pos);
  }
}

// Which cells each token sees (the same for every layer of a kind): a view of
// its sequence's cells in position order, cut at its own position (and, on
// sliding layers, at the window's start).
void Forward::find_visible(const Batch& b, const KvStore& kv) {
  const size_t n = b.size();
  if (!b.history.empty() && b.history.size() != n) throw Error("forward: a history for some tokens only");
  const bool by_tag = b.history.empty();
  if (by_tag) find_cells_by_tag(b, kv);
  visible_.assign(n, {});
  visible_swa_.assign(n, {});
  const int64_t window = hp_.sliding_window;
  for (size_t t = 0; t < n; ++t) {
    const int64_t p = b.pos[t];
    const int64_t window_start = p - window + 1;  // first position a sliding layer sees
    std::span<const int64_t> all;
    size_t swa_first = 0;  // index in `all` of the first cell at window_start or later
    if (by_tag) {
      const auto i = static_cast<size_t>(std::find(seq_ids_.begin(), seq_ids_.end(), b.seq[t]) - seq_ids_.begin());
      const auto& list = seq_cells_[i];
      const auto pos_below = [&kv](int64_t c, int64_t q) { return kv.pos(c) < q; };
      const auto end = std::lower_bound(list.begin(), list.end(), p + 1, pos_below);
      all = std::span<const int64_t>(list.data(), static_cast<size_t>(end - list.begin()));
      if (window > 0) {
        swa_first = static_cast<size_t>(std::lower_bound(list.begin(), end, window_start, pos_below) - list.begin());
      }
    } else {
      const auto& h = b.history[t];
      if (p >= static_cast<int64_t>(h.size()) || h[static_cast<size_t>(p)] != b.cell[t]) {
        throw Error("forward: a token's history does not hold its own cell at its position");
      }
      all = h.first(static_cast<size_t>(p + 1));
      swa_first = static_cast<size_t>(std::max<int64_t>(0, window_start));  // history[k] is position k
    }
    visible_[t] = all;
    if (window > 0) visible_swa_[t] = all.subspan(swa_first);
  }
  tokens_apart_ = tokens_apart(b);
}

// Whether no token of the batch sees another one's cell (each sequence has
// one token in it: a decode step). With histories, checked pair by pair for
// small batches (a token sees cell c of an earlier position p iff its history
// holds c at p); large ones are prompts.
bool Forward::tokens_apart(const Batch& b) const {
  const size_t n = b.size();
  if (b.history.empty()) return seq_ids_.size() == n;
  constexpr size_t kMaxChecked = 64;
  if (n > kMaxChecked) return false;
  for (size_t t = 0; t < n; ++t) {
    for (size_t u = 0; u < n; ++u) {
      if (u == t || b.pos[u] > b.pos[t]) continue;
      if (b.history[t][static_cast<size_t>(b.pos[u])] == b.cell[u]) return false;
    }
  }
  return true;
}

// The attention inputs of token t's KV head kvh, made final as attention
// reads them: the q/k/v biases, q/k norms and RoPE of the query heads that
// share the KV head and of its key; then its key and value into the token's
// cell. Per head, the same operations as on whole rows.
void Forward::prepare_head(int64_t layer, const LayerWeights& L, const Batch& b, KvStore& kv, int64_t t,
                           int64_t kvh) {
  const int64_t group = hp_.n_head / hp_.n_head_kv, d = hp_.head_dim, dv = hp_.head_dim_v;
  float* q = q_.data() + t * hp_.n_embd_q() + kvh * group * d;
  float* k = k_.data() + t * hp_.n_embd_k() + kvh * d;
  float* v = v_.data() + t * hp_.n_embd_v() + kvh * dv;
  if (L.bq) compute::add(q, L.bq + kvh * group * d, group * d);
  if (L.bk) compute::add(k, L.bk + kvh * d, d);
  if (L.bv) compute::add(v, L.bv + kvh * dv, dv);
  const float* angles = rope_angles_.data() + t * hp_.rope_dim;
  for (int64_t h = 0; h <= group; ++h) {  // the group's query heads, then the key
    float* head = h < group ? q + h * d : k;
    if (hp_.qk_norm) compute::rms_norm(head, h < group ? L.q_norm : L.k_norm, head, d, hp_.norm_eps);
    compute::rope_rotate(head, hp_.rope_dim, angles, hp_.rope_style);
  }
  const int64_t c = b.cell[static_cast<size_t>(t)];
  const auto& tr = quant::traits(kv.type());
  tr.quantize(k, kv.k_head(layer, kvh, c), d, nullptr);
  tr.quantize(v, kv.v_head(layer, kvh, c), dv, nullptr);
}

// Attention of every (token, KV head) pair over the token's visible cells:
// the group of query heads sharing the KV head goes through one
// compute::attend call, so each key/value row is read and converted once for
// the whole group (compute/attention.h). Each pair's inputs are made first
// (prepare_head): in the same task when no token sees another token of the
// batch (a decode step: each task reads only its own token's new cell), else
// in a loop of their own before, so that every new cell is in before any
// token attends.
void Forward::attention(int64_t layer, const LayerWeights& L, const Batch& b, KvStore& kv) {
  const int64_t n = static_cast<int64_t>(b.size());
  const int64_t group = hp_.n_head / hp_.n_head_kv;
  const float scale = hp_.attn_scale > 0 ? hp_.attn_scale : 1.0f / std::sqrt(static_cast<float>(hp_.head_dim));
  const bool swa = hp_.is_swa(layer);
  const int64_t dv = hp_.head_dim_v;
  const int64_t n_tasks = n * hp_.n_head_kv;
  const auto prepare = [&](int64_t task) { prepare_head(layer, L, b, kv, task / hp_.n_head_kv, task % hp_.n_head_kv); };
  if (!tokens_apart_) {
    pool_.parallel_for(n_tasks, [&](int64_t begin, int64_t end, int) {
      for (int64_t task = begin; task < end; ++task) prepare(task);
    });
  }
  pool_.parallel_for(n_tasks, [&](int64_t begin, int64_t end, int thread) {
    ThreadScratch& s = scratch_[static_cast<size_t>(thread)];
    for (int64_t task = begin; task < end; ++task) {
      if (tokens_apart_) prepare(task);
      const int64_t t = task / hp_.n_head_kv, kvh = task % hp_.n_head_kv;
      const auto& cells = (swa ? visible_swa_ : visible_)[static_cast<size_t>(t)];
      float* out = attn_.data() + t * hp_.n_head * dv + kvh * group * dv;
      if (cells.empty()) {
        std::fill(out, out + group * dv, 0.0f);
        continue;
      }
      compute::AttentionGroup g;
      g.kv_type = kv.type();
      g.q = q_.data() + t * hp_.n_embd_q() + kvh * group * hp_.head_dim;
      g.n_q = group;
      g.d = hp_.head_dim;
      g.dv = dv;
      g.k = kv.k_head(layer, kvh, 0);
      g.k_stride = kv.k_head_bytes();
      g.v = kv.v_head(layer, kvh, 0);
      g.v_stride = kv.v_head_bytes();
      g.cells = cells.data();
      g.n_cells = static_cast<int64_t>(cells.size());
      g.scale = scale;
      g.softcap = hp_.attn_softcap;
      g.out = out;
      compute::attend(g, s.scores);
    }
  });
}

}  // namespace hearth::model

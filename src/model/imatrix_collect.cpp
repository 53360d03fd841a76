#include "model/imatrix_collect.h"

#include "core/error.h"
#include "model/forward.h"
#include "model/kv_store.h"

namespace hearth::model {

namespace {

// sum2[c] += x[r][c]^2 over the rows: the one pass over every activation a
// collection makes, so it walks rows in memory order.
void accumulate_squares(const float* x, int64_t n_rows, int64_t n_cols, double* sum2) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* row = x + r * n_cols;
    for (int64_t c = 0; c < n_cols; ++c) sum2[c] += static_cast<double>(row[c]) * row[c];
  }
}

}  // namespace

Imatrix collect_imatrix(const Model& model, std::span<const int32_t> tokens, int64_t chunk, int64_t max_chunks,
                        ThreadPool& pool, const ImatrixProgress& progress) {
  if (chunk <= 0) throw Error("imatrix: the chunk size must be positive");
  int64_t n_chunks = static_cast<int64_t>(tokens.size()) / chunk;
  if (max_chunks > 0) n_chunks = std::min(n_chunks, max_chunks);
  if (n_chunks == 0) {
    throw Error("imatrix: the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " +
                std::to_string(chunk) + " (give more text, or a smaller --chunk)");
  }
  Imatrix out;
  out.chunk_size = static_cast<uint32_t>(chunk);
  out.chunk_count = static_cast<uint32_t>(n_chunks);

  KvStore kv(model.hparams(), chunk);
  Forward forward(model, pool);
  forward.set_matmul_observer([&out](const std::string& weight, const float* x, int64_t n_rows, int64_t n_cols) {
    ImatrixEntry& e = out.entries[weight];
    if (e.sum2.empty()) {
      e.n_per_row = n_cols;
      e.sum2.assign(static_cast<size_t>(n_cols), 0.0);
      e.counts.assign(1, 0.0);
    }
    accumulate_squares(x, n_rows, n_cols, e.sum2.data());
    e.counts[0] += static_cast<double>(n_rows);
  });
  Batch batch;
  for (int64_t c = 0; c < n_chunks; ++c) {
    kv.clear();
    batch.clear();
    for (int64_t i = 0; i < chunk; ++i) {
      kv.assign(i, 0, i);
      // Logits of every token, so the output projection's input is collected too.
      batch.add(tokens[static_cast<size_t>(c * chunk + i)], i, 0, i, /*logits=*/true);
    }
    forward.run(batch, kv);
    if (progress) progress(c + 1, n_chunks);
  }
  return out;
}

}  // namespace hearth::model

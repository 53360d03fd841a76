// Bytes a decode step reads from memory, the figure decode speed is bound by:
// tok/s x bytes per token = the memory bandwidth actually used.
//
// Per decoded token the forward pass reads every weight tensor once, except
// the token embedding table, of which only the token's row is read; when the
// output projection is tied to that table, the whole table is read once more
// as the output. Attention reads the keys and values of every visible cell
// in every layer (at most the window on sliding layers).
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"
#include "model/memory.h"
#include "model/model.h"

namespace hearth::model {

struct DecodeTraffic {
  uint64_t weights = 0;    // every tensor but token_embd (+ token_embd when tied)
  uint64_t embd_row = 0;   // one row of token_embd
  double kv = 0;           // K and V of the visible cells, all layers
  double total() const { return static_cast<double>(weights + embd_row) + kv; }
};

// Traffic of one decode step that sees `n_ctx` cells (the mean context of a
// run), with a KV cache of `kv_type` (F16 or F32).
DecodeTraffic decode_traffic(const Model& model, double n_ctx, TensorType kv_type = TensorType::F16);
// The same from a model's dimensions (a file or a catalog shape, model/memory.h).
DecodeTraffic decode_traffic(const ModelDims& model, double n_ctx, TensorType kv_type = TensorType::F16);

// The mean context of decode steps [k0, k1) after `depth` cells: step k
// (0-based) sees depth + k + 1 cells (itself included).
constexpr double mean_decode_context(int64_t depth, int64_t k0, int64_t k1) {
  return static_cast<double>(depth) + static_cast<double>(k0 + k1 + 1) / 2.0;
}

}  // namespace hearth::model

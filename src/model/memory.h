// How much memory a running model takes, part by part: THE sizing formulas.
// The engine sizes its allocations with them (KvStore, default_context) and
// `hearth plan` reports them, so the estimate and the run cannot drift apart;
// Forward::scratch_bytes() and KvStore::bytes() measure what was really
// allocated, and tests/plan compares the two.
//
// A model is described by ModelDims (hyper-parameters + tensor list), which
// comes from a GGUF file or from a catalog shape and a quantization type
// without building anything, so a 70B shape is sized for free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "gguf/tensor_type.h"
#include "model/catalog.h"
#include "model/hparams.h"
#include "model/quant_recipe.h"

namespace hearth::model {

struct TensorDims {
  std::string name;
  TensorType type = TensorType::F32;
  uint64_t n_in = 0;    // row length (ne[0])
  uint64_t n_rows = 0;  // product of the other dimensions
  uint64_t bytes = 0;
  int64_t layer = -1;   // "blk.N." prefix, -1 for the others
};

struct ModelDims {
  std::string label;        // file name or "llama3.2-1b Q4_K_M"
  HParams hp;
  std::vector<TensorDims> tensors;
  uint64_t file_bytes = 0;  // the whole file: what is mapped (header + metadata + tensors)
  uint64_t tensor_bytes() const;
  uint64_t params() const;  // elements of every tensor
  bool tied() const;        // no output.weight: token_embd is also the output projection
};

// From a parsed file (hparams via load_hparams: throws like it does).
ModelDims dims_of(const gguf::File& file);
// From a catalog shape quantized as `type` (the synthetic model's exact layout).
ModelDims dims_of(const ModelShape& shape, FileType type);

// ---- KV cache ---------------------------------------------------------------
// Bytes of one cell's K row and V row in one layer: n_kv_heads x head_dim
// values in the cache type's blocks.
struct KvRowBytes {
  uint64_t k = 0, v = 0;
};
KvRowBytes kv_row_bytes(const HParams& hp, TensorType kv_type);
// K and V of every layer for one cell (token):
//   2 x n_layers x n_kv_heads x head_dim x bytes per value   (K and V widths equal).
uint64_t kv_bytes_per_cell(const HParams& hp, TensorType kv_type);
// What a KvStore of n_cells allocates: K/V rows of every layer at full
// length (hearth keeps every cell in sliding-window layers too), plus each
// cell's sequence and position tags.
uint64_t kv_store_bytes(const HParams& hp, int64_t n_cells, TensorType kv_type);
constexpr uint64_t kKvTagBytesPerCell = sizeof(int32_t) + sizeof(int64_t);
// The same if sliding-window layers kept only their window (how a
// windowed cache would size it; equals the full figure without SWA layers).
uint64_t kv_bytes_windowed(const HParams& hp, int64_t n_cells, TensorType kv_type);

// ---- forward pass scratch -------------------------------------------------------
// One forward step's buffers (model::Forward), in bytes.
struct ScratchBytes {
  uint64_t activations = 0;  // x, h, q, k, v, attn, o, gate, up: n_tokens rows of f32
  uint64_t matmul = 0;       // activations quantized to the weights' dot type, widest input
  uint64_t output = 0;       // normed rows + logits of the tokens that want logits (f32)
  uint64_t attention = 0;    // per-thread scores: query group x visible cells (f32), x2 growth for multi-token steps
  uint64_t visible = 0;      // per token, views of the cells it sees; one list of a sequence's cells (int64, capacity a power of two)
  uint64_t total() const { return activations + matmul + output + attention + visible; }
};
// A step of n_tokens consecutive positions of one sequence, the last at
// position last_pos (so token i sees last_pos - n_tokens + 2 + i cells),
// n_logits of them wanting logits, run on n_threads.
ScratchBytes forward_scratch_bytes(const ModelDims& m, int64_t n_tokens, int64_t last_pos, int64_t n_logits,
                                   int n_threads);

// ---- the whole process ----------------------------------------------------------
// The runtime itself: code, libraries, thread stacks and allocator slack of
// the hearth binary (measured: `hearth --version` peaks at 4.9 MiB RSS, a
// run of a tiny model at ~6 MiB besides its weights and KV), plus the
// tokenizer's tables, ~4x the GGUF metadata they are read from.
constexpr uint64_t kRuntimeBaseBytes = uint64_t{6} << 20;
uint64_t runtime_overhead_bytes(const ModelDims& m);

// The share of available memory the engine lets the weights and KV cache take
// (engine::default_context): 10% is left to the rest of the system.
constexpr double kUsableMemoryFraction = 0.9;

}  // namespace hearth::model

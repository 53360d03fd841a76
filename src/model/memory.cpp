#include "model/memory.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <span>
#include <vector>

#include "gguf/writer.h"
#include "model/synthetic.h"
#include "quant/type_traits.h"

namespace hearth::model {

namespace {

// "blk.12.attn_q.weight" -> 12; -1 for tensors outside the layers.
int64_t layer_of(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  return std::strtoll(name.c_str() + 4, nullptr, 10);
}

TensorDims tensor_dims(const std::string& name, TensorType type, const std::vector<uint64_t>& shape) {
  TensorDims d;
  d.name = name;
  d.type = type;
  d.n_in = shape.empty() ? 1 : shape[0];
  d.n_rows = 1;
  for (size_t i = 1; i < shape.size(); ++i) d.n_rows *= shape[i];
  d.bytes = row_bytes(layout_of(type), d.n_in) * d.n_rows;
  d.layer = layer_of(name);
  return d;
}

bool is_matrix(const TensorDims& t) { return t.n_rows > 1 && t.name != "token_embd.weight"; }

uint64_t next_pow2(uint64_t n) { return n <= 1 ? n : std::bit_ceil(n); }

}  // namespace

uint64_t ModelDims::tensor_bytes() const {
  uint64_t s = 0;
  for (const auto& t : tensors) s += t.bytes;
  return s;
}

uint64_t ModelDims::params() const {
  uint64_t s = 0;
  for (const auto& t : tensors) s += t.n_in * t.n_rows;
  return s;
}

bool ModelDims::tied() const {
  return std::none_of(tensors.begin(), tensors.end(), [](const TensorDims& t) { return t.name == "output.weight"; });
}

ModelDims dims_of(const gguf::File& file) {
  ModelDims m;
  m.label = file.name();
  m.hp = load_hparams(file);
  for (const gguf::Tensor& t : file.tensors()) m.tensors.push_back(tensor_dims(t.name, t.type, t.shape));
  m.file_bytes = file.file_size();
  return m;
}

ModelDims dims_of(const ModelShape& shape, FileType type) {
  const gguf::Layout layout = synthetic_layout(shape, type);
  // The hyper-parameters come from the metadata exactly as a loaded file's
  // would: a header-only image (no tensors) through the normal reader.
  const gguf::Layout header_only(layout.metadata(), {});
  const std::vector<uint8_t> header = header_only.encode_header();
  const gguf::File meta = gguf::File::parse(header, std::string(shape.name));
  ModelDims m;
  m.label = std::string(shape.name) + " " + std::string(file_type_name(type));
  m.hp = load_hparams(meta);
  for (const auto& spec : layout.tensors()) m.tensors.push_back(tensor_dims(spec.name, spec.type, spec.shape));
  m.file_bytes = layout.file_size();
  return m;
}

KvRowBytes kv_row_bytes(const HParams& hp, TensorType kv_type) {
  const TensorTypeLayout& l = layout_of(kv_type);
  return {row_bytes(l, static_cast<uint64_t>(hp.n_embd_k())), row_bytes(l, static_cast<uint64_t>(hp.n_embd_v()))};
}

uint64_t kv_bytes_per_cell(const HParams& hp, TensorType kv_type) {
  const KvRowBytes r = kv_row_bytes(hp, kv_type);
  return (r.k + r.v) * static_cast<uint64_t>(hp.n_layer);
}

uint64_t kv_store_bytes(const HParams& hp, int64_t n_cells, TensorType kv_type) {
  return (kv_bytes_per_cell(hp, kv_type) + kKvTagBytesPerCell) * static_cast<uint64_t>(n_cells);
}

uint64_t kv_bytes_windowed(const HParams& hp, int64_t n_cells, TensorType kv_type) {
  const KvRowBytes r = kv_row_bytes(hp, kv_type);
  uint64_t total = 0;
  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const int64_t cells = hp.is_swa(l) ? std::min(n_cells, hp.sliding_window) : n_cells;
    total += (r.k + r.v) * static_cast<uint64_t>(cells);
  }
  return total;
}

ScratchBytes forward_scratch_bytes(const ModelDims& m, int64_t n_tokens, int64_t last_pos, int64_t n_logits,
                                   int n_threads) {
  const HParams& hp = m.hp;
  const auto n = static_cast<uint64_t>(n_tokens);
  ScratchBytes s;
  // Forward::resize: x, h, o [n_embd]; q, k, v; attn [n_head x head_dim_v]; gate, up [n_ff];
  // and each token's rotary angles [rope_dim] and RMS norm scale.
  const int64_t widths = 3 * hp.n_embd + hp.n_embd_q() + hp.n_embd_k() + hp.n_embd_v() + hp.n_head * hp.head_dim_v +
                         2 * hp.n_ff + hp.rope_dim + 1;
  s.activations = n * static_cast<uint64_t>(widths) * sizeof(float);

  // compute::matmul quantizes the input rows once per call into one buffer
  // that keeps its largest size: the widest (n_in, dot type) of any matrix.
  uint64_t widest_row = 0;
  for (const TensorDims& t : m.tensors) {
    if (!is_matrix(t)) continue;
    const uint64_t act_row = quant::has_kernels(t.type)
                                 ? quant::activation_row_bytes(quant::traits(t.type), static_cast<int64_t>(t.n_in))
                                 : row_bytes(layout_of(TensorType::F32), t.n_in);
    widest_row = std::max(widest_row, act_row);
  }
  s.matmul = widest_row * n;

  s.output = static_cast<uint64_t>(n_logits) * static_cast<uint64_t>(hp.n_embd + hp.n_vocab) * sizeof(float);

  // Token i of the step sees first + i cells (its own position and before),
  // at most the window on sliding layers. Forward::find_visible keeps a view
  // per token and layer kind; without a paged history the cells are found by
  // their tags into one list per sequence (this counts one), grown by
  // push_back (doubling).
  const int64_t first = last_pos - n_tokens + 2;
  const int64_t most = std::max<int64_t>(1, first + n_tokens - 1);
  s.visible = 2 * n * sizeof(std::span<const int64_t>) + sizeof(int32_t) + sizeof(std::vector<int64_t>) +
              next_pow2(static_cast<uint64_t>(most)) * sizeof(int64_t);
  const int64_t group = hp.n_head / std::max<int64_t>(1, hp.n_head_kv);
  const int64_t busy = std::min<int64_t>(n_threads, n_tokens * hp.n_head_kv);
  // Each busy thread's scores vector is resized task after task; when a
  // later token sees more cells, std::vector grows to twice its old size,
  // so a step of several tokens ends with up to twice the largest need.
  const int64_t growth = n_tokens > 1 ? 2 : 1;
  s.attention = static_cast<uint64_t>(busy * group * most * growth) * sizeof(float);
  return s;
}

uint64_t runtime_overhead_bytes(const ModelDims& m) {
  const uint64_t metadata = m.file_bytes > m.tensor_bytes() ? m.file_bytes - m.tensor_bytes() : 0;
  return kRuntimeBaseBytes + 4 * metadata;
}

}  // namespace hearth::model

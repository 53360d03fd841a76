#include "model/kv_store.h"

#include <string>

#include "core/error.h"
#include "model/memory.h"

namespace hearth::model {

KvStore::KvStore(const HParams& hp, int64_t n_cells, TensorType type)
    : n_cells_(n_cells), n_layer_(hp.n_layer), type_(type) {
  if (type != TensorType::F16 && type != TensorType::F32 && type != TensorType::Q8_0) {
    throw UnsupportedError("KV cache type " + std::string(tensor_type_name(type)) +
                           " is not supported (use f16, q8_0 or f32)");
  }
  const auto& layout = layout_of(type);
  if (hp.head_dim % layout.block_size != 0 || hp.head_dim_v % layout.block_size != 0) {
    throw UnsupportedError("a " + std::string(layout.name) + " KV cache needs head sizes that are multiples of " +
                           std::to_string(layout.block_size) + " (this model's are " +
                           std::to_string(hp.head_dim) + "); use f16");
  }
  const KvRowBytes rows = kv_row_bytes(hp, type);
  k_row_bytes_ = rows.k;
  v_row_bytes_ = rows.v;
  k_head_bytes_ = row_bytes(layout, static_cast<uint64_t>(hp.head_dim));
  v_head_bytes_ = row_bytes(layout, static_cast<uint64_t>(hp.head_dim_v));
  layer_bytes_ = (k_row_bytes_ + v_row_bytes_) * static_cast<uint64_t>(n_cells);
  rows_ = allocate_huge_page_buffer(layer_bytes_ * static_cast<uint64_t>(n_layer_));
  seq_.assign(static_cast<size_t>(n_cells), -1);
  pos_.assign(static_cast<size_t>(n_cells), 0);
}

uint64_t KvStore::bytes_per_cell(const HParams& hp, TensorType type) { return kv_bytes_per_cell(hp, type); }

uint64_t KvStore::bytes() const {
  return layer_bytes_ * static_cast<uint64_t>(n_layer_);
}

uint64_t KvStore::allocated_bytes() const {
  return bytes() + seq_.capacity() * sizeof(int32_t) + pos_.capacity() * sizeof(int64_t);
}

void KvStore::clear() { seq_.assign(seq_.size(), -1); }

}  // namespace hearth::model

#include "model/kv_store.h"

#include <string>

#include "core/error.h"

namespace hearth::model {

KvStore::KvStore(const HParams& hp, int64_t n_cells, TensorType type)
    : n_cells_(n_cells), type_(type) {
  if (type != TensorType::F16 && type != TensorType::F32) {
    throw UnsupportedError("KV cache type " + std::string(tensor_type_name(type)) +
                           " is not supported (use f16 or f32)");
  }
  const uint64_t es = layout_of(type).type_size;
  k_row_bytes_ = static_cast<uint64_t>(hp.n_embd_k()) * es;
  v_row_bytes_ = static_cast<uint64_t>(hp.n_embd_v()) * es;
  k_.resize(static_cast<size_t>(hp.n_layer));
  v_.resize(static_cast<size_t>(hp.n_layer));
  for (auto& k : k_) k.resize(k_row_bytes_ * static_cast<uint64_t>(n_cells));
  for (auto& v : v_) v.resize(v_row_bytes_ * static_cast<uint64_t>(n_cells));
  seq_.assign(static_cast<size_t>(n_cells), -1);
  pos_.assign(static_cast<size_t>(n_cells), 0);
}

uint64_t KvStore::bytes() const {
  return (k_row_bytes_ + v_row_bytes_) * static_cast<uint64_t>(n_cells_) * k_.size();
}

void KvStore::clear() { seq_.assign(seq_.size(), -1); }

}  // namespace hearth::model

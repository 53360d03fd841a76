#include "model/footprint.h"

#include <algorithm>

namespace hearth::model {

DecodeTraffic decode_traffic(const ModelDims& m, double n_ctx, TensorType kv_type) {
  const HParams& hp = m.hp;
  DecodeTraffic t;
  const bool tied = m.tied();
  for (const TensorDims& tensor : m.tensors) {
    if (tensor.name == "token_embd.weight") {
      t.embd_row = tensor.bytes / tensor.n_rows;
      if (tied) t.weights += tensor.bytes;
    } else {
      t.weights += tensor.bytes;
    }
  }
  const KvRowBytes rows = kv_row_bytes(hp, kv_type);
  const auto cell_bytes = static_cast<double>(rows.k + rows.v);
  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const double cells = hp.is_swa(l) ? std::min(n_ctx, static_cast<double>(hp.sliding_window)) : n_ctx;
    t.kv += cells * cell_bytes;
  }
  return t;
}

DecodeTraffic decode_traffic(const Model& model, double n_ctx, TensorType kv_type) {
  return decode_traffic(dims_of(model.file()), n_ctx, kv_type);
}

}  // namespace hearth::model

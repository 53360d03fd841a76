#include "model/footprint.h"

#include <algorithm>

namespace hearth::model {

DecodeTraffic decode_traffic(const Model& model, double n_ctx, TensorType kv_type) {
  const gguf::File& f = model.file();
  const HParams& hp = model.hparams();
  DecodeTraffic t;
  const bool tied = f.find_tensor("output.weight") == nullptr;
  for (const gguf::Tensor& tensor : f.tensors()) {
    if (tensor.name == "token_embd.weight") {
      t.embd_row = tensor.n_bytes / tensor.n_rows();
      if (tied) t.weights += tensor.n_bytes;
    } else {
      t.weights += tensor.n_bytes;
    }
  }
  const TensorTypeLayout& kl = layout_of(kv_type);
  const double cell_bytes = static_cast<double>(row_bytes(kl, static_cast<uint64_t>(hp.n_embd_k())) +
                                                row_bytes(kl, static_cast<uint64_t>(hp.n_embd_v())));
  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const double cells = hp.is_swa(l) ? std::min(n_ctx, static_cast<double>(hp.sliding_window)) : n_ctx;
    t.kv += cells * cell_bytes;
  }
  return t;
}

}  // namespace hearth::model

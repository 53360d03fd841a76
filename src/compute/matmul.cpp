#include "compute/matmul.h"

#include <algorithm>

#include "quant/type_traits.h"

namespace hearth::compute {

namespace {
// Tokens processed per pass over a band of weight rows: the quantized
// activations of one tile stay in L2 while each weight row is reused for
// every token of the tile (the weight row itself stays in L1).
constexpr int64_t kTokenTile = 32;
}  // namespace

void matmul(const WeightView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
  const auto& tr = quant::traits(w.type);
  const auto& act_tr = quant::traits(tr.vec_dot_type);
  const uint64_t act_row = row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(w.n_in));
  scratch.act.resize(act_row * static_cast<uint64_t>(n_tokens));
  uint8_t* act = scratch.act.data();

  // 1. quantize each activation row once
  pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) act_tr.quantize(x + t * w.n_in, act + t * act_row, w.n_in, nullptr);
  });

  // 2. every thread takes a band of weight rows; each row is read once per token tile
  pool.parallel_for(w.n_out, [&](int64_t ob, int64_t oe, int) {
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
      const int64_t t1 = std::min(n_tokens, t0 + kTokenTile);
      for (int64_t o = ob; o < oe; ++o) {
        const uint8_t* row = w.data + static_cast<uint64_t>(o) * w.row_bytes;
        for (int64_t t = t0; t < t1; ++t) {
          y[t * w.n_out + o] = tr.vec_dot(w.n_in, row, act + static_cast<uint64_t>(t) * act_row);
        }
      }
    }
  });
}

}  // namespace hearth::compute

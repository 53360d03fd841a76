#include "compute/attention.h"

#include <string>

#include "compute/ops.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/type_traits.h"

namespace hearth::compute {

namespace {

void check_kv_type(TensorType t) {
  if (t != TensorType::F16 && t != TensorType::F32 && t != TensorType::Q8_0) {
    throw UnsupportedError("attention: KV type " + std::string(tensor_type_name(t)) +
                           " is not supported (f16, q8_0 or f32)");
  }
}

// Element i of a KV row as float (a Q8_0 row is whole 32-element blocks).
inline float kv_at(TensorType t, const uint8_t* row, int64_t i) {
  if (t == TensorType::F32) return reinterpret_cast<const float*>(row)[i];
  if (t == TensorType::Q8_0) {
    const auto& b = reinterpret_cast<const quant::BlockQ8_0*>(row)[i / quant::kQK];
    return fp16_to_fp32(b.d) * static_cast<float>(b.qs[i % quant::kQK]);
  }
  return fp16_to_fp32(reinterpret_cast<const uint16_t*>(row)[i]);
}

}  // namespace

void attend_generic(const AttentionGroup& g, std::vector<float>& scores) {
  check_kv_type(g.kv_type);
  scores.resize(static_cast<size_t>(g.n_q * g.n_cells));
  for (int64_t h = 0; h < g.n_q; ++h) {
    const float* q = g.q + h * g.d;
    float* s = scores.data() + h * g.n_cells;
    for (int64_t j = 0; j < g.n_cells; ++j) {
      const uint8_t* k = g.k + static_cast<uint64_t>(g.cells[j]) * g.k_stride;
      float dot = 0;
      for (int64_t i = 0; i < g.d; ++i) dot += q[i] * kv_at(g.kv_type, k, i);
      s[j] = dot * g.scale;
    }
    if (g.softcap > 0) softcap(s, g.n_cells, g.softcap);
    softmax(s, g.n_cells);
    float* out = g.out + h * g.dv;
    for (int64_t i = 0; i < g.dv; ++i) out[i] = 0;
    for (int64_t j = 0; j < g.n_cells; ++j) {
      const uint8_t* v = g.v + static_cast<uint64_t>(g.cells[j]) * g.v_stride;
      for (int64_t i = 0; i < g.dv; ++i) out[i] += s[j] * kv_at(g.kv_type, v, i);
    }
  }
}

void attend(const AttentionGroup& g, std::vector<float>& scores) {
  static const bool avx2 = cpu_features().has_avx2_kernels();
  static const bool avx512 = quant::avx512_kernels_in_use();
  check_kv_type(g.kv_type);
  // A Q8_0 row is whole blocks (the cache's rows are): a vector never spans two.
  if (!avx2 || (g.kv_type == TensorType::Q8_0 && (g.d % quant::kQK != 0 || g.dv % quant::kQK != 0))) {
    attend_generic(g, scores);
    return;
  }
  if (avx512 && g.d % 16 == 0 && g.dv % 16 == 0) {
    avx512::attend(g, scores);
  } else if (g.d % 8 == 0 && g.dv % 8 == 0) {
    avx2::attend(g, scores);
  } else {
    attend_generic(g, scores);
  }
}

}  // namespace hearth::compute

// compute::attend (the kernel picked for this CPU) against the portable
// reference, for F16 and F32 caches (Q8_0 against its dequantized values), group sizes that exercise every head
// tile (4 and the 1..3 remainders), cell counts around the 8-wide vector
// body, scattered cell lists and soft-capping.
#include "compute/attention.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "core/error.h"
#include "quant/type_traits.h"

namespace hearth::compute {
namespace {

void check(TensorType kv_type, int64_t n_q, int64_t n_cells, float softcap, int64_t kD = 64, int64_t kDv = 64) {
  constexpr int64_t kCacheCells = 80;
  std::mt19937 rng(static_cast<uint32_t>(n_q * 1000 + n_cells));
  std::normal_distribution<float> dist;
  std::vector<float> q(static_cast<size_t>(n_q * kD)), kf(static_cast<size_t>(kCacheCells * kD)),
      vf(static_cast<size_t>(kCacheCells * kDv));
  for (auto& x : q) x = dist(rng);
  for (auto& x : kf) x = dist(rng);
  for (auto& x : vf) x = dist(rng);
  const uint64_t es = layout_of(kv_type).type_size;
  std::vector<uint8_t> k(kf.size() * es), v(vf.size() * es);
  quant::quantize(kv_type, kf.data(), k.data(), kCacheCells, kD, nullptr);
  quant::quantize(kv_type, vf.data(), v.data(), kCacheCells, kDv, nullptr);
  std::vector<int64_t> cells;
  for (int64_t j = 0; j < n_cells; ++j) cells.push_back((j * 37 + 5) % kCacheCells);  // scattered

  std::vector<float> out(static_cast<size_t>(n_q * kDv)), ref(out.size()), scratch;
  AttentionGroup g;
  g.kv_type = kv_type;
  g.q = q.data();
  g.n_q = n_q;
  g.d = kD;
  g.dv = kDv;
  g.k = k.data();
  g.k_stride = kD * es;
  g.v = v.data();
  g.v_stride = kDv * es;
  g.cells = cells.data();
  g.n_cells = n_cells;
  g.scale = 0.125f;
  g.softcap = softcap;
  g.out = out.data();
  attend(g, scratch);
  g.out = ref.data();
  attend_generic(g, scratch);
  // Each output is a convex combination of values with |v| < 6; the kernels
  // differ by the summation order of 64-term dots (scores ~ 1, so ~1e-6) and
  // exp to a few ulp, both relative errors ~1e-6 of terms below 6: 2e-5 is
  // a bound with margin, far below any real error (wrong cell, head, scale).
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_NEAR(out[i], ref[i], 2e-5) << tensor_type_name(kv_type) << " n_q " << n_q << " cells " << n_cells
                                      << " softcap " << softcap << " d " << kD << " dv " << kDv << " at " << i;
  }
}

TEST(Attention, MatchesReference) {
  for (TensorType t : {TensorType::F16, TensorType::F32}) {
    for (int64_t n_q : {1, 2, 3, 4, 5, 7}) {
      for (int64_t n_cells : {1, 7, 8, 9, 33, 80}) check(t, n_q, n_cells, 0.0f);
    }
    check(t, 4, 33, 5.0f);
  }
}

// Other head sizes: the kernel's value passes cover 8 * (8 / group tile)
// dimensions each, then 8 at a time (dv = 40 ends on one of those for every
// tile); keys and values of different sizes.
TEST(Attention, MatchesReferenceForOtherHeadSizes) {
  for (const auto& [d, dv] : {std::pair<int64_t, int64_t>{128, 128}, {96, 40}, {40, 96}}) {
    for (int64_t n_q : {1, 2, 3, 4, 7}) {
      for (int64_t n_cells : {1, 9, 80}) check(TensorType::F16, n_q, n_cells, 0.0f, d, dv);
    }
  }
}

// A single visible cell: softmax is exactly 1, so out is that value row.
TEST(Attention, OneCellReturnsItsValues) {
  const float q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float k[8] = {}, v[8] = {1.5f, -2, 3, 0, 0.25f, 9, -7, 4}, out[8];
  const int64_t cell = 0;
  std::vector<float> scratch;
  AttentionGroup g;
  g.kv_type = TensorType::F32;
  g.q = q;
  g.n_q = 1;
  g.d = g.dv = 8;
  g.k = reinterpret_cast<const uint8_t*>(k);
  g.v = reinterpret_cast<const uint8_t*>(v);
  g.k_stride = g.v_stride = sizeof(k);
  g.cells = &cell;
  g.n_cells = 1;
  g.out = out;
  attend(g, scratch);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], v[i]);
}

// A Q8_0 cache attends exactly like an F32 cache holding its dequantized
// values (same maths on the same numbers; only float summation order differs).
TEST(Attention, Q8_0CacheMatchesItsDequantizedValues) {
  constexpr int64_t kD = 64, kCells = 40, kQ = 3;
  std::mt19937 rng(11);
  std::normal_distribution<float> dist;
  std::vector<float> q(kQ * kD), kf(kCells * kD), vf(kCells * kD);
  for (auto* vec : {&q, &kf, &vf}) for (auto& x : *vec) x = dist(rng);
  const uint64_t row = row_bytes(layout_of(TensorType::Q8_0), kD);
  std::vector<uint8_t> k8(kCells * row), v8(kCells * row);
  quant::quantize(TensorType::Q8_0, kf.data(), k8.data(), kCells, kD, nullptr);
  quant::quantize(TensorType::Q8_0, vf.data(), v8.data(), kCells, kD, nullptr);
  quant::dequantize(TensorType::Q8_0, k8.data(), kf.data(), kCells * kD);
  quant::dequantize(TensorType::Q8_0, v8.data(), vf.data(), kCells * kD);
  std::vector<int64_t> cells;
  for (int64_t j = 0; j < kCells; j += 3) cells.push_back(j);

  std::vector<float> out8(kQ * kD), out32(kQ * kD), scratch;
  AttentionGroup g;
  g.q = q.data();
  g.n_q = kQ;
  g.d = g.dv = kD;
  g.cells = cells.data();
  g.n_cells = static_cast<int64_t>(cells.size());
  g.scale = 0.125f;
  g.kv_type = TensorType::Q8_0;
  g.k = k8.data();
  g.v = v8.data();
  g.k_stride = g.v_stride = row;
  g.out = out8.data();
  attend(g, scratch);
  g.kv_type = TensorType::F32;
  g.k = reinterpret_cast<const uint8_t*>(kf.data());
  g.v = reinterpret_cast<const uint8_t*>(vf.data());
  g.k_stride = g.v_stride = kD * sizeof(float);
  g.out = out32.data();
  attend_generic(g, scratch);
  for (size_t i = 0; i < out8.size(); ++i) ASSERT_NEAR(out8[i], out32[i], 2e-5) << i;
}

TEST(Attention, RejectsOtherQuantizedCaches) {
  std::vector<float> scratch;
  AttentionGroup g;
  g.kv_type = TensorType::Q4_0;
  g.n_q = 1;
  g.d = g.dv = 32;
  g.n_cells = 1;
  EXPECT_THROW(attend(g, scratch), UnsupportedError);
}

}  // namespace
}  // namespace hearth::compute

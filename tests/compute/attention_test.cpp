// compute::attend (the kernel picked for this CPU) and each SIMD kernel the
// CPU can run (AVX2, AVX-512) against the portable reference, for F16, F32
// and Q8_0 caches (and Q8_0 against its dequantized values), group sizes that exercise
// every head tile (4 and the 1..3 remainders), cell counts around each cell
// tile (8 / NH cells on AVX2, 16 / NH on AVX-512), head sizes that end in
// every value pass, scattered cell lists and soft-capping.
#include "compute/attention.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "quant/type_traits.h"

namespace hearth::compute {
namespace {

using AttendFn = void (*)(const AttentionGroup&, std::vector<float>&);

// A kernel and the multiple its head sizes must be (1: any).
struct Kernel {
  const char* name;
  AttendFn fn;
  int64_t multiple;
};

// attend() as the library picks, then every SIMD kernel this CPU runs.
std::vector<Kernel> kernels() {
  std::vector<Kernel> k{{"picked", attend, 1}};
  if (cpu_features().has_avx2_kernels()) k.push_back({"avx2", avx2::attend, 8});
  if (cpu_features().has_avx512_kernels()) k.push_back({"avx512", avx512::attend, 16});
  return k;
}

void check_one(const Kernel& kernel, TensorType kv_type, int64_t n_q, int64_t n_cells, float softcap, int64_t kD,
               int64_t kDv) {
  constexpr int64_t kCacheCells = 80;
  std::mt19937 rng(static_cast<uint32_t>(n_q * 1000 + n_cells));
  std::normal_distribution<float> dist;
  std::vector<float> q(static_cast<size_t>(n_q * kD)), kf(static_cast<size_t>(kCacheCells * kD)),
      vf(static_cast<size_t>(kCacheCells * kDv));
  for (auto& x : q) x = dist(rng);
  for (auto& x : kf) x = dist(rng);
  for (auto& x : vf) x = dist(rng);
  const uint64_t k_row = row_bytes(layout_of(kv_type), kD), v_row = row_bytes(layout_of(kv_type), kDv);
  std::vector<uint8_t> k(kCacheCells * k_row), v(kCacheCells * v_row);
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
  g.k_stride = k_row;
  g.v = v.data();
  g.v_stride = v_row;
  g.cells = cells.data();
  g.n_cells = n_cells;
  g.scale = 0.125f;
  g.softcap = softcap;
  g.out = out.data();
  kernel.fn(g, scratch);
  g.out = ref.data();
  attend_generic(g, scratch);
  // Each output is a convex combination of values with |v| < 6; the kernels
  // differ by the summation order of 64-term dots (scores ~ 1, so ~1e-6) and
  // exp to a few ulp, both relative errors ~1e-6 of terms below 6: 2e-5 is
  // a bound with margin, far below any real error (wrong cell, head, scale).
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_NEAR(out[i], ref[i], 2e-5) << kernel.name << " " << tensor_type_name(kv_type) << " n_q " << n_q
                                      << " cells " << n_cells << " softcap " << softcap << " d " << kD << " dv "
                                      << kDv << " at " << i;
  }
}

// Every kernel that takes these head sizes (Q8_0 rows: whole blocks of 32).
void check(TensorType kv_type, int64_t n_q, int64_t n_cells, float softcap, int64_t kD = 64, int64_t kDv = 64) {
  if (kv_type == TensorType::Q8_0 && (kD % 32 != 0 || kDv % 32 != 0)) return;
  for (const Kernel& k : kernels()) {
    if (kD % k.multiple == 0 && kDv % k.multiple == 0) check_one(k, kv_type, n_q, n_cells, softcap, kD, kDv);
  }
}

TEST(Attention, MatchesReference) {
  for (TensorType t : {TensorType::F16, TensorType::F32, TensorType::Q8_0}) {
    for (int64_t n_q : {1, 2, 3, 4, 5, 7}) {
      for (int64_t n_cells : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 80}) check(t, n_q, n_cells, 0.0f);
    }
    check(t, 4, 33, 5.0f);
  }
}

// Other head sizes: a value pass covers W * (C / group tile) dimensions (W
// floats a vector, C chains: 8 and 8 on AVX2, 16 and 16 on AVX-512), then
// passes of half as many vectors, down to one (dv = 40 ends on a one-vector
// pass on AVX2, 48 on AVX-512); keys and values of different sizes.
TEST(Attention, MatchesReferenceForOtherHeadSizes) {
  for (const auto& [d, dv] :
       {std::pair<int64_t, int64_t>{128, 128}, {96, 40}, {40, 96}, {80, 48}, {48, 80}, {256, 256}}) {
    for (int64_t n_q : {1, 2, 3, 4, 7}) {
      for (int64_t n_cells : {1, 9, 80}) {
        check(TensorType::F16, n_q, n_cells, 0.0f, d, dv);
        check(TensorType::Q8_0, n_q, n_cells, 0.0f, d, dv);
      }
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

// n_q query heads over every step-th of n_cells cells of 64-dim F32 keys and
// values, all random (normal).
struct F32Heads {
  static constexpr int64_t kD = 64;
  int64_t n_q, n_cells;
  std::vector<float> q, k, v;
  std::vector<int64_t> cells;

  F32Heads(int64_t queries, int64_t cache_cells, int64_t step, uint32_t seed)
      : n_q(queries), n_cells(cache_cells), q(queries * kD), k(cache_cells * kD), v(cache_cells * kD) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist;
    for (auto* vec : {&q, &k, &v}) for (auto& x : *vec) x = dist(rng);
    for (int64_t j = 0; j < cache_cells; j += step) cells.push_back(j);
  }
  AttentionGroup group(float* out) const {
    AttentionGroup g;
    g.kv_type = TensorType::F32;
    g.q = q.data();
    g.n_q = n_q;
    g.d = g.dv = kD;
    g.k = reinterpret_cast<const uint8_t*>(k.data());
    g.v = reinterpret_cast<const uint8_t*>(v.data());
    g.k_stride = g.v_stride = kD * sizeof(float);
    g.cells = cells.data();
    g.n_cells = static_cast<int64_t>(cells.size());
    g.scale = 0.125f;
    g.out = out;
    return g;
  }
};

// A Q8_0 cache attends exactly like an F32 cache holding its dequantized
// values (same maths on the same numbers; only float summation order differs).
TEST(Attention, Q8_0CacheMatchesItsDequantizedValues) {
  F32Heads h(3, 40, 3, 11);
  const int64_t d = F32Heads::kD;
  const uint64_t row = row_bytes(layout_of(TensorType::Q8_0), d);
  std::vector<uint8_t> k8(h.n_cells * row), v8(h.n_cells * row);
  quant::quantize(TensorType::Q8_0, h.k.data(), k8.data(), h.n_cells, d, nullptr);
  quant::quantize(TensorType::Q8_0, h.v.data(), v8.data(), h.n_cells, d, nullptr);
  quant::dequantize(TensorType::Q8_0, k8.data(), h.k.data(), h.n_cells * d);
  quant::dequantize(TensorType::Q8_0, v8.data(), h.v.data(), h.n_cells * d);

  std::vector<float> out8(h.n_q * d), out32(h.n_q * d), scratch;
  AttentionGroup g = h.group(out8.data());
  g.kv_type = TensorType::Q8_0;
  g.k = k8.data();
  g.v = v8.data();
  g.k_stride = g.v_stride = row;
  attend(g, scratch);
  attend_generic(h.group(out32.data()), scratch);
  for (size_t i = 0; i < out8.size(); ++i) ASSERT_NEAR(out8[i], out32[i], 2e-5) << i;
}

// The library runs the AVX-512 kernel exactly where the quantized kernels are
// AVX-512 ones (HEARTH_KERNELS=avx2 keeps both out), on head sizes it takes;
// else the AVX2 one where the CPU has it.
TEST(Attention, PicksTheAvx512KernelWithTheQuantizedKernels) {
  const F32Heads h(4, 33, 1, 5);
  std::vector<float> picked(h.n_q * F32Heads::kD), simd(picked.size()), scratch;
  attend(h.group(picked.data()), scratch);
  const bool avx512 = quant::avx512_kernels_in_use();
  EXPECT_EQ(avx512, cpu_features().has_avx512_kernels() && std::string_view(quant::kernel_isa()).find("avx512") !=
                                                               std::string_view::npos);
  const Kernel expected = avx512 ? Kernel{"avx512", avx512::attend, 16}
                          : cpu_features().has_avx2_kernels() ? Kernel{"avx2", avx2::attend, 8}
                                                              : Kernel{"generic", attend_generic, 1};
  expected.fn(h.group(simd.data()), scratch);
  for (size_t i = 0; i < picked.size(); ++i) ASSERT_EQ(picked[i], simd[i]) << expected.name << " " << i;
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

// Google Benchmark suite for the dot kernels: a weight matrix larger than the
// caches times one quantized activation row, the shape of a decode step.
// Each type reports bytes/s of weights read; BM_ReadBandwidth measures the
// machine's streaming read limit in the same run, so the two can be compared
// (kernel GB/s ÷ read GB/s = fraction of the memory limit reached).
// Gemm/* measures the batched kernels where they are bound by arithmetic, not
// memory: a band of 32 weight rows times 8 tokens (batched decode of 8
// streams), in cache, in GFLOP/s; where the table runs an AVX-512 gemm, the
// AVX2 one is measured next to it (Gemm/T/avx2).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/bandwidth.h"
#include "core/cpu_features.h"
#include "quant/gemm.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"

namespace {

using hearth::TensorType;
namespace quant = hearth::quant;

constexpr int64_t kRowLen = 4096;
constexpr int64_t kMatrixBytes = int64_t{256} << 20;  // well past the last-level cache

// Streaming read of a buffer as large as the weight matrices, on one thread
// like the dot kernels below: the limit they are compared against. Same
// loop as `hearth bench`'s probe (core/bandwidth.h).
void BM_ReadBandwidth(benchmark::State& state) {
  std::vector<uint8_t> buf(static_cast<size_t>(kMatrixBytes), 1);
  const auto read_sum = hearth::cpu_features().has_avx2_kernels() ? hearth::detail::read_sum_avx2
                                                                  : hearth::detail::read_sum_generic;
  for (auto _ : state) benchmark::DoNotOptimize(read_sum(buf.data(), buf.size()));
  state.SetBytesProcessed(state.iterations() * kMatrixBytes);
}

void BM_VecDot(benchmark::State& state, TensorType type) {
  const auto& tr = quant::traits(type);
  const auto& wl = hearth::layout_of(type);
  const auto& al = hearth::layout_of(tr.vec_dot_type);
  const uint64_t rb = hearth::row_bytes(wl, kRowLen);
  const int64_t rows = kMatrixBytes / static_cast<int64_t>(rb);

  std::mt19937 rng(42);
  std::normal_distribution<float> dist;
  std::vector<float> src(kRowLen);
  for (auto& v : src) v = dist(rng);
  std::vector<uint8_t> row(rb), w(rb * static_cast<size_t>(rows));
  tr.quantize(src.data(), row.data(), kRowLen, nullptr);
  for (int64_t r = 0; r < rows; ++r) std::memcpy(w.data() + r * rb, row.data(), rb);
  std::vector<uint8_t> act(hearth::row_bytes(al, kRowLen));
  quant::traits(tr.vec_dot_type).quantize(src.data(), act.data(), kRowLen, nullptr);

  for (auto _ : state) {
    float sum = 0;
    for (int64_t r = 0; r < rows; ++r) sum += tr.vec_dot(kRowLen, w.data() + r * rb, act.data());
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * rows * static_cast<int64_t>(rb));
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * rows * kRowLen * 2 * 1e-9,
      benchmark::Counter::kIsRate);
  state.SetLabel(std::string(quant::kernel_isa()));
}

// Random rows of `type` (n_rows x n), quantized.
std::vector<uint8_t> random_rows(TensorType type, int64_t n_rows, int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist;
  const uint64_t rb = hearth::row_bytes(hearth::layout_of(type), static_cast<uint64_t>(n));
  std::vector<uint8_t> out(rb * static_cast<size_t>(n_rows));
  std::vector<float> src(static_cast<size_t>(n));
  for (int64_t r = 0; r < n_rows; ++r) {
    for (auto& v : src) v = dist(rng);
    quant::traits(type).quantize(src.data(), out.data() + r * rb, n, nullptr);
  }
  return out;
}

void BM_Gemm(benchmark::State& state, TensorType type, quant::GemmFn gemm, std::string label) {
  constexpr int64_t kRows = 32, kTokens = 8, kN = 2048;
  const auto& tr = quant::traits(type);
  std::mt19937 rng(7);
  const auto w = random_rows(type, kRows, kN, rng);
  const auto a = random_rows(tr.vec_dot_type, kTokens, kN, rng);
  const uint64_t wb = hearth::row_bytes(hearth::layout_of(type), kN);
  const uint64_t ab = hearth::row_bytes(hearth::layout_of(tr.vec_dot_type), kN);
  std::vector<float> y(kRows * kTokens);
  for (auto _ : state) {
    gemm(kN, w.data(), wb, kRows, a.data(), ab, kTokens, y.data(), kRows);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kRows * kTokens * kN * 2 * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(label);
}

int register_all() {
  benchmark::RegisterBenchmark("ReadBandwidth", BM_ReadBandwidth)->Unit(benchmark::kMillisecond);
  int n = 0;
  const TensorType* types = quant::types_with_kernels(&n);
  for (int i = 0; i < n; ++i) {
    if (!quant::traits(types[i]).weight_type) continue;
    const std::string name = "VecDot/" + std::string(hearth::tensor_type_name(types[i]));
    benchmark::RegisterBenchmark(name.c_str(), BM_VecDot, types[i])
        ->Unit(benchmark::kMillisecond);
  }
  for (int i = 0; i < n; ++i) {
    const quant::GemmFn gemm = quant::traits(types[i]).gemm;
    if (gemm == nullptr) continue;
    const std::string name = "Gemm/" + std::string(hearth::tensor_type_name(types[i]));
    benchmark::RegisterBenchmark(name.c_str(), BM_Gemm, types[i], gemm, std::string(quant::kernel_isa()));
  }
  if (std::string(quant::kernel_isa()) == "avx2+avx512") {
    for (const TensorType t : quant::x86::kAvx512Gemms) {
      const quant::GemmFn avx2 = t == TensorType::Q4_K ? quant::avx2::gemm_q4_K_q8_K : quant::avx2::gemm_q6_K_q8_K;
      const std::string name = "Gemm/" + std::string(hearth::tensor_type_name(t)) + "/avx2";
      benchmark::RegisterBenchmark(name.c_str(), BM_Gemm, t, avx2, std::string("avx2"));
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();

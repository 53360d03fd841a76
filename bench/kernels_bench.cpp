// Google Benchmark suite for the dot kernels: a weight matrix larger than the
// caches times one quantized activation row, the shape of a decode step.
// Each type reports bytes/s of weights read; BM_ReadBandwidth measures the
// machine's streaming read limit in the same run, so the two can be compared
// (kernel GB/s ÷ read GB/s = fraction of the memory limit reached).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/bandwidth.h"
#include "core/cpu_features.h"
#include "quant/type_traits.h"

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
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();

// Google Benchmark suite for the dot kernels: a weight matrix larger than the
// caches times one quantized activation row, the shape of a decode step.
// Each type reports bytes/s of weights read; BM_ReadBandwidth measures the
// machine's streaming read limit in the same run, so the two can be compared
// (kernel GB/s ÷ read GB/s = fraction of the memory limit reached). Both
// stream buffers on huge pages (core/huge_pages.h): on 4 KiB pages the page
// walks, not the kernels or the memory, set both figures.
// Gemm/* measures the batched kernels where they are bound by arithmetic, not
// memory: a band of 32 weight rows times 8 tokens (batched decode of 8
// streams), in cache, in GFLOP/s; where the table runs an AVX-512 dot or
// gemm, the AVX2 one is measured next to it (VecDot/T/avx2, Gemm/T/avx2).
// Bands/*, BandsInL2/* and BandGemm/* measure the same shapes for the types
// with band kernels, over the rows interleaved (quant/interleave.h), and on
// AVX-512 the AVX2 band kernels next to them (Bands/T/avx2, ...).
// Attention/F16/N: compute::attend as one decode step runs it on one thread,
// Llama-3.2-1B's heads (4 query heads per KV head, 64 dims) over N cells of
// each of 16 layers x 8 KV heads, in bytes/s of keys and values read (N =
// 80, `hearth bench`'s decode context: 2.6 MB, in cache; 4096: 268 MB, from
// memory); where the library picks the AVX-512 kernel, the AVX2 one beside
// it (Attention/F16/N/avx2).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "compute/attention.h"
#include "core/bandwidth.h"
#include "core/fp16.h"
#include "core/huge_pages.h"
#include "quant/gemm.h"
#include "quant/interleave.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"

namespace {

using hearth::TensorType;
namespace quant = hearth::quant;

constexpr int64_t kRowLen = 4096;
constexpr int64_t kMatrixBytes = int64_t{256} << 20;  // well past the last-level cache
// VecDotInL2/*: the same loop over 256 KB of weights, which stay in L2: the
// kernel's arithmetic speed, i.e. how far it could run ahead of memory (a
// decode step needs it well ahead: the core must keep issuing reads while it
// computes).
constexpr int64_t kInL2Bytes = int64_t{256} << 10;

// Streaming read of a buffer as large as the weight matrices, on one thread
// like the dot kernels below: the limit they are compared against. Same
// loop as `hearth bench`'s probe (core/bandwidth.h).
void BM_ReadBandwidth(benchmark::State& state) {
  const hearth::HugePageBuffer buf = hearth::map_huge_page_buffer(static_cast<size_t>(kMatrixBytes));
  std::memset(buf.get(), 1, static_cast<size_t>(kMatrixBytes));
  for (auto _ : state) {
    benchmark::DoNotOptimize(hearth::detail::read_sum(buf.get(), static_cast<uint64_t>(kMatrixBytes)));
  }
  state.SetBytesProcessed(state.iterations() * kMatrixBytes);
}

// The table's entry for `type`, or its AVX2 kernels where `avx2` asks for
// them next to a faster ISA's (with the plain activation rows they read).
quant::TypeTraits kernels(TensorType type, bool avx2) {
  quant::TypeTraits tr = quant::traits(type);
  if (!avx2) return tr;
  switch (type) {
    case TensorType::Q4_0:
      tr.vec_dot = quant::avx2::vec_dot_q4_0_q8_0;
      tr.gemm = quant::avx2::gemm_q4_0_q8_0;
      tr.act_extras = nullptr;
      break;
    case TensorType::Q4_K:
      tr.vec_dot = quant::avx2::vec_dot_q4_K_q8_K;
      tr.gemm = quant::avx2::gemm_q4_K_q8_K;
      break;
    case TensorType::Q6_K:
      tr.vec_dot = quant::avx2::vec_dot_q6_K_q8_K;
      tr.gemm = quant::avx2::gemm_q6_K_q8_K;
      break;
    default: break;
  }
  return tr;
}

// A matrix of kRowLen-element rows of `type` over matrix_bytes (one random
// row repeated), and an activation row as `tr`'s kernels read it.
struct DecodeShape {
  hearth::HugePageBuffer w;
  uint64_t row_bytes = 0;
  int64_t rows = 0;
  std::vector<uint8_t> act;
};
DecodeShape decode_shape(const quant::TypeTraits& tr, int64_t matrix_bytes) {
  DecodeShape d;
  d.row_bytes = hearth::row_bytes(hearth::layout_of(tr.type), kRowLen);
  d.rows = matrix_bytes / static_cast<int64_t>(d.row_bytes) / 16 * 16;  // whole bands of 8 and of 16
  std::mt19937 rng(42);
  std::normal_distribution<float> dist;
  std::vector<float> src(kRowLen);
  for (auto& v : src) v = dist(rng);
  std::vector<uint8_t> row(d.row_bytes);
  d.w = hearth::map_huge_page_buffer(d.row_bytes * static_cast<size_t>(d.rows));
  tr.quantize(src.data(), row.data(), kRowLen, nullptr);
  for (int64_t r = 0; r < d.rows; ++r) std::memcpy(d.w.get() + r * d.row_bytes, row.data(), d.row_bytes);
  d.act.resize(quant::activation_row_bytes(tr, kRowLen));
  quant::quantize_activation(tr, src.data(), d.act.data(), kRowLen);
  return d;
}

void count_decode(benchmark::State& state, const DecodeShape& d) {
  state.SetBytesProcessed(state.iterations() * d.rows * static_cast<int64_t>(d.row_bytes));
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * d.rows * kRowLen * 2 * 1e-9,
                                                 benchmark::Counter::kIsRate);
}

void BM_VecDot(benchmark::State& state, TensorType type, bool avx2, int64_t matrix_bytes) {
  const quant::TypeTraits tr = kernels(type, avx2);
  const DecodeShape d = decode_shape(tr, matrix_bytes);
  for (auto _ : state) {
    float sum = 0;
    for (int64_t r = 0; r < d.rows; ++r) sum += tr.vec_dot(kRowLen, d.w.get() + r * d.row_bytes, d.act.data());
    benchmark::DoNotOptimize(sum);
  }
  count_decode(state, d);
  state.SetLabel(avx2 ? "avx2" : quant::kernel_isa());
}

// Bands/*: the same decode step over the matrix interleaved in bands
// (quant/interleave.h), as compute::matmul runs a model's matrices on one
// thread (quant::decode_rows over all the rows).
// `isa`: "" for the table's, or a quant::band_kernel_variants name ("avx2",
// "avx512": the same layout and activation side data; "avx512vnni-x8",
// "avx512vnni-x16": the two layouts) to compare them.
const quant::InterleavedKernels& band_kernels(TensorType type, const std::string& isa) {
  const quant::InterleavedKernels* k = quant::band_kernel_variant(type, isa);
  return k != nullptr ? *k : *quant::traits(type).interleaved;
}

void BM_Bands(benchmark::State& state, TensorType type, const std::string& isa, int64_t matrix_bytes) {
  const quant::TypeTraits& tr = quant::traits(type);
  const quant::InterleavedKernels& k = band_kernels(type, isa);
  DecodeShape d = decode_shape(tr, matrix_bytes);
  quant::interleave_rows(k, kRowLen, d.w.get(), d.w.get(), d.rows, d.row_bytes);
  std::vector<float> y(static_cast<size_t>(d.rows));
  for (auto _ : state) {
    quant::decode_rows(k, kRowLen, d.w.get(), d.row_bytes, d.rows, d.act.data(), 0, d.rows, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  count_decode(state, d);
  state.SetLabel(isa.empty() ? quant::kernel_isa() : isa);
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

// n_tok activation rows as `tr`'s kernels read them (quant::quantize_activation).
std::vector<uint8_t> random_activations(const quant::TypeTraits& tr, int64_t n_tok, int64_t n, std::mt19937& rng) {
  const uint64_t ab = quant::activation_row_bytes(tr, n);
  std::vector<uint8_t> a(ab * static_cast<uint64_t>(n_tok));
  std::normal_distribution<float> dist;
  std::vector<float> src(static_cast<size_t>(n));
  for (int64_t t = 0; t < n_tok; ++t) {
    for (auto& v : src) v = dist(rng);
    quant::quantize_activation(tr, src.data(), a.data() + t * ab, n);
  }
  return a;
}

void count_gemm(benchmark::State& state, int64_t rows, int64_t n_tok, int64_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * rows * n_tok * n * 2 * 1e-9, benchmark::Counter::kIsRate);
}

void BM_Gemm(benchmark::State& state, TensorType type, quant::GemmFn gemm, std::string label) {
  constexpr int64_t kRows = 32, kTokens = 8, kN = 2048;
  const quant::TypeTraits tr = kernels(type, label == "avx2");
  std::mt19937 rng(7);
  const auto w = random_rows(type, kRows, kN, rng);
  const uint64_t ab = quant::activation_row_bytes(tr, kN);
  const auto a = random_activations(tr, kTokens, kN, rng);
  const uint64_t wb = hearth::row_bytes(hearth::layout_of(type), kN);
  std::vector<float> y(kRows * kTokens);
  for (auto _ : state) {
    gemm(kN, w.data(), wb, kRows, a.data(), ab, kTokens, y.data(), kRows);
    benchmark::DoNotOptimize(y.data());
  }
  count_gemm(state, kRows, kTokens, kN);
  state.SetLabel(label);
}

// BandGemm/*: Gemm's shape over the 32 rows in bands.
void BM_BandGemm(benchmark::State& state, TensorType type, const std::string& isa) {
  const quant::TypeTraits& tr = quant::traits(type);
  const quant::InterleavedKernels& k = band_kernels(type, isa);
  constexpr int64_t kRows = 32, kTokens = 8, kN = 2048;
  std::mt19937 rng(7);
  auto w = random_rows(type, kRows, kN, rng);
  const uint64_t wb = hearth::row_bytes(hearth::layout_of(type), kN);
  quant::interleave_rows(k, kN, w.data(), w.data(), kRows, wb);
  const uint64_t ab = quant::activation_row_bytes(tr, kN);
  const auto a = random_activations(tr, kTokens, kN, rng);
  std::vector<float> y(kRows * kTokens);
  for (auto _ : state) {
    k.gemm(kN, w.data(), kRows / k.rows, a.data(), ab, kTokens, y.data(), kRows);
    benchmark::DoNotOptimize(y.data());
  }
  count_gemm(state, kRows, kTokens, kN);
  state.SetLabel(isa.empty() ? quant::kernel_isa() : isa);
}

// One decode step's attention, one thread: for each of 16 layers and 8 KV
// heads, 4 query heads over n_cells cells of an F16 cache laid out as
// model::KvStore's (a head's rows one after another). `attend`: the kernel
// the library picks, or the AVX2 one beside an AVX-512 pick.
using AttendFn = void (*)(const hearth::compute::AttentionGroup&, std::vector<float>&);
void BM_Attention(benchmark::State& state, int64_t n_cells, AttendFn attend) {
  constexpr int64_t kLayers = 16, kKvHeads = 8, kGroup = 4, kD = 64;
  const uint64_t head_bytes = kD * sizeof(uint16_t), region = head_bytes * static_cast<uint64_t>(n_cells);
  const uint64_t total = 2 * region * kLayers * kKvHeads;  // keys and values
  const hearth::HugePageBuffer kv = hearth::map_huge_page_buffer(total);
  std::mt19937 rng(3);
  std::normal_distribution<float> dist;
  auto* h = reinterpret_cast<uint16_t*>(kv.get());
  for (uint64_t i = 0; i < total / sizeof(uint16_t); ++i) h[i] = hearth::fp32_to_fp16(dist(rng));
  std::vector<float> q(kGroup * kD), out(kGroup * kD), scratch;
  for (auto& x : q) x = dist(rng);
  std::vector<int64_t> cells(static_cast<size_t>(n_cells));
  for (int64_t j = 0; j < n_cells; ++j) cells[static_cast<size_t>(j)] = j;
  hearth::compute::AttentionGroup g;
  g.kv_type = TensorType::F16;
  g.q = q.data();
  g.n_q = kGroup;
  g.d = g.dv = kD;
  g.k_stride = g.v_stride = head_bytes;
  g.cells = cells.data();
  g.n_cells = n_cells;
  g.scale = 0.125f;
  g.out = out.data();
  for (auto _ : state) {
    for (int64_t r = 0; r < kLayers * kKvHeads; ++r) {
      g.k = kv.get() + 2 * static_cast<uint64_t>(r) * region;
      g.v = g.k + region;
      attend(g, scratch);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(total));
}

int register_all() {
  benchmark::RegisterBenchmark("ReadBandwidth", BM_ReadBandwidth)->Unit(benchmark::kMillisecond);
  int n = 0;
  const TensorType* types = quant::types_with_kernels(&n);
  for (int i = 0; i < n; ++i) {
    if (!quant::traits(types[i]).weight_type) continue;
    const std::string name = "VecDot/" + std::string(hearth::tensor_type_name(types[i]));
    benchmark::RegisterBenchmark(name.c_str(), BM_VecDot, types[i], false, kMatrixBytes)
        ->Unit(benchmark::kMillisecond);
  }
  for (int i = 0; i < n; ++i) {
    if (!quant::traits(types[i]).weight_type) continue;
    const std::string name = "VecDotInL2/" + std::string(hearth::tensor_type_name(types[i]));
    benchmark::RegisterBenchmark(name.c_str(), BM_VecDot, types[i], false, kInL2Bytes);
  }
  for (int i = 0; i < n; ++i) {
    const quant::GemmFn gemm = quant::traits(types[i]).gemm;
    if (gemm == nullptr) continue;
    const std::string name = "Gemm/" + std::string(hearth::tensor_type_name(types[i]));
    benchmark::RegisterBenchmark(name.c_str(), BM_Gemm, types[i], gemm, std::string(quant::kernel_isa()));
  }
  for (int i = 0; i < n; ++i) {
    if (quant::traits(types[i]).interleaved == nullptr) continue;
    const std::string type(hearth::tensor_type_name(types[i]));
    // on AVX-512 the AVX2 kernels too (Bands/T/avx2, ...), and with VNNI the
    // plain AVX-512 ones of the types that have VNNI ones (.../avx512) and
    // the VNNI layout the table did not take (.../avx512vnni-x8 or -x16)
    const std::string table_isa = quant::kernel_isa();
    std::vector<std::string> isas = {""};
    if (table_isa.starts_with("avx2+avx512")) isas.push_back("avx2");
    if (table_isa == "avx2+avx512vnni" &&
        quant::avx512_vnni_band_kernels(types[i]) != quant::avx512_band_kernels(types[i])) {
      isas.push_back("avx512");
    }
    for (const char* layout : {"avx512vnni-x8", "avx512vnni-x16"}) {
      const quant::InterleavedKernels* k = quant::band_kernel_variant(types[i], layout);
      if (k != nullptr && k != quant::traits(types[i]).interleaved) isas.emplace_back(layout);
    }
    for (const std::string& isa : isas) {
      const std::string suffix = isa.empty() ? "" : "/" + isa;
      benchmark::RegisterBenchmark(("Bands/" + type + suffix).c_str(), BM_Bands, types[i], isa, kMatrixBytes)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BandsInL2/" + type + suffix).c_str(), BM_Bands, types[i], isa, kInL2Bytes);
      benchmark::RegisterBenchmark(("BandGemm/" + type + suffix).c_str(), BM_BandGemm, types[i], isa);
    }
  }
  for (const int64_t n_cells : {80, 512, 4096}) {
    const std::string name = "Attention/F16/" + std::to_string(n_cells);
    benchmark::RegisterBenchmark(name.c_str(), BM_Attention, n_cells, hearth::compute::attend)
        ->Unit(benchmark::kMillisecond);
    if (quant::avx512_kernels_in_use()) {
      benchmark::RegisterBenchmark((name + "/avx2").c_str(), BM_Attention, n_cells, hearth::compute::avx2::attend)
          ->Unit(benchmark::kMillisecond);
    }
  }
  if (std::string(quant::kernel_isa()).starts_with("avx2+avx512")) {
    for (const TensorType t : quant::x86::kAvx512Dots) {
      const std::string type(hearth::tensor_type_name(t));
      benchmark::RegisterBenchmark(("VecDot/" + type + "/avx2").c_str(), BM_VecDot, t, true, kMatrixBytes)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("VecDotInL2/" + type + "/avx2").c_str(), BM_VecDot, t, true, kInL2Bytes);
    }
    for (const TensorType t : quant::x86::kAvx512Gemms) {
      const std::string name = "Gemm/" + std::string(hearth::tensor_type_name(t)) + "/avx2";
      benchmark::RegisterBenchmark(name.c_str(), BM_Gemm, t, kernels(t, true).gemm, std::string("avx2"));
    }
  }
  if (std::string(quant::kernel_isa()) == "avx2+avx512vnni") {
    for (const TensorType t : quant::x86::kAvx512VnniDots) {
      const std::string type(hearth::tensor_type_name(t));
      benchmark::RegisterBenchmark(("VecDot/" + type + "/avx2").c_str(), BM_VecDot, t, true, kMatrixBytes)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("VecDotInL2/" + type + "/avx2").c_str(), BM_VecDot, t, true, kInL2Bytes);
      benchmark::RegisterBenchmark(("Gemm/" + type + "/avx2").c_str(), BM_Gemm, t, kernels(t, true).gemm,
                                   std::string("avx2"));
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();

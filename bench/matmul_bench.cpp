// Quick timing of compute::matmul on one weight shape, for tuning the decode
// and gemm paths (the whole forward pass is measured by `hearth bench`).
//
//   hearth_matmul_bench TYPE N_IN N_OUT N_TOKENS [THREADS] [REPS]
//     (HEARTH_INTERLEAVE=1: the matrix in bands, quant/interleave.h, as a
//     model's are at load)
//   hearth_matmul_bench --kernel TYPE N_IN [N_TOKENS (default 12)]
//
// --kernel compares, on one thread, the type's gemm kernel with the vec_dot
// loop on one band of 32 rows x 12 tokens (the tile compute::matmul uses at
// n_in = 2048), in CPU time, so the figure holds on a shared machine.
//
// The weight matrix is tiled from 16 quantized random rows (speed does not
// depend on the values); several copies are cycled through so that, like in
// a forward pass, the weights come from memory and not from the cache.
// Prints the best and median time, weight GB/s and multiply-adds per second.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "compute/matmul.h"
#include "core/thread_pool.h"
#include "quant/interleave.h"
#include "quant/type_traits.h"

namespace {

using Clock = std::chrono::steady_clock;

hearth::TensorType parse_type(const std::string& name) {
  if (const auto t = hearth::tensor_type_from_name(name)) return *t;
  std::fprintf(stderr, "unknown type %s\n", name.c_str());
  std::exit(2);
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<uint8_t> random_rows(const hearth::quant::TypeTraits& tr, int64_t n_rows, int64_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<float> src(static_cast<size_t>(n));
  const uint64_t rb = hearth::row_bytes(hearth::layout_of(tr.type), static_cast<uint64_t>(n));
  std::vector<uint8_t> out(rb * static_cast<uint64_t>(n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    for (auto& v : src) v = dist(rng);
    tr.quantize(src.data(), out.data() + r * rb, n, nullptr);
  }
  return out;
}

// n_rows random activation rows as tr's kernels read them
// (quant::quantize_activation), activation_row_bytes apart.
std::vector<uint8_t> activation_rows(const hearth::quant::TypeTraits& tr, int64_t n_rows, int64_t n) {
  std::mt19937 rng(2);
  std::normal_distribution<float> dist;
  std::vector<float> src(static_cast<size_t>(n));
  const uint64_t stride = hearth::quant::activation_row_bytes(tr, n);
  std::vector<uint8_t> out(stride * static_cast<uint64_t>(n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    for (auto& v : src) v = dist(rng);
    hearth::quant::quantize_activation(tr, src.data(), out.data() + r * stride, n);
  }
  return out;
}

int kernel_mode(hearth::TensorType type, int64_t n_in, int64_t n_tok) {
  namespace quant = hearth::quant;
  const auto& tr = quant::traits(type);
  constexpr int64_t kRows = 32;
  const int64_t kTok = n_tok;
  const auto w = random_rows(tr, kRows, n_in);
  const auto a = activation_rows(tr, kTok, n_in);
  const uint64_t wb = hearth::row_bytes(hearth::layout_of(type), static_cast<uint64_t>(n_in));
  const uint64_t ab = quant::activation_row_bytes(tr, n_in);
  std::vector<float> y(static_cast<size_t>(kRows * kTok));
  const double macs = static_cast<double>(kRows * kTok * n_in);
  auto time = [&](auto&& fn) {
    double best = 1e9;
    for (int rep = 0; rep < 20; ++rep) {
      const double t0 = cpu_seconds();
      fn();
      best = std::min(best, cpu_seconds() - t0);
    }
    return macs / best / 1e9;
  };
  const double dot = time([&] {
    quant::generic::gemm_by_vec_dot(tr.vec_dot, n_in, w.data(), wb, kRows, a.data(), ab, kTok, y.data(), kRows);
  });
  const double gemm = tr.gemm ? time([&] { tr.gemm(n_in, w.data(), wb, kRows, a.data(), ab, kTok, y.data(), kRows); }) : 0.0;
  std::printf("%s n_in %lld, %lld tokens, 1 thread, CPU time: vec_dot loop %.1f GMAC/s, gemm %.1f GMAC/s\n",
              std::string(hearth::layout_of(type).name).c_str(), static_cast<long long>(n_in),
              static_cast<long long>(n_tok), dot, gemm);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "--kernel") {
    return kernel_mode(parse_type(argv[2]), std::atoll(argv[3]), argc > 4 ? std::atoll(argv[4]) : 12);
  }
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s TYPE N_IN N_OUT N_TOKENS [THREADS] [REPS]\n", argv[0]);
    return 2;
  }
  const hearth::TensorType type = parse_type(argv[1]);
  const int64_t n_in = std::atoll(argv[2]), n_out = std::atoll(argv[3]), n_tok = std::atoll(argv[4]);
  const int threads = argc > 5 ? std::atoi(argv[5]) : 2;
  const int reps = argc > 6 ? std::atoi(argv[6]) : 10;

  const auto& tr = hearth::quant::traits(type);
  const uint64_t rb = hearth::row_bytes(hearth::layout_of(type), static_cast<uint64_t>(n_in));
  const uint64_t matrix = rb * static_cast<uint64_t>(n_out);
  // Enough copies to exceed 256 MiB (past any cache).
  const int copies = static_cast<int>(std::max<uint64_t>(1, (uint64_t{256} << 20) / matrix));

  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<float> src(static_cast<size_t>(n_in));
  std::vector<uint8_t> rows(rb * 16);
  for (int r = 0; r < 16; ++r) {
    for (auto& v : src) v = dist(rng);
    tr.quantize(src.data(), rows.data() + r * rb, n_in, nullptr);
  }
  std::vector<uint8_t> w(matrix * static_cast<uint64_t>(copies));
  for (uint64_t r = 0; r < w.size() / rb; ++r) std::memcpy(w.data() + r * rb, rows.data() + (r % 16) * rb, rb);

  const char* bands_env = std::getenv("HEARTH_INTERLEAVE");
  const bool bands = bands_env != nullptr && std::string(bands_env) == "1" && tr.interleaved != nullptr;
  if (bands) {
    for (int c = 0; c < copies; ++c) {
      uint8_t* m = w.data() + static_cast<uint64_t>(c) * matrix;
      hearth::quant::interleave_rows(*tr.interleaved, n_in, m, m, n_out, rb);
    }
  }

  std::vector<float> x(static_cast<size_t>(n_in * n_tok)), y(static_cast<size_t>(n_out * n_tok));
  for (auto& v : x) v = dist(rng);
  hearth::ThreadPool pool(threads);
  hearth::compute::MatmulScratch scratch;

  // Wall time, and CPU time per thread (what the run would take with the
  // cores to itself: on a shared machine wall time mostly measures the others).
  std::vector<double> secs, cpu;
  for (int rep = 0; rep < reps; ++rep) {
    hearth::compute::WeightView view{type, w.data() + (rep % copies) * matrix, n_in, n_out, rb,
                                         bands ? tr.interleaved : nullptr};
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    hearth::compute::matmul(view, x.data(), n_tok, y.data(), pool, scratch);
    cpu.push_back((cpu_seconds() - c0) / threads);
    secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  std::sort(cpu.begin(), cpu.end());
  const double best = secs.front(), median = secs[secs.size() / 2];
  std::printf("CPU time per thread: best %.3f ms median %.3f ms | %.1f GB/s | %.1f GMAC/s\n", cpu.front() * 1e3,
              cpu[cpu.size() / 2] * 1e3, static_cast<double>(matrix) / cpu.front() / 1e9,
              static_cast<double>(n_in) * static_cast<double>(n_out) * static_cast<double>(n_tok) / cpu.front() / 1e9);
  const double macs = static_cast<double>(n_in) * static_cast<double>(n_out) * static_cast<double>(n_tok);
  std::printf("%s %lldx%lld x %lld tok, %d thr: best %.3f ms median %.3f ms | %.1f GB/s weights | %.1f GMAC/s\n",
              argv[1], static_cast<long long>(n_out), static_cast<long long>(n_in),
              static_cast<long long>(n_tok), threads, best * 1e3, median * 1e3,
              static_cast<double>(matrix) / best / 1e9, macs / best / 1e9);
  return 0;
}

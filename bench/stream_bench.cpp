// A decode matmul's share of the read bandwidth, on all the pool's threads:
// the band kernels over matrices larger than the caches, one token, each
// pass between two reads of core::ReadProbe (as `hearth bench` reads it
// during decode), so every figure has the limit of its own seconds.
//
//   hearth_stream_bench TYPE [N_OUT (default 8192)] [PASSES (default 40)] [THREADS (default 2)]
//                       [N_IN (default 2048)] [VIEWS (default 1)] [VARIANT (default table)]
//
// TYPE: a type with band kernels (Q4_0, Q8_0, Q4_K, Q6_K). The matrices are
// N_OUT x N_IN (by default Llama-3.2-1B's gate/up shape; 2048 x 8192 is its
// down), enough copies for 768 MiB, on huge pages, in bands as a model's are
// at load. Per pass it prints the two reads, the kernel's GB/s and its
// fraction of the reads' mean, and the same for a plain read of the same
// bands with the same split (what the kernel would stream if its arithmetic
// were free). At the end: the medians over the passes whose reads were both
// fast (> 50 GB/s) and both slow (< 42 GB/s): this host's two bandwidth
// states (README, Performance). Each pass also reads the state's two other
// signs: one thread's read rate (a 256 MiB probe; the same ~31 GB/s in both
// states: a core's own limit) and the pool's round trip (an empty two-thread
// loop: ~290 ns in the slow state, ~940 ns in the fast one, where the two
// vCPUs no longer share a cache). VIEWS > 1: each matrix is multiplied as
// that many matrices of N_OUT / VIEWS rows in one compute::matmul_group (one
// loop over their rows, as Llama's gate and up are: each thread then streams
// its own matrices). VARIANT: the band kernels of that
// quant::band_kernel_variants name ("avx512vnni-x8", ...) instead of the
// table's.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "compute/matmul.h"
#include "core/bandwidth.h"
#include "core/huge_pages.h"
#include "core/thread_pool.h"
#include "quant/interleave.h"
#include "quant/type_traits.h"

namespace {

using Clock = std::chrono::steady_clock;

using hearth::bench::median;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TYPE [N_OUT] [PASSES] [THREADS] [N_IN] [VIEWS] [VARIANT]\n", argv[0]);
    return 2;
  }
  const auto type = hearth::tensor_type_from_name(argv[1]);
  if (!type || hearth::quant::traits(*type).interleaved == nullptr) {
    std::fprintf(stderr, "%s: not a type with band kernels\n", argv[1]);
    return 2;
  }
  const int64_t n_out = argc > 2 ? std::atoll(argv[2]) : 8192;
  const int passes = argc > 3 ? std::atoi(argv[3]) : 40;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  const int64_t n_in = argc > 5 ? std::atoll(argv[5]) : 2048;
  const int views = argc > 6 ? std::atoi(argv[6]) : 1;
  const auto& tr = hearth::quant::traits(*type);
  const hearth::quant::InterleavedKernels* kernels = tr.interleaved;
  if (argc > 7) {
    kernels = hearth::quant::band_kernel_variant(*type, argv[7]);
    if (kernels == nullptr) {
      std::fprintf(stderr, "%s: no band kernels of %s by that name\n", argv[7], argv[1]);
      return 2;
    }
  }
  const int64_t rows_per_band = kernels->rows;
  if (views <= 0 || n_out <= 0 || n_out % (rows_per_band * views) != 0) {
    std::fprintf(stderr, "N_OUT must be a positive multiple of %lld x VIEWS\n", static_cast<long long>(rows_per_band));
    return 2;
  }
  const uint64_t rb = hearth::row_bytes(hearth::layout_of(*type), n_in);
  const uint64_t matrix = rb * static_cast<uint64_t>(n_out);
  const int copies = static_cast<int>(std::max<uint64_t>(1, (uint64_t{768} << 20) / matrix));

  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<float> src(n_in);
  std::vector<uint8_t> rows(rb * 16);
  for (int r = 0; r < 16; ++r) {
    for (auto& v : src) v = dist(rng);
    tr.quantize(src.data(), rows.data() + r * rb, n_in, nullptr);
  }
  const hearth::HugePageBuffer buf = hearth::allocate_huge_page_buffer(matrix * static_cast<uint64_t>(copies));
  uint8_t* w = buf.get();
  for (uint64_t r = 0; r < matrix * static_cast<uint64_t>(copies) / rb; ++r) {
    std::memcpy(w + r * rb, rows.data() + (r % 16) * rb, rb);
  }
  for (int c = 0; c < copies; ++c) {
    uint8_t* m = w + static_cast<uint64_t>(c) * matrix;
    hearth::quant::interleave_rows(*kernels, n_in, m, m, n_out, rb);
  }
  std::vector<float> x(n_in), y(static_cast<size_t>(n_out));
  for (auto& v : x) v = dist(rng);

  hearth::ThreadPool pool(threads);
  hearth::ReadProbe probe(pool, uint64_t{512} << 20);
  hearth::ThreadPool single(1);
  hearth::ReadProbe probe_one(single, uint64_t{256} << 20);
  // The mean time of an empty loop on all the pool's threads, ns.
  const auto round_trip_ns = [&pool] {
    constexpr int kLoops = 20000;
    const auto t0 = Clock::now();
    for (int i = 0; i < kLoops; ++i) pool.parallel_for(pool.size(), [](int64_t, int64_t, int) {});
    return std::chrono::duration<double>(Clock::now() - t0).count() / kLoops * 1e9;
  };
  hearth::compute::MatmulScratch scratch;
  const double total = static_cast<double>(matrix) * copies;
  std::printf("%s: %d matrices of %lld x %lld (%.1f MB each), %d threads\n", argv[1], copies,
              static_cast<long long>(n_out), static_cast<long long>(n_in), static_cast<double>(matrix) / 1e6,
              pool.size());
  std::vector<double> fast_kernel, fast_read, slow_kernel, slow_read;
  for (int it = 0; it < passes; ++it) {
    const double before = probe.best_of(2);
    auto t0 = Clock::now();
    for (int c = 0; c < copies; ++c) {
      const uint8_t* m = w + static_cast<uint64_t>(c) * matrix;
      std::vector<hearth::compute::MatmulOutput> outs;
      for (int v = 0; v < views; ++v) {
        const int64_t r0 = n_out / views * v;
        const hearth::compute::WeightView view{*type, m + static_cast<uint64_t>(r0) * rb, n_in, n_out / views, rb,
                                               kernels};
        outs.push_back({view, y.data() + r0});
      }
      hearth::compute::matmul_group(outs, x.data(), 1, pool, scratch);
    }
    const double kernel = total / std::chrono::duration<double>(Clock::now() - t0).count() / 1e9;
    std::atomic<uint64_t> sum{0};
    t0 = Clock::now();
    for (int c = 0; c < copies; ++c) {
      const uint8_t* m = w + static_cast<uint64_t>(c) * matrix;
      pool.parallel_for(n_out / rows_per_band, [&](int64_t b, int64_t e, int) {
        sum += hearth::detail::read_sum(m + static_cast<uint64_t>(b * rows_per_band) * rb,
                        static_cast<uint64_t>((e - b) * rows_per_band) * rb);
      });
    }
    const double plain = total / std::chrono::duration<double>(Clock::now() - t0).count() / 1e9;
    const double after = probe.best_of(2);
    const double limit = (before + after) / 2;
    std::printf("reads %5.1f %5.1f GB/s | kernel %5.1f GB/s (%3.0f %%) | plain read of the bands %5.1f (%3.0f %%) | "
                "one thread %4.1f GB/s, round trip %4.0f ns\n",
                before, after, kernel, 100 * kernel / limit, plain, 100 * plain / limit, probe_one.best_of(2),
                round_trip_ns());
    if (std::min(before, after) > 50) {
      fast_kernel.push_back(kernel / limit);
      fast_read.push_back(plain / limit);
    } else if (std::max(before, after) < 42) {
      slow_kernel.push_back(kernel / limit);
      slow_read.push_back(plain / limit);
    }
  }
  std::printf("fast state: %zu passes, kernel %.0f %%, plain read %.0f %% (medians)\n", fast_kernel.size(),
              100 * median(fast_kernel), 100 * median(fast_read));
  std::printf("slow state: %zu passes, kernel %.0f %%, plain read %.0f %% (medians)\n", slow_kernel.size(),
              100 * median(slow_kernel), 100 * median(slow_read));
  return 0;
}

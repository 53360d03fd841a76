// What a decode loop pays for starting its streams anew: plain reads (the
// bandwidth probe's loop, no arithmetic) of a 768 MiB buffer in parallel loops
// of LOOP_KIB each, every thread reading S streams at once, in two layouts:
//   matrix:  each loop's bytes together, as a weight matrix is stored; thread
//            t's stream s of loop l starts at l * loop + s * loop / S + t * run,
//            so every loop starts every stream at a new address (a decode
//            step's ~80 loops over its products);
//   regions: one region per (thread, stream), each loop's run at the end of the
//            last one's, so every stream goes on where the last loop left it.
// Each round reads the buffer with S = 1, 2 and 4 in the matrix layout and S = 2
// in regions, between two reads of core::ReadProbe (the best of 2 passes, as
// `hearth bench` reads it), and prints each as GB/s and % of their mean.
//
//   hearth_restart_bench [LOOP_KIB (2352: Llama-3.2-1B's attn_output in Q4_K)] [ROUNDS (6)] [STEP (1024)]
//
// STEP: bytes read from one stream before the next (a Q4_K band's super-block
// is 1152 bytes; the decode kernels take one of each stream in turn).
//
// Zen 5 host of this project, 2 threads, STEP 1024, medians (session 31,
// README Performance): 2352 KiB loops, matrix S = 1 / 2 / 4 88 / 92 / 86 %,
// regions 95 %; 592 KiB loops 78 / 88 / 79 against 98 %; 9400 KiB 79 / 88 / 81
// against 89 %.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "bench_stats.h"
#include "core/bandwidth.h"
#include "core/cpu_features.h"
#include "core/huge_pages.h"
#include "core/thread_pool.h"

namespace {

using hearth::bench::Clock;
constexpr int kThreads = 2;

using hearth::bench::seconds_since;

using hearth::bench::median;

// `run` bytes (a multiple of `step`, itself of 128) from each of the streams
// starting at p[0..s), `step` bytes of one before the next, as a band kernel
// reads its streams in step: the 64-bit words summed into four accumulators
// of 4 (AVX2, as the probe's loop: core/bandwidth_avx2.cpp), or 8 words.
#if defined(__x86_64__)
__attribute__((target("avx2"))) uint64_t read_streams_avx2(const uint8_t* const* p, int s, uint64_t run, uint64_t step) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (uint64_t i = 0; i < run; i += step) {
    for (int k = 0; k < s; ++k) {
      for (uint64_t o = i; o < i + step; o += 128) {
        const auto* q = reinterpret_cast<const __m256i*>(p[k] + o);
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(q));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(q + 1));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(q + 2));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(q + 3));
      }
    }
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

uint64_t read_streams_generic(const uint8_t* const* p, int s, uint64_t run, uint64_t step) {
  uint64_t acc[8] = {};
  for (uint64_t i = 0; i < run; i += step) {
    for (int k = 0; k < s; ++k) {
      for (uint64_t o = i; o < i + step; o += 64) {
        for (int w = 0; w < 8; ++w) {
          uint64_t v;
          std::memcpy(&v, p[k] + o + 8 * w, sizeof v);
          acc[w] += v;
        }
      }
    }
  }
  uint64_t sum = 0;
  for (const uint64_t a : acc) sum += a;
  return sum;
}

uint64_t read_streams(const uint8_t* const* p, int s, uint64_t run, uint64_t step) {
#if defined(__x86_64__)
  static const bool avx2 = hearth::cpu_features().has_avx2_kernels();
  if (avx2) return read_streams_avx2(p, s, run, step);
#endif
  return read_streams_generic(p, s, run, step);
}

struct Layout {
  int streams = 1;
  bool regions = false;
};

// One read of the buffer in loops of `loop` bytes: GB/s.
double read_in_loops(hearth::ThreadPool& pool, const uint8_t* buf, uint64_t total, uint64_t loop, uint64_t step,
                     Layout layout, std::atomic<uint64_t>& sink) {
  const int s = layout.streams;
  const uint64_t n_loops = total / loop, run = loop / (kThreads * static_cast<uint64_t>(s)) / step * step;
  const uint64_t region = n_loops * run;
  const auto t0 = Clock::now();
  for (uint64_t l = 0; l < n_loops; ++l) {
    pool.parallel_for(kThreads, [&](int64_t b, int64_t e, int) {
      for (int64_t t = b; t < e; ++t) {
        const uint8_t* p[4];
        for (int k = 0; k < s; ++k) {
          const auto tk = static_cast<uint64_t>(t * s + k);
          p[k] = layout.regions ? buf + tk * region + l * run
                                : buf + l * loop + static_cast<uint64_t>(k) * (loop / s) + static_cast<uint64_t>(t) * run;
        }
        sink += read_streams(p, s, run, step);
      }
    });
  }
  return static_cast<double>(n_loops * run * kThreads * static_cast<uint64_t>(s)) / seconds_since(t0) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t loop = (argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2352) << 10;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 6;
  const uint64_t step = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1024;
  const uint64_t total = uint64_t{768} << 20;
  if (loop < (uint64_t{16} << 10) || loop > total / 4 || rounds <= 0 || step == 0 || step % 128 != 0 ||
      step > (uint64_t{4} << 10)) {
    std::fprintf(stderr, "usage: %s [LOOP_KIB: 16 .. 196608] [ROUNDS > 0] [STEP_BYTES: 128 .. 4096, of 128]\n",
                 argv[0]);
    return 2;
  }
  hearth::ThreadPool pool(kThreads);
  const hearth::HugePageBuffer buf = hearth::map_huge_page_buffer(total);
  pool.parallel_for(static_cast<int64_t>(total / 4096), [&](int64_t b, int64_t e, int) {
    std::memset(buf.get() + b * 4096, 1, static_cast<size_t>(e - b) * 4096);
  });
  hearth::ThreadPool probe_pool(0);
  hearth::ReadProbe probe(probe_pool, uint64_t{512} << 20);
  const Layout layouts[] = {{1, false}, {2, false}, {4, false}, {2, true}};
  const char* names[] = {"matrix S=1", "matrix S=2", "matrix S=4", "regions S=2"};
  std::vector<double> fractions[4];
  std::atomic<uint64_t> sink{0};
  std::printf("loops of %llu KiB, %d threads, %llu bytes of a stream before the next\n",
              static_cast<unsigned long long>(loop >> 10), kThreads, static_cast<unsigned long long>(step));
  for (int r = 0; r < rounds; ++r) {
    const double before = probe.best_of(2);
    double gbs[4];
    for (int i = 0; i < 4; ++i) gbs[i] = read_in_loops(pool, buf.get(), total, loop, step, layouts[i], sink);
    const double after = probe.best_of(2), limit = (before + after) / 2;
    std::printf("reads %5.1f %5.1f GB/s", before, after);
    for (int i = 0; i < 4; ++i) {
      fractions[i].push_back(gbs[i] / limit);
      std::printf(" | %s %5.1f (%3.0f %%)", names[i], gbs[i], 100 * gbs[i] / limit);
    }
    std::printf("\n");
  }
  std::printf("medians:");
  for (int i = 0; i < 4; ++i) std::printf(" %s %.0f %%%s", names[i], 100 * median(fractions[i]), i < 3 ? "," : "\n");
  return sink.load() == 0 ? 1 : 0;  // every byte is 1: a zero sum means the reads were dropped
}

#include "core/bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/huge_pages.h"

namespace hearth {

namespace detail {

// Scalar reference: eight independent 64-bit accumulators (one per word of a
// 64-byte line), the same shape as the AVX2 loop. memcpy keeps the loads
// free of alignment and aliasing assumptions; compilers turn it into a load.
uint64_t read_sum_generic(const uint8_t* data, uint64_t n) {
  uint64_t acc[8] = {};
  for (uint64_t i = 0; i < n; i += 64) {
    for (int k = 0; k < 8; ++k) {
      uint64_t w;
      std::memcpy(&w, data + i + 8 * k, sizeof w);
      acc[k] += w;
    }
  }
  uint64_t s = 0;
  for (const uint64_t a : acc) s += a;
  return s;
}

uint64_t read_sum(const uint8_t* data, uint64_t n) {
  static const auto fn = cpu_features().has_avx2_kernels() ? read_sum_avx2 : read_sum_generic;
  return fn(data, n);
}

}  // namespace detail

namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

ReadProbe::ReadProbe(ThreadPool& pool, uint64_t buffer_bytes)
    : pool_(pool),
      n_(std::max<uint64_t>(uint64_t{1} << 20, buffer_bytes / kPage * kPage)),
      // Huge pages, always: the probe measures the machine's limit. On 4 KiB
      // pages it measured the page walks too (~22 against ~31 GB/s, 2 threads).
      buf_(map_huge_page_buffer(n_)) {
  // Touch every page from the thread that will read it (first touch places
  // the page on that thread's memory node).
  pool_.parallel_for(static_cast<int64_t>(n_ / kPage), [&](int64_t b, int64_t e, int) {
    std::memset(buf_.get() + b * kPage, 1, static_cast<size_t>((e - b) * kPage));
  });
}

double ReadProbe::pass() {
  std::atomic<uint64_t> sum{0};
  const auto t0 = std::chrono::steady_clock::now();
  pool_.parallel_for(static_cast<int64_t>(n_ / kPage), [&](int64_t b, int64_t e, int) {
    sum += detail::read_sum(buf_.get() + b * kPage, static_cast<uint64_t>(e - b) * kPage);
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Every byte is 1, so the words sum to a known value: a cheap self-check
  // that every load really happened.
  if (sum.load() != (n_ / 8) * 0x0101010101010101ull) {
    throw Error("read bandwidth probe: the buffer did not sum to its known value");
  }
  return s > 0 ? static_cast<double>(n_) / s / 1e9 : 0.0;
}

double ReadProbe::best_of(int passes) {
  double best = 0;
  for (int p = 0; p < std::max(1, passes); ++p) best = std::max(best, pass());
  return best;
}

ReadBandwidth measure_read_bandwidth(ThreadPool& pool, uint64_t buffer_bytes, int passes) {
  ReadProbe probe(pool, buffer_bytes);
  ReadBandwidth r{0, probe.buffer_bytes(), probe.threads(), std::max(1, passes)};
  r.gb_per_s = probe.best_of(r.passes);
  return r;
}

}  // namespace hearth

// The machine's memory read bandwidth, measured: the limit a memory-bound
// decode step is compared against (tok/s x bytes per token / this).
//
// Each pool thread streams its own contiguous slice of one large buffer (far
// larger than the caches), summing it so the loads cannot be dropped; the
// figure is the best of a few passes, the least disturbed by other processes.
// The buffer asks for huge pages (core/huge_pages.h), so that TLB misses do
// not pass for the memory's limit.
#pragma once

#include <cstdint>

#include "core/huge_pages.h"
#include "core/thread_pool.h"

namespace hearth {

struct ReadBandwidth {
  double gb_per_s = 0;      // 1e9 bytes per second, best pass
  uint64_t buffer_bytes = 0;
  int threads = 0;
  int passes = 0;
};

// Allocates and touches `buffer_bytes` (rounded down to 4 KiB, at least
// 1 MiB), then times `passes` parallel reads of it on `pool`. Uses the AVX2
// kernel when the CPU has it.
ReadBandwidth measure_read_bandwidth(ThreadPool& pool, uint64_t buffer_bytes = uint64_t{1} << 30,
                                     int passes = 5);

// The probe's buffer kept for single passes between pieces of other work, so
// that a limit is read in the same seconds as what is compared with it (hearth
// bench: one pass between every few decode steps). The constructor allocates
// and touches `buffer_bytes` (rounded down to 4 KiB, at least 1 MiB).
class ReadProbe {
 public:
  ReadProbe(ThreadPool& pool, uint64_t buffer_bytes);
  // One parallel read of the whole buffer: GB/s (1e9 bytes per second).
  // Throws hearth::Error if the loads do not sum to the buffer's known value.
  double pass();
  // The fastest of `passes` passes (at least one): a pass alone now and then
  // stalls on a shared host.
  double best_of(int passes);
  uint64_t buffer_bytes() const { return n_; }
  int threads() const { return pool_.size(); }

 private:
  ThreadPool& pool_;
  uint64_t n_;
  HugePageBuffer buf_;
};

namespace detail {
// Sum of the 64-bit words of [data, data + n); n a multiple of 128.
// The scalar reference and the AVX2 version give the same result.
uint64_t read_sum_generic(const uint8_t* data, uint64_t n);
uint64_t read_sum_avx2(const uint8_t* data, uint64_t n);
// The one of the two this CPU runs (AVX2 where it has it): the probe's loop,
// for benchmarks that stream the same way.
uint64_t read_sum(const uint8_t* data, uint64_t n);
}  // namespace detail

}  // namespace hearth

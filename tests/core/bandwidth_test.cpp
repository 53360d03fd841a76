// The read bandwidth probe: the AVX2 loop sums exactly what the scalar
// reference sums, and a measurement reports what it did. (No speed is
// asserted: only that a positive figure comes back.)
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/bandwidth.h"
#include "core/cpu_features.h"

namespace hearth {
namespace {

TEST(Bandwidth, Avx2SumMatchesTheReference) {
  if (!cpu_features().has_avx2_kernels()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 rng(7);
  std::vector<uint8_t> buf(128 * 1000 + 128);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (const uint64_t n : {uint64_t{0}, uint64_t{128}, uint64_t{128 * 1000}}) {
    EXPECT_EQ(detail::read_sum_avx2(buf.data() + 1, n), detail::read_sum_generic(buf.data() + 1, n)) << n;
  }
}

TEST(Bandwidth, GenericSumOfKnownBytes) {
  std::vector<uint8_t> buf(256, 1);
  EXPECT_EQ(detail::read_sum_generic(buf.data(), buf.size()), 32 * 0x0101010101010101ull);
}

TEST(Bandwidth, MeasurementReportsItsSetup) {
  ThreadPool pool(2);
  const ReadBandwidth r = measure_read_bandwidth(pool, (uint64_t{16} << 20) + 100, 2);
  EXPECT_GT(r.gb_per_s, 0.0);
  EXPECT_EQ(r.buffer_bytes, uint64_t{16} << 20);  // rounded down to whole pages
  EXPECT_EQ(r.threads, 2);
  EXPECT_EQ(r.passes, 2);
  EXPECT_EQ(measure_read_bandwidth(pool, 10, 1).buffer_bytes, uint64_t{1} << 20);  // at least 1 MiB
}

// The probe kept for reads between other work (hearth bench's decode chunks):
// every pass reads the whole buffer again and checks its sum.
TEST(Bandwidth, ProbeKeepsItsBufferForRepeatedPasses) {
  ThreadPool pool(2);
  ReadProbe probe(pool, (uint64_t{8} << 20) + 4095);
  EXPECT_EQ(probe.buffer_bytes(), uint64_t{8} << 20);
  EXPECT_EQ(probe.threads(), 2);
  for (int i = 0; i < 3; ++i) EXPECT_GT(probe.pass(), 0.0);
  EXPECT_GT(probe.best_of(2), 0.0);
  EXPECT_GT(probe.best_of(0), 0.0);  // at least one pass
  EXPECT_EQ(ReadProbe(pool, 0).buffer_bytes(), uint64_t{1} << 20);
}

}  // namespace
}  // namespace hearth

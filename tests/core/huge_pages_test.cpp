// Huge-page buffers and mappings (core/huge_pages.h): contents, alignment, and
// whether the kernel really backs a large buffer with 2 MiB pages.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/huge_pages.h"
#include "core/mapped_file.h"

namespace hearth {
namespace {

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// The kB of `field` (AnonHugePages, FilePmdMapped, ...) in /proc/self/smaps
// for the mapping that contains p; -1 when no mapping does.
long smaps_kb(const void* p, const std::string& field) {
  std::ifstream in("/proc/self/smaps");
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(':') > line.find(' ')) {
      inside = begin <= addr && addr < end;
    } else if (inside && line.rfind(field + ":", 0) == 0) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

// "always" or "madvise" (the kernel gives huge pages when asked), else "".
std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* mode : {"always", "madvise"}) {
    if (s.find(std::string("[") + mode + "]") != std::string::npos) return mode;
  }
  return "";
}

TEST(HugePages, BuffersAreZeroedAndAligned) {
  for (const size_t n : {size_t{0}, size_t{1}, size_t{100}, kHugePageBytes - 1, kHugePageBytes,
                         5 * kHugePageBytes + 3}) {
    SCOPED_TRACE(n);
    HugePageBuffer b = allocate_huge_page_buffer(n);
    ASSERT_NE(b.get(), nullptr);
    const auto addr = reinterpret_cast<uintptr_t>(b.get());
    EXPECT_EQ(addr % (n >= kHugePageBytes ? kHugePageBytes : 64), 0u);
    EXPECT_TRUE(all_zero(b.get(), n));
    if (n > 0) {
      b[n - 1] = 7;  // writable to the last byte
      EXPECT_EQ(b[n - 1], 7);
    }
  }
}

TEST(HugePages, MappedBuffersStartOn2MiBAndReadAsZero) {
  for (const size_t n : {size_t{1} << 20, 3 * kHugePageBytes + 5}) {
    SCOPED_TRACE(n);
    HugePageBuffer b = map_huge_page_buffer(n);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.get()) % kHugePageBytes, 0u);
    EXPECT_TRUE(all_zero(b.get(), n));
    b[n - 1] = 7;
    EXPECT_EQ(b[n - 1], 7);
  }
}

TEST(HugePages, LargeBufferGetsHugePagesWhenTheKernelGivesThem) {
  const std::string mode = thp_mode();
  if (mode.empty()) GTEST_SKIP() << "transparent huge pages are off on this kernel";
  const HugePageBuffer b = allocate_huge_page_buffer(4 * kHugePageBytes);
  // Direct compaction ("defrag" madvise, the default) finds 2 MiB pages for an
  // advised region even on a busy machine; at least one of four must be huge.
  const long kb = smaps_kb(b.get(), "AnonHugePages");
  EXPECT_GE(kb, 2048) << "THP mode " << mode;
}

// The activation vectors: large blocks on their own 2 MiB-aligned huge-page
// mappings, small ones on the heap; values survive growth and copies.
TEST(HugePages, VectorPutsLargeBlocksOnHugePages) {
  HugePageVector<float> small(100, 1.5f);
  EXPECT_EQ(small[99], 1.5f);
  const size_t n = 3 * kHugePageBytes / sizeof(float) + 7;
  HugePageVector<float> big(n, 2.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % kHugePageBytes, 0u);
  EXPECT_EQ(big[n - 1], 2.0f);
  if (!thp_mode().empty()) {
    // Written whole above, so every 2 MiB page the kernel could give is in.
    EXPECT_GE(smaps_kb(big.data(), "AnonHugePages"), 2048) << "THP mode " << thp_mode();
  }
  small.resize(n, 3.0f);  // grows from the heap onto a mapping
  EXPECT_EQ(small[99], 1.5f);
  EXPECT_EQ(small[n - 1], 3.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data()) % kHugePageBytes, 0u);
  const HugePageVector<float> copy = big;
  EXPECT_EQ(copy[n / 2], 2.0f);
  big.clear();
  big.shrink_to_fit();  // back to nothing: the mapping is released
  EXPECT_EQ(big.capacity(), 0u);
}

TEST(HugePages, WeightsGoOnHugePagesUnlessTurnedOff) {
  ::unsetenv("HEARTH_HUGE_PAGES");
  EXPECT_TRUE(huge_pages_for_weights());
  for (const char* yes : {"1", "on", "yes", ""}) {
    ::setenv("HEARTH_HUGE_PAGES", yes, 1);
    EXPECT_TRUE(huge_pages_for_weights()) << yes;
  }
  for (const char* no : {"0", "off", "no"}) {
    ::setenv("HEARTH_HUGE_PAGES", no, 1);
    EXPECT_FALSE(huge_pages_for_weights()) << no;
  }
  ::unsetenv("HEARTH_HUGE_PAGES");
}

TEST(HugePages, MappedFileSitsOnA2MiBBoundaryWithItsBytes) {
  const auto path = std::filesystem::temp_directory_path() / ("hearth_huge_map_" + std::to_string(::getpid()));
  for (const size_t n : {size_t{10}, kHugePageBytes + 4099}) {
    SCOPED_TRACE(n);
    std::vector<char> bytes(n);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>(i * 131 + 7);
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(n));
    {
      const MappedFile f(path);
      ASSERT_EQ(f.size(), n);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data()) % kHugePageBytes, 0u);
      EXPECT_EQ(std::memcmp(f.data(), bytes.data(), n), 0);
    }
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace hearth

// What cpuid says against what the Linux kernel read from it
// (/proc/cpuinfo's first processor): the features the kernel tables are
// picked by, and the Zen 4 flag (AMD, family 25, AVX-512).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/cpu_features.h"

namespace hearth {
namespace {

// The value of `key` in the first processor's block ("" if absent).
std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) break;  // the end of the first processor
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name == key) return colon + 2 <= line.size() ? line.substr(colon + 2) : "";
  }
  return "";
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream words(flags);
  std::string w;
  while (words >> w) {
    if (w == flag) return true;
  }
  return false;
}

TEST(CpuFeatures, AgreeWithTheKernelsCpuinfo) {
  const std::string vendor = cpuinfo_field("vendor_id");
  if (vendor.empty()) GTEST_SKIP() << "no x86 /proc/cpuinfo here";
  const std::string flags = cpuinfo_field("flags");
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, has_flag(flags, "avx2"));
  EXPECT_EQ(f.fma, has_flag(flags, "fma"));
  EXPECT_EQ(f.f16c, has_flag(flags, "f16c"));
  EXPECT_EQ(f.avx512f, has_flag(flags, "avx512f"));
  EXPECT_EQ(f.avx512bw, has_flag(flags, "avx512bw"));
  EXPECT_EQ(f.avx512vnni, has_flag(flags, "avx512_vnni"));
  const bool amd_family_25 = vendor == "AuthenticAMD" && cpuinfo_field("cpu family") == "25";
  EXPECT_EQ(f.zen4, amd_family_25 && has_flag(flags, "avx512f")) << vendor << ", " << f.describe();
}

}  // namespace
}  // namespace hearth

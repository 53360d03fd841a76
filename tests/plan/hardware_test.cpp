// The hardware catalog, the nvidia-smi parser, and the probe of this
// machine (which has no NVIDIA GPU here: it must degrade to the CPU, with notes).
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "plan/hardware.h"
#include "plan/nvidia.h"

namespace hearth::plan {
namespace {

constexpr uint64_t GiB = uint64_t{1} << 30;

TEST(HardwareCatalog, EveryEntryHasMemoryBandwidthAndPeak) {
  std::set<std::string> names;
  for (const Hardware& h : hardware_catalog()) {
    SCOPED_TRACE(h.name);
    EXPECT_TRUE(names.insert(h.name).second) << "duplicate";
    ASSERT_EQ(h.devices.size(), 1u);
    const Device& d = h.devices.front();
    EXPECT_GE(d.memory_bytes, 12 * GiB);
    EXPECT_GT(d.usable_bytes, 0u);
    EXPECT_LE(d.usable_bytes, d.memory_bytes);
    EXPECT_GT(d.bandwidth_gb_s, 40.0);
    EXPECT_GT(d.tflops, 0.5);
  }
  for (const char* want : {"rtx3060", "rtx3090", "rtx4090", "rtx5090", "a100-40", "a100-80", "h100", "h200", "l40s",
                           "m1-max", "m1-ultra", "m2-max", "m2-ultra", "m3-max", "m3-ultra", "m4-max", "ddr4-desktop",
                           "ddr5-desktop"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
  // Public spec figures.
  EXPECT_EQ(catalog_hardware("H100").devices.front().memory_bytes, 80 * GiB);
  EXPECT_DOUBLE_EQ(catalog_hardware("h100").devices.front().bandwidth_gb_s, 3350);
  EXPECT_DOUBLE_EQ(catalog_hardware("rtx4090").devices.front().bandwidth_gb_s, 1008);
}

TEST(HardwareCatalog, GpusMultiplyAndUnknownNamesAreListed) {
  EXPECT_EQ(catalog_hardware("rtx3090", 4).devices.size(), 4u);
  try {
    catalog_hardware("rtx9999");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rtx4090"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_hardware("m2-ultra", 2), Error);  // unified memory: no --gpus
}

TEST(NvidiaSmi, ParsesALineAndTakesCatalogFigures) {
  const Device d = parse_nvidia_smi_line("NVIDIA H100 80GB HBM3, 81559, 80000, 2619");
  EXPECT_EQ(d.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(d.memory_bytes, uint64_t{81559} << 20);
  EXPECT_DOUBLE_EQ(d.bandwidth_gb_s, 3350);
  EXPECT_DOUBLE_EQ(d.tflops, 989);
  EXPECT_EQ(d.source, "nvidia-smi");
  // An A100 is told apart by its memory.
  EXPECT_DOUBLE_EQ(parse_nvidia_smi_line("NVIDIA A100-SXM4-40GB, 40960, 40000, 1215").bandwidth_gb_s, 1555);
  EXPECT_DOUBLE_EQ(parse_nvidia_smi_line("NVIDIA A100-SXM4-80GB, 81920, 80000, 1593").bandwidth_gb_s, 2039);
  // Unknown GPU: memory known, speed figures unknown.
  EXPECT_DOUBLE_EQ(parse_nvidia_smi_line("Tesla T4, 15360, 15000, 5001").bandwidth_gb_s, 0);
  EXPECT_THROW(parse_nvidia_smi_line("garbage"), FormatError);
  EXPECT_THROW(parse_nvidia_smi_line("NVIDIA H100, [N/A], 1, 2"), FormatError);
}

TEST(Probe, ThisMachineDegradesCleanlyWithoutAGpu) {
  ProbeOptions o;
  o.bandwidth_bytes = 16 << 20;  // short: only that it measures something
  const Hardware h = probe_this_machine(o);
  EXPECT_GT(h.cores, 0);
  EXPECT_FALSE(h.cpu_model.empty());
  EXPECT_GT(h.ram_total, 0u);
  ASSERT_FALSE(h.devices.empty());
  const NvidiaProbe gpus = probe_nvidia();
  if (gpus.devices.empty()) {
    // No GPU: one CPU device, and the notes say why no GPU was found.
    ASSERT_EQ(h.devices.size(), 1u);
    EXPECT_EQ(h.devices.front().kind, DeviceKind::Cpu);
    EXPECT_GT(h.devices.front().bandwidth_gb_s, 0.0);
    EXPECT_GT(h.devices.front().usable_bytes, 0u);
    EXPECT_FALSE(gpus.notes.empty());
    EXPECT_THROW(resolve_hardware("this", 2, o), Error);
  } else {
    EXPECT_EQ(h.devices.front().kind, DeviceKind::Gpu);
    EXPECT_GT(h.devices.front().memory_bytes, 0u);
  }
}

}  // namespace
}  // namespace hearth::plan

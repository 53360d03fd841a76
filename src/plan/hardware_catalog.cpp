// The hardware catalog: memory sizes, bandwidths and dense peaks from the
// vendors' public spec sheets. TFLOPS are dense (no sparsity) FP16 tensor
// figures with FP32 accumulation where the vendor gives both; Apple's are the
// GPU's FP32 figure; desktops' are cores x clock x 64 int8 dot ops/cycle
// (AVX2, the figure plan/probe.cpp uses for this machine).
#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "plan/hardware.h"

namespace hearth::plan {

namespace {

constexpr uint64_t GiB = uint64_t{1} << 30;
// A CUDA context, cuBLAS workspace and allocator slack before any model byte.
constexpr uint64_t kCudaOverhead = uint64_t{512} << 20;
// macOS lets the GPU wire about 3/4 of unified memory by default.
constexpr double kAppleGpuShare = 0.75;
// Desktops: the OS and other programs keep ~4 GiB, then the engine's 90% rule.
constexpr uint64_t kDesktopOsBytes = 4 * GiB;

struct Row {
  const char* key;
  const char* description;
  DeviceKind kind;
  double memory_gib;
  double bandwidth_gb_s;
  double tflops;
};

// clang-format off
constexpr Row kRows[] = {
  {"rtx3060",   "NVIDIA GeForce RTX 3060 12GB",  DeviceKind::Gpu,  12,   360,   51},
  {"rtx3090",   "NVIDIA GeForce RTX 3090 24GB",  DeviceKind::Gpu,  24,   936,   71},
  {"rtx4090",   "NVIDIA GeForce RTX 4090 24GB",  DeviceKind::Gpu,  24,  1008,  165},
  {"rtx5090",   "NVIDIA GeForce RTX 5090 32GB",  DeviceKind::Gpu,  32,  1792,  209},
  {"a100-40",   "NVIDIA A100 40GB (SXM)",        DeviceKind::Gpu,  40,  1555,  312},
  {"a100-80",   "NVIDIA A100 80GB (SXM)",        DeviceKind::Gpu,  80,  2039,  312},
  {"h100",      "NVIDIA H100 80GB (SXM)",        DeviceKind::Gpu,  80,  3350,  989},
  {"h200",      "NVIDIA H200 141GB (SXM)",       DeviceKind::Gpu, 141,  4800,  989},
  {"l40s",      "NVIDIA L40S 48GB",              DeviceKind::Gpu,  48,   864,  362},
  {"m1-max",    "Apple M1 Max, 64 GB unified",   DeviceKind::Unified,  64,  400, 10.4},
  {"m1-ultra",  "Apple M1 Ultra, 128 GB unified", DeviceKind::Unified, 128,  800, 21.0},
  {"m2-max",    "Apple M2 Max, 96 GB unified",   DeviceKind::Unified,  96,  400, 13.6},
  {"m2-ultra",  "Apple M2 Ultra, 192 GB unified", DeviceKind::Unified, 192,  800, 27.2},
  {"m3-max",    "Apple M3 Max, 128 GB unified",  DeviceKind::Unified, 128,  400, 16.4},
  {"m3-ultra",  "Apple M3 Ultra, 512 GB unified", DeviceKind::Unified, 512,  819, 32.8},
  {"m4-max",    "Apple M4 Max, 128 GB unified",  DeviceKind::Unified, 128,  546, 18.4},
  {"ddr4-desktop", "8-core desktop, 64 GB DDR4-3200 dual channel", DeviceKind::Cpu,  64, 51.2, 1.95},
  {"ddr5-desktop", "8-core desktop, 96 GB DDR5-6000 dual channel", DeviceKind::Cpu,  96, 96.0, 2.30},
};
// clang-format on

Hardware from_row(const Row& r) {
  Hardware h;
  h.name = r.key;
  h.description = r.description;
  Device d;
  d.name = r.description;
  d.kind = r.kind;
  d.memory_bytes = static_cast<uint64_t>(r.memory_gib * static_cast<double>(GiB));
  d.bandwidth_gb_s = r.bandwidth_gb_s;
  d.tflops = r.tflops;
  d.source = "spec";
  switch (r.kind) {
    case DeviceKind::Gpu:
      d.usable_bytes = d.memory_bytes;
      d.overhead_bytes = kCudaOverhead;
      break;
    case DeviceKind::Unified:
      d.usable_bytes = static_cast<uint64_t>(kAppleGpuShare * static_cast<double>(d.memory_bytes));
      break;
    case DeviceKind::Cpu:
      d.usable_bytes = static_cast<uint64_t>(0.9 * static_cast<double>(d.memory_bytes - kDesktopOsBytes));
      break;
  }
  h.devices.push_back(d);
  return h;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string_view device_kind_name(DeviceKind k) {
  switch (k) {
    case DeviceKind::Cpu: return "cpu";
    case DeviceKind::Gpu: return "gpu";
    case DeviceKind::Unified: return "unified";
  }
  return "?";
}

const std::vector<Hardware>& hardware_catalog() {
  static const std::vector<Hardware> catalog = [] {
    std::vector<Hardware> v;
    for (const Row& r : kRows) v.push_back(from_row(r));
    return v;
  }();
  return catalog;
}

std::string hardware_names() {
  std::string s;
  for (const Hardware& h : hardware_catalog()) s += (s.empty() ? "" : ", ") + h.name;
  return s;
}

Hardware catalog_hardware(std::string_view name, int gpus) {
  const std::string key = lower(name);
  for (const Hardware& h : hardware_catalog()) {
    if (h.name != key) continue;
    Hardware out = h;
    if (out.devices.front().kind == DeviceKind::Gpu && gpus > 1) {
      out.devices.assign(static_cast<size_t>(gpus), h.devices.front());
      out.description = std::to_string(gpus) + " x " + h.description;
    }
    return out;
  }
  throw Error("unknown hardware '" + std::string(name) + "' (known: this, " + hardware_names() + ")");
}

}  // namespace hearth::plan

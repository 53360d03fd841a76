// Probing this machine. Every source may be missing (no /proc, no GPU, no
// driver): the probe then says so in the notes and goes on.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/bandwidth.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "core/system_memory.h"
#include "core/thread_pool.h"
#include "plan/hardware.h"
#include "plan/nvidia.h"

namespace hearth::plan {

namespace {

struct CpuInfo {
  std::string model;
  double mhz = 0;
};

// First "model name" and the highest "cpu MHz" in /proc/cpuinfo.
CpuInfo read_cpuinfo() {
  CpuInfo info;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && info.model.empty()) info.model = value;
    if (key == "cpu MHz") info.mhz = std::max(info.mhz, std::atof(value.c_str()));
  }
  return info;
}

// Operations per cycle per core of hearth's matmul kernels: with AVX2, int8
// dot products (vpmaddubsw + vpmaddwd) give 32 multiply-adds per cycle on
// two ports, 64 ops; hearth has no AVX-512 kernels, so AVX-512 counts as AVX2.
// Without AVX2: scalar-ish SSE/NEON code, 8.
double ops_per_cycle(const CpuFeatures& f) { return f.has_avx2_kernels() ? 64 : 8; }

}  // namespace

Hardware probe_this_machine(const ProbeOptions& o) {
  Hardware h;
  h.name = "this";
  const CpuInfo cpu = read_cpuinfo();
  h.cpu_model = cpu.model.empty() ? "unknown CPU" : cpu.model;
  h.cores = static_cast<int>(std::thread::hardware_concurrency());
  h.cpu_features = cpu_features().describe();
  const SystemMemory mem = system_memory();
  h.ram_total = mem.total_bytes;
  h.ram_available = mem.available_bytes;
  if (cpu.model.empty()) h.notes.push_back("/proc/cpuinfo has no model name");
  if (mem.total_bytes == 0) h.notes.push_back("/proc/meminfo could not be read: memory unknown");

  Device d;
  d.name = h.cpu_model;
  d.kind = DeviceKind::Cpu;
  d.memory_bytes = mem.total_bytes;
  // The engine's rule (model::kUsableMemoryFraction): 90% of what is available now.
  d.usable_bytes = static_cast<uint64_t>(0.9 * static_cast<double>(mem.available_bytes));
  d.tflops = h.cores * cpu.mhz * 1e6 * ops_per_cycle(cpu_features()) / 1e12;
  d.source = "probed";
  if (o.measure_bandwidth) {
    ThreadPool pool(o.threads);
    const ReadBandwidth bw = measure_read_bandwidth(pool, o.bandwidth_bytes, 3);
    d.bandwidth_gb_s = bw.gb_per_s;
    h.notes.push_back("read bandwidth measured: " + std::to_string(bw.threads) + " threads streaming " +
                      std::to_string(bw.buffer_bytes >> 20) + " MiB, best of " + std::to_string(bw.passes));
  } else {
    h.notes.push_back("read bandwidth not measured");
  }

  NvidiaProbe gpus = probe_nvidia();
  for (auto& note : gpus.notes) h.notes.push_back(note);
  if (gpus.devices.empty()) {
    h.devices.push_back(d);
    h.description = h.cpu_model + ", " + std::to_string(h.cores) + " cores, " + h.cpu_features;
  } else {
    h.devices = gpus.devices;
    h.description = std::to_string(gpus.devices.size()) + " x " + gpus.devices.front().name + " (host: " +
                    h.cpu_model + ")";
    h.notes.push_back("hearth itself runs on the CPU today; the GPU figures are for planning");
  }
  return h;
}

Hardware resolve_hardware(std::string_view name, int gpus, const ProbeOptions& options) {
  return resolve_hardware(name, gpus, [&options] { return probe_this_machine(options); });
}

Hardware resolve_hardware(std::string_view name, int gpus, const std::function<Hardware()>& probe_this) {
  if (gpus < 0) throw Error("--gpus must not be negative");
  if (name != "this") {
    Hardware h = catalog_hardware(name, std::max(gpus, 1));
    if (gpus > 1 && h.devices.front().kind != DeviceKind::Gpu) {
      throw Error("--gpus applies to GPU hardware; '" + std::string(name) + "' is " +
                  std::string(device_kind_name(h.devices.front().kind)) + " memory");
    }
    return h;
  }
  Hardware h = probe_this();
  const bool has_gpus = h.devices.front().kind == DeviceKind::Gpu;
  if (gpus > 0 && !has_gpus && gpus > 1) {
    throw Error("--gpus " + std::to_string(gpus) + ": this machine has no NVIDIA GPU (plan for one with --hardware NAME)");
  }
  if (has_gpus && gpus > 0) {
    if (static_cast<size_t>(gpus) > h.devices.size()) {
      throw Error("--gpus " + std::to_string(gpus) + ": this machine has " + std::to_string(h.devices.size()));
    }
    h.devices.resize(static_cast<size_t>(gpus));
  }
  return h;
}

}  // namespace hearth::plan

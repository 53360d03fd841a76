// Hardware to plan for: this machine (probed) or a catalog entry (public
// spec figures), described by what sizing and speed depend on.
//
// A device is one pool of memory a model's layers can live in: a GPU's VRAM,
// Apple's unified memory, or a CPU's RAM. Speed estimates take its memory
// bandwidth (decode is bound by it) and its dense FP16 (GPU) or int8-dot
// (CPU, the ops hearth's AVX2 kernels do) peak (prefill is bound by it).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::plan {

enum class DeviceKind { Cpu, Gpu, Unified };
std::string_view device_kind_name(DeviceKind k);  // "cpu", "gpu", "unified"

struct Device {
  std::string name;            // "NVIDIA H100 SXM 80GB", "this machine (Intel Xeon ...)"
  DeviceKind kind = DeviceKind::Cpu;
  uint64_t memory_bytes = 0;   // total
  uint64_t usable_bytes = 0;   // what a model may take (see usable_fraction in the catalog)
  double bandwidth_gb_s = 0;   // memory read bandwidth, 1e9 B/s
  double tflops = 0;           // dense peak for the matmuls (GPU: FP16 tensor cores; CPU: int8 dot ops)
  uint64_t overhead_bytes = 0; // per device runtime cost before any model byte (GPU: CUDA context)
  std::string source;          // "spec", "measured", "NVML", "nvidia-smi", ...
};

struct Hardware {
  std::string name;            // catalog key ("rtx4090") or "this"
  std::string description;
  std::vector<Device> devices; // GPUs (identical in the catalog), or the one CPU / unified pool
  // Extra detail for the probe of this machine.
  std::string cpu_model;
  int cores = 0;
  std::string cpu_features;
  uint64_t ram_total = 0, ram_available = 0;
  std::vector<std::string> notes;  // how each figure was found, what failed
};

// The catalog: RTX 3060/3090/4090/5090, A100 40/80, H100, H200, L40S,
// Apple M1-M4 Max/Ultra, DDR4/DDR5 desktops. Keys are lower case.
const std::vector<Hardware>& hardware_catalog();
// "rtx3060, rtx3090, ..." for help and errors.
std::string hardware_names();
// A catalog entry with `gpus` copies of its GPU (ignored for CPU/unified
// entries); throws hearth::Error listing the names when unknown.
Hardware catalog_hardware(std::string_view name, int gpus = 1);

struct ProbeOptions {
  bool measure_bandwidth = true;     // a short read-bandwidth measurement
  uint64_t bandwidth_bytes = uint64_t{256} << 20;
  int threads = 0;                   // 0: all cores
};
// This machine: CPU from /proc/cpuinfo and cpuid, RAM from /proc/meminfo,
// bandwidth measured, NVIDIA GPUs via NVML (dlopen, at run time) or
// `nvidia-smi` when NVML is absent. Never throws for a missing GPU or file:
// what could not be found is said in notes.
Hardware probe_this_machine(const ProbeOptions& options = {});

// "this" -> probe_this_machine (its first `gpus` GPUs when it has GPUs and
// gpus > 0), else catalog_hardware(name, gpus). Throws hearth::Error for an
// unknown name, gpus beyond what this machine has, or gpus > 1 on an entry
// that is not a GPU.
Hardware resolve_hardware(std::string_view name, int gpus, const ProbeOptions& options = {});
// The same, with `probe_this` called for "this" instead of a fresh probe
// (hearth serve probes once and keeps the result).
Hardware resolve_hardware(std::string_view name, int gpus, const std::function<Hardware()>& probe_this);

}  // namespace hearth::plan

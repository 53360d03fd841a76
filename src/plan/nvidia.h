// NVIDIA GPUs of this machine: NVML (libnvidia-ml.so.1, opened at run time
// with dlopen, so hearth needs no driver to build or run), else
// `nvidia-smi --query-gpu=... --format=csv`. No GPU, no driver: no devices
// and a note saying which source was missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/hardware.h"

namespace hearth::plan {

struct NvidiaProbe {
  std::vector<Device> devices;
  std::vector<std::string> notes;
};

NvidiaProbe probe_nvidia();

// One line of `nvidia-smi --query-gpu=name,memory.total,memory.free,clocks.max.memory
// --format=csv,noheader,nounits` ("NVIDIA H100 80GB HBM3, 81559, 80000, 2619") as a
// Device (MiB figures; bandwidth and TFLOPS from the catalog entry the name
// matches, else 0). Throws hearth::FormatError for a malformed line.
Device parse_nvidia_smi_line(const std::string& line);

// Catalog figures for a GPU name ("NVIDIA H100 80GB HBM3" -> h100; the memory
// tells an A100 40GB from an 80GB), or nullptr.
const Device* catalog_gpu_for(const std::string& gpu_name, uint64_t memory_bytes);

}  // namespace hearth::plan

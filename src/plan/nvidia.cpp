#include "plan/nvidia.h"

#include <dlfcn.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace hearth::plan {

namespace {

// The few NVML entry points used, as the public nvml.h declares them.
using nvmlDevice_t = void*;
struct NvmlMemory {
  unsigned long long total, free, used;
};
using InitFn = int (*)();
using CountFn = int (*)(unsigned int*);
using HandleFn = int (*)(unsigned int, nvmlDevice_t*);
using NameFn = int (*)(nvmlDevice_t, char*, unsigned int);
using MemoryFn = int (*)(nvmlDevice_t, NvmlMemory*);
using ClockFn = int (*)(nvmlDevice_t, int, unsigned int*);
using BusFn = int (*)(nvmlDevice_t, unsigned int*);
constexpr int kNvmlClockMem = 2;  // NVML_CLOCK_MEM

// Peak bandwidth from the memory clock and bus width: data moves on both
// clock edges (the figure NVML reports is the base of the effective rate).
double bandwidth_gb_s(unsigned int mem_mhz, unsigned int bus_bits) {
  return static_cast<double>(mem_mhz) * 1e6 * 2.0 * static_cast<double>(bus_bits) / 8.0 / 1e9;
}

Device with_catalog_figures(Device d) {
  if (const Device* c = catalog_gpu_for(d.name, d.memory_bytes)) {
    if (d.bandwidth_gb_s <= 0) d.bandwidth_gb_s = c->bandwidth_gb_s;
    d.tflops = c->tflops;
    d.overhead_bytes = c->overhead_bytes;
  } else {
    d.overhead_bytes = uint64_t{512} << 20;
  }
  d.usable_bytes = d.memory_bytes;
  return d;
}

template <typename Fn>
Fn symbol(void* lib, const char* name) {
  return reinterpret_cast<Fn>(dlsym(lib, name));
}

bool probe_nvml(NvidiaProbe& out) {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    out.notes.push_back("NVML (libnvidia-ml.so.1) not found");
    return false;
  }
  const auto init = symbol<InitFn>(lib, "nvmlInit_v2");
  const auto shutdown = symbol<InitFn>(lib, "nvmlShutdown");
  const auto count = symbol<CountFn>(lib, "nvmlDeviceGetCount_v2");
  const auto handle = symbol<HandleFn>(lib, "nvmlDeviceGetHandleByIndex_v2");
  const auto name = symbol<NameFn>(lib, "nvmlDeviceGetName");
  const auto memory = symbol<MemoryFn>(lib, "nvmlDeviceGetMemoryInfo");
  const auto clock = symbol<ClockFn>(lib, "nvmlDeviceGetMaxClockInfo");
  const auto bus = symbol<BusFn>(lib, "nvmlDeviceGetMemoryBusWidth");
  bool ok = false;
  unsigned int n = 0;
  if (!init || !shutdown || !count || !handle || !name || !memory) {
    out.notes.push_back("NVML lacks the expected functions");
  } else if (init() != 0) {
    out.notes.push_back("NVML did not initialise (no driver or no GPU)");
  } else {
    if (count(&n) == 0) {
      ok = true;
      for (unsigned int i = 0; i < n; ++i) {
        nvmlDevice_t dev = nullptr;
        if (handle(i, &dev) != 0) continue;
        std::array<char, 96> buf{};
        NvmlMemory mem{};
        if (name(dev, buf.data(), static_cast<unsigned int>(buf.size())) != 0 || memory(dev, &mem) != 0) continue;
        Device d;
        d.name = buf.data();
        d.kind = DeviceKind::Gpu;
        d.memory_bytes = mem.total;
        d.source = "NVML";
        unsigned int mhz = 0, bits = 0;
        if (clock && bus && clock(dev, kNvmlClockMem, &mhz) == 0 && bus(dev, &bits) == 0) {
          d.bandwidth_gb_s = bandwidth_gb_s(mhz, bits);
        }
        out.devices.push_back(with_catalog_figures(d));
      }
      out.notes.push_back("NVML: " + std::to_string(n) + " GPU(s)");
    }
    shutdown();
  }
  dlclose(lib);
  return ok;
}

void probe_nvidia_smi(NvidiaProbe& out) {
  FILE* p = popen("nvidia-smi --query-gpu=name,memory.total,memory.free,clocks.max.memory "
                  "--format=csv,noheader,nounits 2>/dev/null",
                  "r");
  if (!p) {
    out.notes.push_back("nvidia-smi could not be started");
    return;
  }
  std::string text;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), p)) text += buf.data();
  const int status = pclose(p);
  if (status != 0) {
    out.notes.push_back("nvidia-smi not available (no NVIDIA GPU or driver)");
    return;
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    try {
      out.devices.push_back(parse_nvidia_smi_line(line));
    } catch (const Error& e) {
      out.notes.push_back(e.what());
    }
  }
  out.notes.push_back("nvidia-smi: " + std::to_string(out.devices.size()) + " GPU(s)");
}

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\n')) s.pop_back();
  return s;
}

}  // namespace

Device parse_nvidia_smi_line(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  std::string f;
  while (std::getline(in, f, ',')) fields.push_back(trim(f));
  if (fields.size() < 2 || fields[0].empty()) throw FormatError("nvidia-smi: unexpected line '" + line + "'");
  char* end = nullptr;
  const double mib = std::strtod(fields[1].c_str(), &end);
  if (end == fields[1].c_str() || mib <= 0) {
    throw FormatError("nvidia-smi: memory.total '" + fields[1] + "' is not a number of MiB");
  }
  Device d;
  d.name = fields[0];
  d.kind = DeviceKind::Gpu;
  d.memory_bytes = static_cast<uint64_t>(mib * 1048576.0);
  d.source = "nvidia-smi";
  return with_catalog_figures(d);
}

const Device* catalog_gpu_for(const std::string& gpu_name, uint64_t memory_bytes) {
  struct Match {
    const char* needle;
    const char* key;
  };
  const bool big = memory_bytes > (uint64_t{60} << 30);
  const Match matches[] = {
      {"3060", "rtx3060"}, {"3090", "rtx3090"}, {"4090", "rtx4090"}, {"5090", "rtx5090"},
      {"A100", big ? "a100-80" : "a100-40"}, {"H100", "h100"}, {"H200", "h200"}, {"L40S", "l40s"},
  };
  for (const Match& m : matches) {
    if (gpu_name.find(m.needle) == std::string::npos) continue;
    for (const Hardware& h : hardware_catalog()) {
      if (h.name == m.key) return &h.devices.front();
    }
  }
  return nullptr;
}

NvidiaProbe probe_nvidia() {
  NvidiaProbe out;
  if (!probe_nvml(out)) probe_nvidia_smi(out);
  return out;
}

}  // namespace hearth::plan

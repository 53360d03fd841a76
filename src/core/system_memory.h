// How much memory this machine has and can give us now (Linux /proc/meminfo).
#pragma once

#include <cstdint>

namespace hearth {

struct SystemMemory {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;  // MemAvailable: what can be used without swapping
};

// Zeros when /proc/meminfo cannot be read.
SystemMemory system_memory();

}  // namespace hearth

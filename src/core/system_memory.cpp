#include "core/system_memory.h"

#include <cstdio>
#include <cstring>

namespace hearth {

SystemMemory system_memory() {
  SystemMemory m;
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return m;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long kb = 0;
    if (std::sscanf(line, "MemTotal: %llu kB", &kb) == 1) m.total_bytes = kb * 1024;
    if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) m.available_bytes = kb * 1024;
  }
  std::fclose(f);
  return m;
}

}  // namespace hearth

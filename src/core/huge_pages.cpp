#include "core/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace hearth {

namespace {
uintptr_t align_up(uintptr_t v) { return (v + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1}; }
}  // namespace

bool huge_pages_for_weights() noexcept {
  const char* v = std::getenv("HEARTH_HUGE_PAGES");
  if (v == nullptr) return true;
  const std::string_view s(v);
  return !(s == "0" || s == "off" || s == "no");
}

void advise_huge_pages(const void* p, size_t n) noexcept {
#if defined(MADV_HUGEPAGE)
  const uintptr_t begin = align_up(reinterpret_cast<uintptr_t>(p));
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~uintptr_t{kHugePageBytes - 1};
  // Advice only: a kernel without THP refuses it, and the pages stay small.
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

namespace {
// Reserves size + 2 MiB of address space with `map_at` putting the real
// mapping at the first 2 MiB boundary inside it, gives the slack on both
// sides back, and asks for huge pages if `advise`. Returns nullptr (errno
// set) on failure.
template <typename MapAt>
void* map_huge_aligned(size_t size, bool advise, MapAt map_at) noexcept {
  const size_t span = size + kHugePageBytes;
  void* reserved = ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved == MAP_FAILED) return nullptr;
  const uintptr_t base = reinterpret_cast<uintptr_t>(reserved);
  const uintptr_t at = align_up(base);
  void* p = map_at(reinterpret_cast<void*>(at));
  if (p == MAP_FAILED) {
    ::munmap(reserved, span);
    return nullptr;
  }
  // Page-granular slack: the tail starts at the first page after the mapping.
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t tail = (at + size + page - 1) & ~(page - 1);
  if (at > base) ::munmap(reserved, at - base);
  if (base + span > tail) ::munmap(reinterpret_cast<void*>(tail), base + span - tail);
  if (advise) advise_huge_pages(p, size);
  return p;
}
}  // namespace

void HugePageDeleter::operator()(uint8_t* p) const noexcept {
  if (mapped_bytes > 0) {
    ::munmap(p, mapped_bytes);
  } else {
    std::free(p);
  }
}

HugePageBuffer map_huge_page_buffer(size_t n) {
  void* p = map_huge_aligned(n, true, [n](void* at) {
    return ::mmap(at, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  });
  if (p == nullptr) throw std::bad_alloc();
  return HugePageBuffer(static_cast<uint8_t*>(p), HugePageDeleter{n});
}

HugePageBuffer allocate_huge_page_buffer(size_t n) {
  if (n >= kHugePageBytes) {
    HugePageBuffer buf = map_huge_page_buffer(n);
    // Commit every page now, as huge pages: memory the plan counted is really
    // held, rather than failing mid-generation when the context fills.
    std::memset(buf.get(), 0, n);
    return buf;
  }
  void* p = nullptr;
  if (::posix_memalign(&p, 64, std::max<size_t>(n, 1)) != 0) throw std::bad_alloc();
  std::memset(p, 0, n);
  return HugePageBuffer(static_cast<uint8_t*>(p), HugePageDeleter{0});
}

void* map_file_huge_aligned(int fd, size_t size) noexcept {
  return map_huge_aligned(size, huge_pages_for_weights(), [fd, size](void* at) {
    return ::mmap(at, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  });
}

}  // namespace hearth

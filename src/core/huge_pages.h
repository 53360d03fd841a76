// Transparent huge pages for the large buffers streamed every token: the KV
// cache, the read-bandwidth probe, the weights, and a prompt's activations.
//
// Decode reads the whole model once per token. With 4 KiB pages that is one
// TLB miss and page walk per 64 cache lines, and the walks, not DRAM, set the
// pace: on the development machine (Linux 6.18, THP "madvise") a 2-thread
// read of a 1 GiB buffer went from ~22-25 GB/s to ~30-33 GB/s with 2 MiB
// pages. Linux only backs a region with huge pages when asked (THP mode
// "madvise", the common default), so the buffers ask. Elsewhere, or when THP
// is off, these are no-ops.
//
// Llama-3.2-1B Q4_K_M, 2 threads, interleaved runs (2026-11-28):
//   - the KV cache on huge pages: attention went from 7 % to 2 % of decode
//     time at ~150 cells, and prefill did not change: always on;
//   - the weights on huge pages as well: decode 22.5 -> 25.8 tok/s (20.6 ->
//     27.2 in one slow phase). Session 7 saw 2-thread prefill fall from ~85
//     to a median of ~75 tok/s with them, moving from 44 to 94 between
//     processes; on 2026-11-29 (8 interleaved rounds each, pp512) prefill
//     was the same on both page sizes (medians 92.4 and 92.2 tok/s, runs
//     82-105) while decode went 23.0 -> 30.2 tok/s. So the weights are on
//     huge pages by default; HEARTH_HUGE_PAGES=0 keeps them on small pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace hearth {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Whether the weights go on huge pages: true unless the environment sets
// HEARTH_HUGE_PAGES to 0, off or no.
bool huge_pages_for_weights() noexcept;

// Asks for huge pages on the whole 2 MiB-aligned pages inside [p, p + n).
// Call it before the memory is first touched: pages already faulted in stay
// small until the kernel collapses them.
void advise_huge_pages(const void* p, size_t n) noexcept;

// Releases a HugePageBuffer: munmap for a mapped one (mapped_bytes > 0),
// free for a small one.
struct HugePageDeleter {
  size_t mapped_bytes = 0;
  void operator()(uint8_t* p) const noexcept;
};
using HugePageBuffer = std::unique_ptr<uint8_t[], HugePageDeleter>;

// n > 0 bytes of fresh anonymous memory at a 2 MiB boundary with huge pages
// asked for, no page committed yet (they read as zero): for a buffer whose
// pages are first written elsewhere, like the bandwidth probe's, which each
// thread touches itself. (Not malloc: its adaptive threshold serves a large
// block from memory freed earlier, already faulted in small pages.) Throws
// std::bad_alloc.
HugePageBuffer map_huge_page_buffer(size_t n);

// A zero-filled buffer of n bytes, every page committed: from kHugePageBytes
// on, map_huge_page_buffer's memory zero-filled (so the pages come in huge);
// smaller ones from the heap, 64-byte aligned. Throws std::bad_alloc.
HugePageBuffer allocate_huge_page_buffer(size_t n);

// A std::allocator that puts blocks of kHugePageBytes and more on fresh
// huge-page mappings (map_huge_page_buffer), smaller ones on the heap: for
// the activation and scratch buffers of a forward pass, which prompts make
// megabytes large. With the weights on huge pages and these on the heap's
// small pages, 2-thread prefill ran ~8 % slower than with both on small pages
// in some phases of the host (Llama-3.2-1B Q4_K_M pp512, 6 interleaved
// rounds, 2026-11-29: 81.4-83.0 small, 75.0-78.9 weights huge); with these
// on huge pages too it ran at 86.9, and decode is faster with both.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) return std::allocator<T>{}.allocate(n);
    return reinterpret_cast<T*>(map_huge_page_buffer(bytes).release());
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      std::allocator<T>{}.deallocate(p, n);
    } else {
      HugePageDeleter{bytes}(reinterpret_cast<uint8_t*>(p));
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

// Maps `size` bytes of the open file `fd` read-only at a 2 MiB-aligned
// address and, when huge_pages_for_weights(), asks for huge pages. The kernel
// can then map 2 MiB page-cache folios with one TLB entry each: ext4 on Linux
// 6.18 reads a file that is not yet cached into such folios. A file cached in
// small pages (one just written, say) stays in small pages. Returns nullptr
// with errno set on failure; the caller releases the mapping with
// munmap(p, size).
void* map_file_huge_aligned(int fd, size_t size) noexcept;

}  // namespace hearth

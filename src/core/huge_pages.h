// Transparent huge pages for the large buffers that are streamed every token:
// the weights and the read-bandwidth probe.
//
// Decode reads the whole model once per token. With 4 KiB pages that is one
// TLB miss and page walk per 64 cache lines, and the walks, not DRAM, set the
// pace: on the development machine (Linux 6.18, THP "madvise") a 2-thread
// read of a 1 GiB buffer went from ~22 GB/s to ~33 GB/s with 2 MiB pages, and
// Llama-3.2-1B Q4_K_M decode from ~23 to ~29 tok/s. Linux only backs a
// region with huge pages when asked (THP mode "madvise", the common default),
// so the buffers ask. Elsewhere, or when THP is off, these are no-ops.
//
// The price, measured the same day: Llama-3.2-1B Q4_K_M prefill (2 threads)
// got slower and less steady with the weights on huge pages (pp512 median
// ~75 tok/s, 44-94 from run to run, against a steady ~85 on small pages),
// from the physical placement of the pages (splitting their mappings into
// 4 KiB entries kept the loss). Setting HEARTH_HUGE_PAGES=0 keeps the
// model's memory (weights, KV cache) on small pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace hearth {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// False when the environment sets HEARTH_HUGE_PAGES to 0, off or no: the
// model's memory then stays on small pages (the bandwidth probe still asks,
// as it measures the machine, not the model).
bool huge_pages_wanted() noexcept;

// Asks for huge pages on the whole 2 MiB-aligned pages inside [p, p + n).
// Call it before the memory is first touched: pages already faulted in stay
// small until the kernel collapses them.
void advise_huge_pages(const void* p, size_t n) noexcept;

// Releases a buffer of allocate_huge_page_buffer: munmap for a mapped one
// (bytes > 0), free for a small one.
struct HugePageDeleter {
  size_t mapped_bytes = 0;
  void operator()(uint8_t* p) const noexcept;
};
using HugePageBuffer = std::unique_ptr<uint8_t[], HugePageDeleter>;

// A zero-filled buffer of n bytes, every page committed. From kHugePageBytes
// on it is a fresh anonymous mapping at a 2 MiB boundary with huge pages
// asked for (when huge_pages_wanted()) before the zero fill. (Not malloc: its adaptive threshold serves a large block from memory freed
// earlier, already faulted in small pages.) Smaller ones come from the heap,
// 64-byte aligned. Throws std::bad_alloc.
HugePageBuffer allocate_huge_page_buffer(size_t n);

// Maps `size` bytes of the open file `fd` read-only at a 2 MiB-aligned
// address and asks for huge pages (when huge_pages_wanted()). The kernel can then map 2 MiB page-cache
// folios with one TLB entry each: ext4 on Linux 6.18 reads a file that is not
// yet cached into such folios. A file cached in small pages (one just written,
// say) stays in small pages. Returns nullptr with errno set on failure; the
// caller releases the mapping with munmap(p, size).
void* map_file_huge_aligned(int fd, size_t size) noexcept;

}  // namespace hearth

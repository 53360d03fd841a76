// fuzz-links: gguf
// Safetensors reader fuzzer: any bytes must either parse or throw
// hearth::FormatError, never crash, hang or read out of bounds. A file that
// parses is walked: every tensor's first and last byte is touched (so ASan
// checks the view lies in the buffer), its size must equal shape x dtype size,
// and no two non-empty tensors may share a byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "core/error.h"
#include "gguf/safetensors.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void walk(const hearth::gguf::SafetensorsFile& f, const uint8_t* begin, const uint8_t* end) {
  std::vector<std::pair<const uint8_t*, const uint8_t*>> spans;
  size_t sink = 0;
  for (const auto& [name, t] : f.tensors()) {
    check(name == t.name);
    check(t.data.size() == t.n_elements() * hearth::gguf::dtype_size(t.dtype));
    if (t.data.empty()) continue;
    check(t.data.data() >= begin && t.data.data() + t.data.size() <= end);
    sink += t.data.front() + t.data.back();
    spans.emplace_back(t.data.data(), t.data.data() + t.data.size());
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) check(spans[i - 1].second <= spans[i].first);
  check(sink != static_cast<size_t>(-1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto f = hearth::gguf::SafetensorsFile::parse({data, size}, "fuzz.safetensors");
    walk(f, data, data + size);
  } catch (const hearth::FormatError&) {
    // Rejected input: the expected outcome for almost every mutation.
  }
  return 0;
}

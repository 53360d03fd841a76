// fuzz-links: gguf
// GGUF reader fuzzer: any bytes must either parse or throw hearth::Error,
// never crash, hang or read out of bounds. A file that parses is walked
// (every value displayed and read through the typed getters, every tensor
// byte range touched) and written back with the writer: the result must parse
// to the same metadata and tensors, and writing that again must give the same
// bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace {

using hearth::gguf::File;

// Bigger rewrites (e.g. a huge general.alignment) are legal but only cost time.
constexpr uint64_t kMaxRewriteBytes = uint64_t{1} << 22;

void check(bool ok) {
  if (!ok) std::abort();
}

void walk(const File& f) {
  size_t sink = 0;
  for (const auto& [key, value] : f.metadata()) {
    sink += value.to_display().size();
    try {
      (void)f.get_string_array(key);
      (void)f.get_float_array(key);
      (void)f.get_int_array(key);
      (void)f.get_float(key);
    } catch (const hearth::Error&) {
      // Wrong-type errors are expected: only crashes matter here.
    }
  }
  for (const auto& t : f.tensors()) {
    // Touch the first and last byte so ASan checks the range is mapped.
    sink += t.data[0] + t.data[t.n_bytes - 1];
  }
  check(sink != static_cast<size_t>(-1));
}

void check_rewrite(const File& f) {
  const auto layout = hearth::gguf::Layout::of(f, f.version());
  if (layout.file_size() > kMaxRewriteBytes) return;
  const std::vector<uint8_t> once = hearth::gguf::encode(f);
  check(once.size() == layout.file_size());
  const File again = File::parse(once, "rewrite");
  check(again.metadata() == f.metadata());
  check(again.tensors().size() == f.tensors().size());
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const auto& a = f.tensors()[i];
    const auto& b = again.tensors()[i];
    check(a.name == b.name && a.type == b.type && a.shape == b.shape && a.n_bytes == b.n_bytes);
    check(std::equal(a.data, a.data + a.n_bytes, b.data));
  }
  check(hearth::gguf::encode(again) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const File f = File::parse({data, size}, "fuzz.gguf");
    walk(f);
    check_rewrite(f);
  } catch (const hearth::Error&) {
    // Rejected input: the expected outcome for almost every mutation.
  }
  return 0;
}

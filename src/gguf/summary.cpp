#include "gguf/summary.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace hearth::gguf {

namespace {
// Tensors of a hostile file may overlap, so totals are not bounded by the
// file size: they saturate instead of wrapping.
void add_to(uint64_t& total, uint64_t v) {
  if (__builtin_add_overflow(total, v, &total)) total = UINT64_MAX;
}
}  // namespace

Summary summarize(const File& file) {
  Summary s;
  for (const Tensor& t : file.tensors()) {
    s.n_tensors += 1;
    add_to(s.n_params, t.n_elements);
    add_to(s.tensor_bytes, t.n_bytes);
    auto it = std::find_if(s.by_type.begin(), s.by_type.end(),
                           [&](const TypeTotals& tt) { return tt.type == t.type; });
    if (it == s.by_type.end()) it = s.by_type.insert(s.by_type.end(), TypeTotals{t.type});
    it->n_tensors += 1;
    add_to(it->n_elements, t.n_elements);
    add_to(it->n_bytes, t.n_bytes);
  }
  std::sort(s.by_type.begin(), s.by_type.end(), [](const TypeTotals& a, const TypeTotals& b) {
    return static_cast<uint32_t>(a.type) < static_cast<uint32_t>(b.type);
  });
  return s;
}

std::vector<HyperParameter> hyper_parameters(const File& file) {
  static const std::pair<const char*, const char*> kKnown[] = {
      {"context length", "context_length"},
      {"embedding length", "embedding_length"},
      {"layers", "block_count"},
      {"feed-forward length", "feed_forward_length"},
      {"attention heads", "attention.head_count"},
      {"key/value heads", "attention.head_count_kv"},
      {"key length", "attention.key_length"},
      {"value length", "attention.value_length"},
      {"sliding window", "attention.sliding_window"},
      {"RMS norm epsilon", "attention.layer_norm_rms_epsilon"},
      {"norm epsilon", "attention.layer_norm_epsilon"},
      {"RoPE dimensions", "rope.dimension_count"},
      {"RoPE base", "rope.freq_base"},
      {"RoPE scaling", "rope.scaling.type"},
      {"RoPE scaling factor", "rope.scaling.factor"},
      {"experts", "expert_count"},
      {"experts used", "expert_used_count"},
      {"vocabulary size", "vocab_size"},
  };
  std::vector<HyperParameter> out;
  const std::string arch = file.architecture();
  if (arch.empty()) return out;
  for (const auto& [label, suffix] : kKnown) {
    std::string key = arch + "." + suffix;
    if (const Value* v = file.find(key)) out.push_back({label, std::move(key), v});
  }
  return out;
}

}  // namespace hearth::gguf

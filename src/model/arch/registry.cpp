#include "model/arch/arch.h"

namespace hearth::model {

const std::vector<ArchSpec>& architectures() {
  static const std::vector<ArchSpec> specs = {
      {"llama", configure_llama},   {"qwen2", configure_qwen2},   {"qwen3", configure_qwen3},
      {"gemma2", configure_gemma2}, {"gemma3", configure_gemma3},
  };
  return specs;
}

const ArchSpec* find_architecture(std::string_view name) {
  for (const auto& s : architectures()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace hearth::model

// The architecture registry. Each architecture is one file in this folder
// holding what makes it different: its variant flags and extra keys. Adding
// one: write arch/NAME.cpp with a `configure_NAME`, list it in registry.cpp,
// add a tiny model to the logits goldens (tests walk the registry).
#pragma once

#include <string_view>
#include <vector>

#include "model/hparams.h"

namespace hearth::model {

// Reads "<arch>.<key>" helpers for the configure functions.
struct ArchKeys {
  const gguf::File& file;
  std::string_view arch;
};

struct ArchSpec {
  std::string_view name;                                // general.architecture
  void (*configure)(HParams& hp, const ArchKeys& keys); // set variants, read extra keys
};

const std::vector<ArchSpec>& architectures();
const ArchSpec* find_architecture(std::string_view name);

void configure_llama(HParams& hp, const ArchKeys& keys);
void configure_qwen2(HParams& hp, const ArchKeys& keys);
void configure_qwen3(HParams& hp, const ArchKeys& keys);
void configure_gemma2(HParams& hp, const ArchKeys& keys);
void configure_gemma3(HParams& hp, const ArchKeys& keys);

}  // namespace hearth::model

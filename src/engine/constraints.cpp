#include "engine/constraints.h"

#include <string>
#include <vector>

#include "engine/generation.h"
#include "sampling/json_constraint.h"

namespace hearth::engine {

// Each token as the bytes the scheduler streams for it (token_to_piece);
// tokens that end a generation are marked so (they add no text).
std::unique_ptr<sampling::TokenConstraint> Constraints::make(ResponseFormat format, int64_t max_tokens) {
  if (format == ResponseFormat::text) return nullptr;
  std::call_once(once_, [&] {
    const int32_t n = tok_.n_vocab();
    std::vector<std::string> bytes(static_cast<size_t>(n));
    std::vector<bool> ends(static_cast<size_t>(n));
    for (int32_t id = 0; id < n; ++id) {
      ends[static_cast<size_t>(id)] = ends_generation(tok_, id);
      if (!ends[static_cast<size_t>(id)]) bytes[static_cast<size_t>(id)] = tok_.token_to_piece(id);
    }
    vocab_ = std::make_shared<const sampling::TokenVocab>(std::move(bytes), std::move(ends));
  });
  return std::make_unique<sampling::JsonConstraint>(vocab_, max_tokens);
}

}  // namespace hearth::engine

#include "quant/quant_input.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace hearth::quant::sym {

void throw_partial_blocks(const char* type, int64_t n, int64_t block) {
  throw Error(std::string(type) + ": " + std::to_string(n) + " elements is not a whole number of blocks of " +
              std::to_string(block));
}

void check_quantize_input(const char* type, const float* x, int64_t n, int64_t block,
                          const float* imatrix) {
  check_whole_blocks(type, n, block);
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw Error(std::string(type) + ": cannot quantize non-finite value " + std::to_string(x[i]) +
                  " at element " + std::to_string(i));
    }
  }
  if (imatrix == nullptr) return;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(imatrix[i]) || imatrix[i] < 0.0f) {
      throw Error(std::string(type) + ": importance weight " + std::to_string(imatrix[i]) +
                  " at element " + std::to_string(i) + " is not finite and >= 0");
    }
  }
}

const float* block_weights(const float* imatrix, int64_t offset) {
  static const auto ones = [] {
    struct Ones {
      float v[256];
    } o;
    for (float& f : o.v) f = 1.0f;
    return o;
  }();
  return imatrix != nullptr ? imatrix + offset : ones.v;
}

}  // namespace hearth::quant::sym

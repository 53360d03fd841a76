#include "quant/symmetric_search.h"

#include <string>

#include "core/error.h"

namespace hearth::quant::sym {

void throw_scale_overflow(float d) {
  throw Error("quantize: super-block scale " + std::to_string(d) +
              " does not fit in fp16 (values too large for this format)");
}

}  // namespace hearth::quant::sym

// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {
void dequantize_row_q5_K(const void*, float*, int64_t) { throw Error("q5_K: not implemented"); }
void quantize_row_q5_K(const float*, void*, int64_t, const float*) { throw Error("q5_K: not implemented"); }
float vec_dot_q5_K_q8_K(int64_t, const void*, const void*) { throw Error("q5_K: not implemented"); }
}  // namespace

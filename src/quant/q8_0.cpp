// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {
void dequantize_row_q8_0(const void*, float*, int64_t) { throw Error("q8_0: not implemented"); }
void quantize_row_q8_0(const float*, void*, int64_t, const float*) { throw Error("q8_0: not implemented"); }
float vec_dot_q8_0_q8_0(int64_t, const void*, const void*) { throw Error("q8_0: not implemented"); }
void dequantize_row_q8_1(const void*, float*, int64_t) { throw Error("q8_1: not implemented"); }
void quantize_row_q8_1(const float*, void*, int64_t, const float*) { throw Error("q8_1: not implemented"); }
}  // namespace

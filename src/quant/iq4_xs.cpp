// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {
void dequantize_row_iq4_xs(const void*, float*, int64_t) { throw Error("iq4_xs: not implemented"); }
void quantize_row_iq4_xs(const float*, void*, int64_t, const float*) { throw Error("iq4_xs: not implemented"); }
float vec_dot_iq4_xs_q8_K(int64_t, const void*, const void*) { throw Error("iq4_xs: not implemented"); }
}  // namespace

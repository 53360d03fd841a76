// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::avx2 {
float vec_dot_iq4_xs_q8_K(int64_t, const void*, const void*) { throw Error("iq4_xs: not implemented"); }
}  // namespace

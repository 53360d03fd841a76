// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::avx2 {
float vec_dot_q4_0_q8_0(int64_t, const void*, const void*) { throw Error("q4_0: not implemented"); }
}  // namespace

// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::avx2 {
float vec_dot_q5_K_q8_K(int64_t, const void*, const void*) { throw Error("q5_K: not implemented"); }
}  // namespace

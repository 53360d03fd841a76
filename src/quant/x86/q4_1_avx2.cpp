// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::avx2 {
float vec_dot_q4_1_q8_1(int64_t, const void*, const void*) { throw Error("q4_1: not implemented"); }
}  // namespace

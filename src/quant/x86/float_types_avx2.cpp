// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::avx2 {
float vec_dot_f32_f32(int64_t, const void*, const void*) { throw Error("f32: not implemented"); }
float vec_dot_f16_f16(int64_t, const void*, const void*) { throw Error("f16: not implemented"); }
float vec_dot_bf16_bf16(int64_t, const void*, const void*) { throw Error("bf16: not implemented"); }
}  // namespace

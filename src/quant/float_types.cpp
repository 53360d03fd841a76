// TEMPORARY STUB: replaced by the real implementation.
#include "core/error.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {
void dequantize_row_f32(const void*, float*, int64_t) { throw Error("f32: not implemented"); }
void quantize_row_f32(const float*, void*, int64_t, const float*) { throw Error("f32: not implemented"); }
float vec_dot_f32_f32(int64_t, const void*, const void*) { throw Error("f32: not implemented"); }
void dequantize_row_f16(const void*, float*, int64_t) { throw Error("f16: not implemented"); }
void quantize_row_f16(const float*, void*, int64_t, const float*) { throw Error("f16: not implemented"); }
float vec_dot_f16_f16(int64_t, const void*, const void*) { throw Error("f16: not implemented"); }
void dequantize_row_bf16(const void*, float*, int64_t) { throw Error("bf16: not implemented"); }
void quantize_row_bf16(const float*, void*, int64_t, const float*) { throw Error("bf16: not implemented"); }
float vec_dot_bf16_bf16(int64_t, const void*, const void*) { throw Error("bf16: not implemented"); }
}  // namespace

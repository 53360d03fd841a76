// Element-wise and row operations of the transformer, on float rows.
// These are not the bandwidth-bound part of a forward pass (the matmuls are),
// so most are written plainly and left to the compiler's vectoriser; the ones
// a decode step runs serially on whole rows (the FFN gates: a libm exp or tanh
// per element; RMS norm: a double sum the compiler cannot reorder) have AVX2
// kernels (ops_avx2.cpp): ~4 % of a Llama-3.2-1B decode step before them.
#pragma once

#include <cstdint>

namespace hearth::compute {

// y = x / sqrt(mean(x^2) + eps) * w   (w may be nullptr: no weight). y may alias x.
// The sum of squares in double; the AVX2 kernel sums it in 8 lanes (another
// order: the same float scale but in the rarest ties), rms_norm_generic in one.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
void rms_norm_generic(const float* x, const float* w, float* y, int64_t n, float eps);
// rms_norm in two steps, the same bits: the scale 1 / sqrt(mean(x^2) + eps)
// of the whole row, then y = x * s * w on any part of it (threads sharing
// a row: model/forward.cpp).
float rms_scale(const float* x, int64_t n, float eps);
float rms_scale_generic(const float* x, int64_t n, float eps);
void rms_apply(const float* x, float s, const float* w, float* y, int64_t n);

// x += y
void add(float* x, const float* y, int64_t n);
// x *= s
void scale(float* x, float s, int64_t n);

// In-place softmax over n values (max-subtracted, float accumulation).
void softmax(float* x, int64_t n);

// x = cap * tanh(x / cap)   (Gemma 2 logit soft-capping)
void softcap(float* x, int64_t n, float cap);

// Gated FFN activations: gate[i] = act(gate[i]) * up[i]. Both run AVX2
// kernels where the CPU has them (as g sigmoid(z) with a polynomial e^x within
// ~2e-7 relative of std::exp, compute/exp_avx2.h); the _generic versions are
// the portable references.
void silu_mul(float* gate, const float* up, int64_t n);
void silu_mul_generic(float* gate, const float* up, int64_t n);
void gelu_mul(float* gate, const float* up, int64_t n);  // tanh approximation
void gelu_mul_generic(float* gate, const float* up, int64_t n);

// Rotary position embedding on one head of `head_dim` values, rotating the
// first `rope_dim` dims. `freqs` holds rope_dim/2 inverse frequencies
// (already scaled, e.g. llama3 rope scaling). Two pairings exist:
//   adjacent (llama "normal"): pairs (x[2i], x[2i+1])
//   halves (NeoX: Qwen, Gemma): pairs (x[i], x[i + rope_dim/2])
// rope() is rope_angles() then rope_rotate(); a forward pass computes the
// angles of a position once and rotates every head of the layer with them.
enum class RopeStyle { Adjacent, Halves };
void rope(float* head, int64_t rope_dim, int64_t pos, const float* freqs, RopeStyle style);
// cos_sin[2i], cos_sin[2i + 1] = cos, sin of pos * freqs[i] for i < rope_dim / 2.
void rope_angles(int64_t rope_dim, int64_t pos, const float* freqs, float* cos_sin);
void rope_rotate(float* head, int64_t rope_dim, const float* cos_sin, RopeStyle style);

namespace avx2 {
// Same contracts as their namesakes above; call through those.
float rms_scale(const float* x, int64_t n, float eps);
void rms_apply(const float* x, float s, const float* w, float* y, int64_t n);
void silu_mul(float* gate, const float* up, int64_t n);
void gelu_mul(float* gate, const float* up, int64_t n);
}  // namespace avx2

}  // namespace hearth::compute

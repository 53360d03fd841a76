// Element-wise and row operations of the transformer, on float rows.
// These are not the bandwidth-bound part of a forward pass (the matmuls are),
// so they are written plainly and left to the compiler's vectoriser.
#pragma once

#include <cstdint>

namespace hearth::compute {

// y = x / sqrt(mean(x^2) + eps) * w   (w may be nullptr: no weight). y may alias x.
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);

// x += y
void add(float* x, const float* y, int64_t n);
// x *= s
void scale(float* x, float s, int64_t n);

// In-place softmax over n values (max-subtracted, float accumulation).
void softmax(float* x, int64_t n);

// x = cap * tanh(x / cap)   (Gemma 2 logit soft-capping)
void softcap(float* x, int64_t n, float cap);

// Gated FFN activations: gate[i] = act(gate[i]) * up[i].
void silu_mul(float* gate, const float* up, int64_t n);
void gelu_mul(float* gate, const float* up, int64_t n);  // tanh approximation

// Rotary position embedding on one head of `head_dim` values, rotating the
// first `rope_dim` dims. `freqs` holds rope_dim/2 inverse frequencies
// (already scaled, e.g. llama3 rope scaling). Two pairings exist:
//   adjacent (llama "normal"): pairs (x[2i], x[2i+1])
//   halves (NeoX: Qwen, Gemma): pairs (x[i], x[i + rope_dim/2])
enum class RopeStyle { Adjacent, Halves };
void rope(float* head, int64_t rope_dim, int64_t pos, const float* freqs, RopeStyle style);

}  // namespace hearth::compute

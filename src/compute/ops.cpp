#include "compute/ops.h"

#include <cmath>
#include <vector>

#include "core/cpu_features.h"

namespace hearth::compute {

namespace {
bool simd() {
  static const bool has = cpu_features().has_avx2_kernels();
  return has;
}

// y = x * s * w, the portable step of rms_apply and rms_norm_generic.
void rms_apply_generic(const float* x, float s, const float* w, float* y, int64_t n) {
  if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s;
  }
}

}  // namespace

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  rms_apply(x, rms_scale(x, n, eps), w, y, n);
}

float rms_scale(const float* x, int64_t n, float eps) {
  return simd() ? avx2::rms_scale(x, n, eps) : rms_scale_generic(x, n, eps);
}

void rms_apply(const float* x, float s, const float* w, float* y, int64_t n) {
  if (simd()) {
    avx2::rms_apply(x, s, w, y, n);
    return;
  }
  rms_apply_generic(x, s, w, y, n);
}

float rms_scale_generic(const float* x, int64_t n, float eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += double(x[i]) * x[i];
  return 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(n)) + eps);
}

void rms_norm_generic(const float* x, const float* w, float* y, int64_t n, float eps) {
  rms_apply_generic(x, rms_scale_generic(x, n, eps), w, y, n);
}

void add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void scale(float* x, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

void softmax(float* x, int64_t n) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::fmax(mx, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void softcap(float* x, int64_t n, float cap) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

void silu_mul(float* gate, const float* up, int64_t n) {
  if (simd()) {
    avx2::silu_mul(gate, up, n);
    return;
  }
  silu_mul_generic(gate, up, n);
}

void silu_mul_generic(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void gelu_mul(float* gate, const float* up, int64_t n) {
  if (simd()) {
    avx2::gelu_mul(gate, up, n);
    return;
  }
  gelu_mul_generic(gate, up, n);
}

void gelu_mul_generic(float* gate, const float* up, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * g * (1.0f + 0.044715f * g * g))) * up[i];
  }
}

void rope_angles(int64_t rope_dim, int64_t pos, const float* freqs, float* cos_sin) {
  for (int64_t i = 0; i < rope_dim / 2; ++i) {
    const float theta = static_cast<float>(pos) * freqs[i];
    cos_sin[2 * i] = std::cos(theta);
    cos_sin[2 * i + 1] = std::sin(theta);
  }
}

void rope(float* head, int64_t rope_dim, int64_t pos, const float* freqs, RopeStyle style) {
  std::vector<float> cos_sin(static_cast<size_t>(rope_dim));
  rope_angles(rope_dim, pos, freqs, cos_sin.data());
  rope_rotate(head, rope_dim, cos_sin.data(), style);
}

void rope_rotate(float* head, int64_t rope_dim, const float* cos_sin, RopeStyle style) {
  const int64_t half = rope_dim / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
    float* a = style == RopeStyle::Adjacent ? head + 2 * i : head + i;
    float* b = style == RopeStyle::Adjacent ? head + 2 * i + 1 : head + i + half;
    const float x0 = *a, x1 = *b;
    *a = x0 * c - x1 * s;
    *b = x0 * s + x1 * c;
  }
}

}  // namespace hearth::compute

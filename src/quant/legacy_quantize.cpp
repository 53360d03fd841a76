#include "quant/legacy_quantize.h"

#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/legacy_common.h"

namespace hearth::quant::legacy {

namespace {

// Scale candidates tried around the plain one: the level the extreme element
// maps to moves by kStep, kSteps times each way (21 roundings per block).
constexpr int kSteps = 10;
constexpr float kStep = 0.1f;

float inverse(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// code_j = round(clamp(x_j * id, -nmax, nmax - 1)) + nmax
void round_symmetric(const float* x, float id, int nmax, uint8_t* code) {
  const auto lo = static_cast<float>(-nmax), hi = static_cast<float>(nmax - 1);
  for (int j = 0; j < kQK; ++j) {
    code[j] = static_cast<uint8_t>(round_nearest(clamp(x[j] * id, lo, hi)) + nmax);
  }
}

// code_j = round(clamp((x_j - m) * id, 0, qmax))
void round_asymmetric(const float* x, float m, float id, int qmax, uint8_t* code) {
  for (int j = 0; j < kQK; ++j) {
    code[j] = static_cast<uint8_t>(
        round_nearest(clamp((x[j] - m) * id, 0.0f, static_cast<float>(qmax))));
  }
}

// sum_j w_j (x_j - (d * (code_j - offset) + m))^2 with the values as stored.
double weighted_error(const float* x, const float* w, const uint8_t* code, int offset, float d,
                      float m) {
  double e = 0;
  for (int j = 0; j < kQK; ++j) {
    const float y = static_cast<float>(code[j] - offset) * d + m;
    const double r = double(x[j]) - y;
    e += w[j] * r * r;
  }
  return e;
}

}  // namespace

uint16_t quantize_block_symmetric(const float* x, const float* w, int nmax, uint8_t* code) {
  float xmax = 0, amax = 0;
  for (int j = 0; j < kQK; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      xmax = x[j];
    }
  }
  uint16_t d16 = saturating_fp16(xmax / static_cast<float>(-nmax));
  round_symmetric(x, inverse(fp16_to_fp32(d16)), nmax, code);
  if (w == nullptr || amax == 0.0f) return d16;

  double best = weighted_error(x, w, code, nmax, fp16_to_fp32(d16), 0.0f);
  uint8_t trial[kQK];
  for (int t = -kSteps; t <= kSteps; ++t) {
    round_symmetric(x, (static_cast<float>(-nmax) + kStep * static_cast<float>(t)) / xmax, nmax,
                    trial);
    // least-squares scale for this rounding: d = sum(w x q) / sum(w q^2)
    double sxq = 0, sqq = 0;
    for (int j = 0; j < kQK; ++j) {
      const int q = trial[j] - nmax;
      sxq += double(w[j]) * x[j] * q;
      sqq += double(w[j]) * q * q;
    }
    if (sqq <= 0) continue;
    const uint16_t t16 = saturating_fp16(static_cast<float>(sxq / sqq));
    const double err = weighted_error(x, w, trial, nmax, fp16_to_fp32(t16), 0.0f);
    if (err < best) {
      best = err;
      d16 = t16;
      std::memcpy(code, trial, kQK);
    }
  }
  return d16;
}

ScaleMin quantize_block_asymmetric(const float* x, const float* w, int qmax, uint8_t* code) {
  float lo = x[0], hi = x[0];
  for (int j = 1; j < kQK; ++j) {
    lo = std::fmin(lo, x[j]);
    hi = std::fmax(hi, x[j]);
  }
  ScaleMin out{saturating_fp16((hi - lo) / static_cast<float>(qmax)), saturating_fp16(lo)};
  round_asymmetric(x, fp16_to_fp32(out.m), inverse(fp16_to_fp32(out.d)), qmax, code);
  if (w == nullptr || hi == lo) return out;

  double best = weighted_error(x, w, code, 0, fp16_to_fp32(out.d), fp16_to_fp32(out.m));
  uint8_t trial[kQK];
  for (int t = -kSteps; t <= kSteps; ++t) {
    round_asymmetric(x, lo, (static_cast<float>(qmax) + kStep * static_cast<float>(t)) / (hi - lo),
                     qmax, trial);
    // weighted least squares for (d, m) given the codes: the 2x2 normal equations
    double sw = 0, sq = 0, sqq = 0, sx = 0, sqx = 0;
    for (int j = 0; j < kQK; ++j) {
      const double wj = w[j], q = trial[j];
      sw += wj;
      sq += wj * q;
      sqq += wj * q * q;
      sx += wj * x[j];
      sqx += wj * q * x[j];
    }
    const double det = sw * sqq - sq * sq;
    if (!(det > 0)) continue;
    const ScaleMin fit{saturating_fp16(static_cast<float>((sw * sqx - sq * sx) / det)),
                       saturating_fp16(static_cast<float>((sqq * sx - sq * sqx) / det))};
    const double err = weighted_error(x, w, trial, 0, fp16_to_fp32(fit.d), fp16_to_fp32(fit.m));
    if (err < best) {
      best = err;
      out = fit;
      std::memcpy(code, trial, kQK);
    }
  }
  return out;
}

}  // namespace hearth::quant::legacy

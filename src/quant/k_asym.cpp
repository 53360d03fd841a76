#include "quant/k_asym.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/fp16.h"
#include "quant/k_affine_fit.h"

namespace hearth::quant::kasym {

void pack_scales_mins_6bit(const uint8_t sc[8], const uint8_t m[8], uint8_t out[kKScaleBytes]) {
  for (int j = 0; j < 4; ++j) {
    out[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    out[j + 4] = static_cast<uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    out[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

namespace {

// Importance weights of one super-block: the caller's, except that a
// sub-block whose weights are all zero (or not finite) falls back to plain
// squared error rather than leaving the fit nothing to minimise.
void fill_weights(const Spec& spec, const float* w_in, float* w) {
  for (int j = 0; j < spec.n_sub(); ++j) {
    float* wj = w + j * spec.sub_size;
    float sum = 0;
    if (w_in) {
      for (int i = 0; i < spec.sub_size; ++i) {
        wj[i] = w_in[j * spec.sub_size + i];
        sum += wj[i];
      }
    }
    if (!(sum > 0) || !std::isfinite(sum)) std::fill(wj, wj + spec.sub_size, 1.0f);
  }
}

int round_code(float v, int code_max) {
  const long r = std::lround(v);
  return static_cast<int>(std::clamp<long>(r, 0, code_max));
}

// With the super-scales fixed, picks the integer (scale, min) codes of one
// sub-block among the neighbours of the rounded ideal ones, by the error of
// the levels each would give; writes those levels to q.
void choose_codes(const Spec& spec, const float* x, const float* w, const AffineFit& fit, float d,
                  float dmin, uint8_t* sc, uint8_t* m, uint8_t* q) {
  const int s0 = d > 0 ? round_code(fit.scale / d, spec.scale_max) : 0;
  const int m0 = dmin > 0 ? round_code(fit.min / dmin, spec.scale_max) : 0;
  float best = INFINITY;
  uint8_t trial[kMaxSubSize];
  for (int ds = -1; ds <= 1; ++ds) {
    const int s = s0 + ds;
    if (s < 0 || s > spec.scale_max || (d == 0 && s != 0)) continue;
    for (int dm = -1; dm <= 1; ++dm) {
      const int mc = m0 + dm;
      if (mc < 0 || mc > spec.scale_max || (dmin == 0 && mc != 0)) continue;
      // The exact float products the dequantizer forms.
      const float scale = d * static_cast<float>(s);
      const float min = dmin * static_cast<float>(mc);
      const float err = assign_levels(x, w, spec.sub_size, spec.nmax, scale, min, trial);
      if (err < best) {
        best = err;
        *sc = static_cast<uint8_t>(s);
        *m = static_cast<uint8_t>(mc);
        std::copy(trial, trial + spec.sub_size, q);
      }
    }
  }
}

}  // namespace

void quantize_superblock(const Spec& spec, const float* x, const float* w_in, Unpacked* out) {
  float w[kQKK];
  fill_weights(spec, w_in, w);
  AffineFit fits[kMaxSubBlocks];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < spec.n_sub(); ++j) {
    fits[j] = fit_affine(x + j * spec.sub_size, w + j * spec.sub_size, spec.sub_size, spec.nmax);
    max_scale = std::max(max_scale, fits[j].scale);
    max_min = std::max(max_min, fits[j].min);
  }
  const auto code_max = static_cast<float>(spec.scale_max);
  out->d = fp32_to_fp16(max_scale / code_max);
  out->dmin = fp32_to_fp16(max_min / code_max);
  const float d = fp16_to_fp32(out->d);
  const float dmin = fp16_to_fp32(out->dmin);
  for (int j = 0; j < spec.n_sub(); ++j) {
    const int off = j * spec.sub_size;
    choose_codes(spec, x + off, w + off, fits[j], d, dmin, &out->sc[j], &out->m[j], out->q + off);
  }
}

void dequantize_superblock(const Spec& spec, const Unpacked& b, float* y) {
  const float d = fp16_to_fp32(b.d);
  const float dmin = fp16_to_fp32(b.dmin);
  for (int j = 0; j < spec.n_sub(); ++j) {
    const float scale = d * static_cast<float>(b.sc[j]);
    const float min = dmin * static_cast<float>(b.m[j]);
    for (int i = j * spec.sub_size; i < (j + 1) * spec.sub_size; ++i) {
      y[i] = scale * static_cast<float>(b.q[i]) - min;
    }
  }
}

SuperblockSums superblock_sums(const Spec& spec, const Unpacked& b, const BlockQ8_K& y) {
  SuperblockSums sums;
  const int bsums_per_sub = spec.sub_size / 16;
  for (int j = 0; j < spec.n_sub(); ++j) {
    int32_t s = 0;
    for (int i = j * spec.sub_size; i < (j + 1) * spec.sub_size; ++i) s += b.q[i] * y.qs[i];
    sums.q += b.sc[j] * s;
    int32_t ysum = 0;
    for (int k = 0; k < bsums_per_sub; ++k) ysum += y.bsums[j * bsums_per_sub + k];
    sums.m += b.m[j] * ysum;
  }
  return sums;
}

float dot_superblock(const Spec& spec, const Unpacked& b, const BlockQ8_K& y) {
  const SuperblockSums s = superblock_sums(spec, b, y);
  return y.d * (fp16_to_fp32(b.d) * static_cast<float>(s.q) - fp16_to_fp32(b.dmin) * static_cast<float>(s.m));
}

void check_representable(const char* format, const Spec& spec, const float* x, int64_t n) {
  const float limit = spec.max_abs();
  for (int64_t i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > limit) {
      throw Error(std::string(format) + ": value " + std::to_string(x[i]) + " at element " +
                  std::to_string(i) + " is beyond the largest magnitude the format holds (" +
                  std::to_string(limit) + ")");
    }
  }
}

}  // namespace hearth::quant::kasym

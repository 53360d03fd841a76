// Weighted scale search shared by the symmetric formats: Q3_K, Q6_K, IQ4_NL
// and IQ4_XS.
//
// Each of these stores a (sub-)block as x_i ~ s * v(q_i): one scale s per
// block and, per element, an index q_i into a fixed sorted set of levels v (a
// uniform integer range for Q3_K / Q6_K, the non-linear table for IQ4).
// Quantizing means choosing s and q that minimise the weighted squared error
//     E = sum_i w_i (x_i - s v(q_i))^2        w_i = imatrix weight, or 1.
// For a fixed s the best q_i is the level nearest x_i / s; for fixed q the best
// s is the least-squares sum(w x v) / sum(w v^2).
//
//   fit_block_scale()  tries a fan of candidate scales (the largest |x| put on
//                      either end level, stretched and shrunk), keeps the one
//                      whose least-squares error is lowest, then alternates the
//                      two steps above while E falls.
//   fit_super_scale()  turns the sub-block scales of a super-block into small
//                      integers c_j times one fp16 super-scale d, choosing d
//                      and each c_j by the error of the sub-block requantized
//                      with the scale actually stored (d * c_j).
//
// A Levels type provides: int count(); float value(int i) (sorted ascending,
// value(0) < 0 < value(count()-1)); int nearest(float t) -> index of the level
// nearest t (any t, NaN included, gives a valid index).
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

#include "core/fp16.h"

namespace hearth::quant::sym {

// Uniform integer levels lo..hi; index i <-> value lo + i.
struct UniformLevels {
  int lo;
  int hi;

  int count() const { return hi - lo + 1; }
  float value(int i) const { return static_cast<float>(lo + i); }
  int nearest(float t) const {
    // Clamp first (written so a NaN lands on lo), then round half up; the
    // clamped value minus lo is >= 0, so truncation is floor. No libm call:
    // this sits in the innermost loop of every search.
    float c = t > static_cast<float>(lo) ? t : static_cast<float>(lo);
    c = c < static_cast<float>(hi) ? c : static_cast<float>(hi);
    return static_cast<int>(c - static_cast<float>(lo) + 0.5f);
  }
};

// How widely fit_block_scale / fit_super_scale search. The candidate scales
// are m / (end * (1 + spread * t / steps)) for t in -steps..steps: m is the
// value (or sub-block scale) of largest magnitude, end either end level (or
// either end of the integer scale range), so t = 0 maps m exactly onto end.
struct SearchParams {
  int steps;  // >= 1
  float spread;
  int refine_iters;  // alternating least-squares passes after the fan
};

// The loops below run once per candidate scale, i.e. tens of times per
// element: they keep 8 independent partial sums (n is a multiple of 8) so the
// compiler can vectorise them without reassociating float additions.
inline constexpr int kLanes = 8;

// Weighted error of x under scale s with the nearest levels; writes q.
template <class Levels>
float assign_levels(const float* x, const float* w, int n, const Levels& lv, float s, uint8_t* q) {
  const float inv = s != 0.0f ? 1.0f / s : 0.0f;
  float err[kLanes] = {};
  for (int i0 = 0; i0 < n; i0 += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      const int i = i0 + k;
      const int l = lv.nearest(x[i] * inv);
      q[i] = static_cast<uint8_t>(l);
      const float e = x[i] - s * lv.value(l);
      err[k] += w[i] * e * e;
    }
  }
  float total = 0.0f;
  for (const float e : err) total += e;
  return total;
}

namespace detail {

// Sums for the least-squares scale of the nearest-level assignment under s:
// sxv = sum w x v, svv = sum w v^2. Hot: runs once per candidate scale.
template <class Levels>
void ls_sums(const float* x, const float* w, int n, const Levels& lv, float s, float* sxv,
             float* svv) {
  const float inv = 1.0f / s;
  float a[kLanes] = {}, b[kLanes] = {};
  for (int i0 = 0; i0 < n; i0 += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      const int i = i0 + k;
      const float v = lv.value(lv.nearest(x[i] * inv));
      a[k] += w[i] * x[i] * v;
      b[k] += w[i] * v * v;
    }
  }
  *sxv = 0.0f;
  *svv = 0.0f;
  for (int k = 0; k < kLanes; ++k) {
    *sxv += a[k];
    *svv += b[k];
  }
}

// The element of largest magnitude (signed), 0 when all are zero.
inline float signed_absmax(const float* x, int n) {
  float amax = 0.0f, m = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      m = x[i];
    }
  }
  return m;
}

}  // namespace detail

// Best scale for one block of n values (n a multiple of 8, <= 32; see top).
// Writes the level indices to q and returns the scale (0 for an all-zero
// block, q then the level nearest 0).
template <class Levels>
float fit_block_scale(const float* x, const float* w, int n, const Levels& lv,
                      const SearchParams& p, uint8_t* q) {
  const float m = detail::signed_absmax(x, n);
  if (m == 0.0f) {
    assign_levels(x, w, n, lv, 0.0f, q);
    return 0.0f;
  }
  float best_gain = 0.0f, best_s = 0.0f;  // gain = sxv^2 / svv = sum(w x^2) - E
  for (const float end : {lv.value(0), lv.value(lv.count() - 1)}) {
    for (int t = -p.steps; t <= p.steps; ++t) {
      const float s = m / (end * (1.0f + p.spread * static_cast<float>(t) / p.steps));
      float sxv, svv;
      detail::ls_sums(x, w, n, lv, s, &sxv, &svv);
      if (svv > 0.0f && sxv * sxv / svv > best_gain) {
        best_gain = sxv * sxv / svv;
        best_s = sxv / svv;
      }
    }
  }
  if (best_s == 0.0f) {  // every weight zero: the scale is free, take max-abs
    best_s = m / lv.value(0);
  }
  float err = assign_levels(x, w, n, lv, best_s, q);
  for (int it = 0; it < p.refine_iters; ++it) {
    float sxv, svv;
    detail::ls_sums(x, w, n, lv, best_s, &sxv, &svv);
    if (!(svv > 0.0f)) break;
    const float s = sxv / svv;
    uint8_t trial[32];
    const float e = assign_levels(x, w, n, lv, s, trial);
    if (!(e < err)) break;
    err = e;
    best_s = s;
    for (int i = 0; i < n; ++i) q[i] = trial[i];
  }
  return best_s;
}

// Throws Error: super-scale d (or a block scale) does not fit in fp16.
[[noreturn]] void throw_scale_overflow(float d);

// Rounds a super-scale to the fp16 value the block will store.
inline float round_fp16(float d) { return fp16_to_fp32(fp32_to_fp16(d)); }

namespace detail {

// For a fixed stored super-scale d, the integer scale of sub-block j in
// [cmin, cmax] among round(s_j / d) and its two neighbours with the lowest
// requantized error. Returns that error and the chosen integer in *c.
template <class Levels>
float best_integer_scale(const float* x, const float* w, int n, const Levels& lv, float sub_scale,
                         float d, int cmin, int cmax, int* c) {
  uint8_t q[32];
  const float r = sub_scale / d;
  const int c0 = static_cast<int>(std::lround(r < cmin ? cmin : (r > cmax ? cmax : r)));
  float best = INFINITY;
  for (int k = c0 - 1; k <= c0 + 1; ++k) {
    if (k < cmin || k > cmax) continue;
    const float e = assign_levels(x, w, n, lv, d * static_cast<float>(k), q);
    if (e < best) {
      best = e;
      *c = k;
    }
  }
  return best;
}

}  // namespace detail

// Quantizes the scales of a super-block of nsub sub-blocks of sub_n (<= 32)
// values: sub_scale[j] (from fit_block_scale) becomes d * c[j] with c[j] in
// [cmin, cmax] (cmin < 0 < cmax) and d fp16-representable. Writes c and the
// level indices q (nsub * sub_n, requantized for the stored scales); returns d
// (0 when every sub-scale is 0 or too small for fp16). Throws Error when every
// candidate d overflows fp16. nsub <= 32.
template <class Levels>
float fit_super_scale(const float* x, const float* w, int nsub, int sub_n, const Levels& lv,
                      const float* sub_scale, int cmin, int cmax, const SearchParams& p, int* c,
                      uint8_t* q) {
  const float m = detail::signed_absmax(sub_scale, nsub);
  float best_err = INFINITY, best_d = 0.0f;
  int best_c[32] = {};
  int trial_c[32];
  bool overflow = false;
  auto try_d = [&](float d) {
    d = round_fp16(d);
    if (!std::isfinite(d)) overflow = true;
    if (d == 0.0f || !std::isfinite(d)) return;  // underflow: d = 0 stays an option
    float err = 0.0f;
    for (int j = 0; j < nsub && err < best_err; ++j) {
      err += detail::best_integer_scale(x + j * sub_n, w + j * sub_n, sub_n, lv, sub_scale[j], d,
                                        cmin, cmax, &trial_c[j]);
    }
    if (err < best_err) {
      best_err = err;
      best_d = d;
      for (int j = 0; j < nsub; ++j) best_c[j] = trial_c[j];
    }
  };
  if (m != 0.0f) {
    for (const int end : {cmin, cmax}) {
      for (int t = -p.steps; t <= p.steps; ++t) {
        try_d(m / (static_cast<float>(end) * (1.0f + p.spread * static_cast<float>(t) / p.steps)));
      }
    }
    if (best_d == 0.0f && overflow) throw_scale_overflow(m / static_cast<float>(cmin));
    // Least-squares super-scale for the chosen integers and levels.
    for (int it = 0; it < p.refine_iters; ++it) {
      float sxv = 0.0f, svv = 0.0f;
      for (int j = 0; j < nsub; ++j) {
        uint8_t qj[32];
        const float cj = static_cast<float>(best_c[j]);
        assign_levels(x + j * sub_n, w + j * sub_n, sub_n, lv, best_d * cj, qj);
        for (int i = 0; i < sub_n; ++i) {
          const float v = cj * lv.value(qj[i]);
          sxv += w[j * sub_n + i] * x[j * sub_n + i] * v;
          svv += w[j * sub_n + i] * v * v;
        }
      }
      if (!(svv > 0.0f)) break;
      const float before = best_d;
      try_d(sxv / svv);
      if (best_d == before) break;
    }
  }
  for (int j = 0; j < nsub; ++j) {
    c[j] = best_c[j];
    assign_levels(x + j * sub_n, w + j * sub_n, sub_n, lv, best_d * static_cast<float>(c[j]),
                  q + j * sub_n);
  }
  return best_d;
}

// The whole super-block quantizer of Q3_K, Q6_K and IQ4_XS: a scale per
// sub-block by fit_block_scale, then fit_super_scale. Same outputs as
// fit_super_scale (c: nsub integer scales, q: nsub * sub_n level indices).
template <class Levels>
float fit_super_block(const float* x, const float* w, int nsub, int sub_n, const Levels& lv,
                      const SearchParams& sub_search, int cmin, int cmax,
                      const SearchParams& super_search, int* c, uint8_t* q) {
  float sub_scale[32];
  for (int j = 0; j < nsub; ++j) {
    sub_scale[j] =
        fit_block_scale(x + j * sub_n, w + j * sub_n, sub_n, lv, sub_search, q + j * sub_n);
  }
  return fit_super_scale(x, w, nsub, sub_n, lv, sub_scale, cmin, cmax, super_search, c, q);
}

}  // namespace hearth::quant::sym

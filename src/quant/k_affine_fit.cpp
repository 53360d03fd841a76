#include "quant/k_affine_fit.h"

#include <algorithm>
#include <cmath>

namespace hearth::quant::kasym {

namespace {

// Candidate grids have nmax + t steps over the data range, t in
// [kStepsBelow, kStepsAbove] in kCandidates even increments: fewer steps
// than nmax stretch the grid past the maximum, more steps clip outliers.
constexpr float kStepsBelow = -1.0f;
constexpr float kStepsAbove = 1.0f;
constexpr int kCandidates = 21;
constexpr int kRefineRounds = 4;

// Weighted sums of one level assignment; everything the closed-form fit needs.
struct Sums {
  float sw = 0, sx = 0, sxx = 0;  // depend on x only
  float sq = 0, sqq = 0, sqx = 0;
};

struct Solution {
  AffineFit fit;
  float err = 0;
};

// Clamped nearest level: two selects (no branch, no libm call) and a NaN
// input lands on level 0 instead of an undefined conversion.
inline int nearest_level(float v, float nmax) {
  v = v > 0.0f ? v : 0.0f;
  v = v < nmax ? v : nmax;
  return static_cast<int>(v + 0.5f);
}

// Least-squares (scale, offset) for fixed levels, with the offset kept <= 0
// (min >= 0); the error comes from the sums, so no second pass over x.
Solution solve(const Sums& s) {
  float scale = 0, offset = 0;
  const float det = s.sw * s.sqq - s.sq * s.sq;
  if (det > 0) {
    scale = (s.sw * s.sqx - s.sq * s.sx) / det;
    offset = (s.sqq * s.sx - s.sq * s.sqx) / det;
  }
  if (det <= 0 || offset > 0) {  // best grid starts at 0: fit the scale alone
    offset = 0;
    scale = s.sqq > 0 ? s.sqx / s.sqq : 0;
  }
  if (scale < 0) {  // only for degenerate data; a flat grid at the offset
    scale = 0;
    offset = std::min(s.sw > 0 ? s.sx / s.sw : 0.0f, 0.0f);
  }
  const float err = s.sxx - 2 * scale * s.sqx - 2 * offset * s.sx + scale * scale * s.sqq +
                    2 * scale * offset * s.sq + offset * offset * s.sw;
  return {{scale, -offset}, err};
}

// Sums for the levels that the grid (step 1/inv_step, starting at `start`) assigns.
Sums level_sums(const float* x, const float* w, int n, float nmax, float start, float inv_step,
                const Sums& base) {
  Sums s = base;
  for (int i = 0; i < n; ++i) {
    const float q = static_cast<float>(nearest_level((x[i] - start) * inv_step, nmax));
    const float wq = w[i] * q;
    s.sq += wq;
    s.sqq += wq * q;
    s.sqx += wq * x[i];
  }
  return s;
}

}  // namespace

AffineFit fit_affine(const float* x, const float* w, int n, int nmax) {
  Sums base;
  float lo = x[0], hi = x[0];
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    base.sw += w[i];
    base.sx += w[i] * x[i];
    base.sxx += w[i] * x[i] * x[i];
  }
  lo = std::min(lo, 0.0f);
  if (!(hi > lo)) return {0.0f, -lo};  // constant (or NaN) data: a flat grid

  const float fmax = static_cast<float>(nmax);
  const float range = hi - lo;
  Solution best{{0.0f, -lo}, INFINITY};
  for (int c = 0; c < kCandidates; ++c) {
    const float steps =
        fmax + kStepsBelow + (kStepsAbove - kStepsBelow) * static_cast<float>(c) / (kCandidates - 1);
    if (steps <= 0) continue;
    const Solution s = solve(level_sums(x, w, n, fmax, lo, steps / range, base));
    if (s.err < best.err) best = s;
  }
  // Alternate: nearest levels on the fitted grid, then re-fit on those levels.
  for (int r = 0; r < kRefineRounds && best.fit.scale > 0; ++r) {
    const Solution s =
        solve(level_sums(x, w, n, fmax, -best.fit.min, 1.0f / best.fit.scale, base));
    if (!(s.err < best.err)) break;
    best = s;
  }
  return best.fit;
}

float assign_levels(const float* x, const float* w, int n, int nmax, float scale, float min,
                    uint8_t* q) {
  const float fmax = static_cast<float>(nmax);
  const float inv = scale > 0 ? 1.0f / scale : 0.0f;
  float err = 0;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_level((x[i] + min) * inv, fmax);
    q[i] = static_cast<uint8_t>(l);
    const float diff = scale * static_cast<float>(l) - min - x[i];
    err += w[i] * diff * diff;
  }
  return err;
}

}  // namespace hearth::quant::kasym

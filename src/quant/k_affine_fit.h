// Weighted least-squares fit of one sub-block to an affine grid
//     x ≈ scale * q - min,   q in 0..nmax,  scale >= 0,  min >= 0
// used by the asymmetric K-quants (Q2_K, Q4_K, Q5_K). `min` is the offset
// subtracted, so the grid always reaches down to -min <= 0 (the formats store
// mins as unsigned codes).
#pragma once

#include <cstdint>

namespace hearth::quant::kasym {

struct AffineFit {
  float scale = 0;
  float min = 0;
};

// Searches a range of candidate grids spanning [min(x, 0), max(x)] with a
// little less to a little more than nmax steps (which lets the fit clip
// outliers), solves for the best (scale, min) on each candidate's levels in
// closed form, and refines the winner by alternating level assignment and
// re-fitting. w: n positive weights of the squared error.
AffineFit fit_affine(const float* x, const float* w, int n, int nmax);

// Nearest level of each x on the grid (scale, min), clamped to 0..nmax;
// returns the weighted squared error. scale and min are the exact float
// values the dequantizer multiplies and subtracts.
float assign_levels(const float* x, const float* w, int n, int nmax, float scale, float min,
                    uint8_t* q);

}  // namespace hearth::quant::kasym

// Plain references for the sampling tests: softmax in long double, a seeded
// random logits row, and the chi-square survival function.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hearth::sampling::test {

// p_i = exp(l_i / t) / sum_j exp(l_j / t), computed in long double.
inline std::vector<double> softmax(std::span<const float> logits, double temperature = 1.0) {
  long double max = -INFINITY;
  for (const float l : logits) max = std::max<long double>(max, l);
  std::vector<long double> e(logits.size());
  long double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    e[i] = std::exp((static_cast<long double>(logits[i]) - max) / temperature);
    sum += e[i];
  }
  std::vector<double> p(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) p[i] = static_cast<double>(e[i] / sum);
  return p;
}

// n logits uniform in [-scale, scale], reproducible from `seed`.
inline std::vector<float> random_logits(size_t n, uint64_t seed, float scale = 8.0f) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = (static_cast<float>(rng() >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f) * scale;
  return v;
}

// P(X >= x) for X ~ chi-square with `dof` degrees of freedom (exact series,
// both parities):
//   even k: e^{-x/2} sum_{i<k/2} (x/2)^i / i!
//   odd  k: erfc(sqrt(x/2)) + e^{-x/2} sum_{i=1}^{(k-1)/2} (x/2)^{i-1/2} / Gamma(i+1/2)
inline double chi_square_sf(double x, int dof) {
  const double h = x / 2.0;
  double sum = 0.0;
  if (dof % 2 == 0) {
    double term = 1.0;
    for (int i = 0; i < dof / 2; ++i) {
      sum += term;
      term *= h / (i + 1);
    }
    return std::exp(-h) * sum;
  }
  for (int i = 1; i <= (dof - 1) / 2; ++i) sum += std::pow(h, i - 0.5) / std::tgamma(i + 0.5);
  return std::erfc(std::sqrt(h)) + std::exp(-h) * sum;
}

}  // namespace hearth::sampling::test

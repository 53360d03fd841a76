// What the plain benchmark programs (stream, restart, A/B) share.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace hearth::bench {

using Clock = std::chrono::steady_clock;

// Seconds from t0 to now.
inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The upper median of v (the middle element of an odd count); 0 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace hearth::bench

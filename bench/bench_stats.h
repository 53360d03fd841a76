// What the plain benchmark programs (stream, restart, A/B) share.
#pragma once

#include <algorithm>
#include <vector>

namespace hearth::bench {

// The upper median of v (the middle element of an odd count); 0 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace hearth::bench

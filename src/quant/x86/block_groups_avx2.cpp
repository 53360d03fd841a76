// The activation side data of the x86 group kernels (layout in block_groups.h).
#include <cstring>

#include "quant/kernels.h"
#include "quant/x86/block_groups.h"

namespace hearth::quant::groups {

namespace {

// -c times the sum of a block's 32 activation codes: what a dot of codes
// stored c above their values (unsigned bytes) owes (block_groups.h).
int32_t minus_c_sum(const BlockQ8_0& y, int32_t c) {
  int32_t s = 0;
  for (const int8_t q : y.qs) s += q;
  return -c * s;
}

// The extras of blocks [b0, b1) (b0 a multiple of kGroup; b1 too or nb):
// the groups inside the range, and each block's correction and scale.
void fill(int64_t n, uint8_t* row, int64_t b0, int64_t b1, Codes codes) {
  const ExtrasLayout l = extras_layout(n, codes);
  const auto* y = reinterpret_cast<const BlockQ8_0*>(row);
  if (codes != Codes::kWithout) {
    for (int64_t g = b0 / kGroup; g < b1 / kGroup; ++g) {
      uint8_t* group = row + l.groups + static_cast<uint64_t>(g) * kGroupBytes;
      for (int64_t b = 0; b < kGroup; ++b) {
        const BlockQ8_0& yb = y[g * kGroup + b];
        if (codes == Codes::kPaired) {
          uint8_t* pair = group + 64 * (b / 2) + 16 * (b % 2);
          std::memcpy(pair, yb.qs, 16);
          std::memcpy(pair + 32, yb.qs + 16, 16);
        } else {
          for (int j = 0; j < 8; ++j) std::memcpy(group + 32 * j + 4 * b, yb.qs + 4 * j, 4);
        }
      }
    }
  }
  const int32_t offset = codes == Codes::kWithout ? 128 : 8;  // Q8_0's codes, Q4_0's
  for (int64_t b = b0; b < b1; ++b) {
    const int32_t c = minus_c_sum(y[b], offset);
    std::memcpy(row + l.corrections + static_cast<uint64_t>(b) * sizeof(c), &c, sizeof(c));
  }
  for (int64_t b = b0; b < b1; ++b) {
    const float d = avx2::fp16_scalar(y[b].d);
    std::memcpy(row + l.scales + static_cast<uint64_t>(b) * sizeof(float), &d, sizeof(d));
  }
}

template <Codes kCodes>
uint64_t row_bytes(int64_t n) {
  return extras_layout(n, kCodes).row_bytes;
}
template <Codes kCodes>
void fill(int64_t n, uint8_t* row, int64_t b0, int64_t b1) {
  fill(n, row, b0, b1, kCodes);
}

}  // namespace

}  // namespace hearth::quant::groups

namespace hearth::quant::avx2 {
const ActivationExtras q4_0_activation_extras{groups::row_bytes<groups::Codes::kPaired>,
                                              groups::fill<groups::Codes::kPaired>, groups::kGroup};
const ActivationExtras q8_0_activation_extras{groups::row_bytes<groups::Codes::kWithout>,
                                              groups::fill<groups::Codes::kWithout>, groups::kGroup};
}  // namespace hearth::quant::avx2

namespace hearth::quant::avx512 {
const ActivationExtras q4_0_activation_extras{groups::row_bytes<groups::Codes::kTransposed>,
                                              groups::fill<groups::Codes::kTransposed>, groups::kGroup};
}  // namespace hearth::quant::avx512

#include "quant/interleave.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace hearth::quant {

void interleave_rows(const InterleavedKernels& k, int64_t n, const uint8_t* rows, uint8_t* bands, int64_t n_rows,
                     uint64_t row_bytes) {
  if (k.rows <= 0 || n_rows % k.rows != 0) {
    throw Error("interleave_rows: " + std::to_string(n_rows) + " rows are not whole bands of " +
                std::to_string(k.rows));
  }
  const uint64_t band_bytes = row_bytes * static_cast<uint64_t>(k.rows);
  std::vector<uint8_t> copy(rows == bands ? band_bytes : 0);  // in place: each band's rows first
  for (int64_t r = 0; r < n_rows; r += k.rows) {
    const uint64_t at = static_cast<uint64_t>(r) * row_bytes;
    const uint8_t* src = rows + at;
    if (rows == bands) src = static_cast<const uint8_t*>(std::memcpy(copy.data(), src, band_bytes));
    k.pack(n, src, bands + at);
  }
}

}  // namespace hearth::quant

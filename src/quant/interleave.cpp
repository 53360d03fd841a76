#include "quant/interleave.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace hearth::quant {

void interleave_rows(const InterleavedKernels& k, int64_t n, uint8_t* data, int64_t n_rows, uint64_t row_bytes) {
  if (k.rows <= 0 || n_rows % k.rows != 0) {
    throw Error("interleave_rows: " + std::to_string(n_rows) + " rows are not whole bands of " +
                std::to_string(k.rows));
  }
  const uint64_t band_bytes = row_bytes * static_cast<uint64_t>(k.rows);
  std::vector<uint8_t> rows(band_bytes);
  for (int64_t r = 0; r < n_rows; r += k.rows) {
    uint8_t* band = data + static_cast<uint64_t>(r) * row_bytes;
    std::memcpy(rows.data(), band, band_bytes);
    k.pack(n, rows.data(), band);
  }
}

}  // namespace hearth::quant

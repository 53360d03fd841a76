#include "quant/interleave.h"

#include <algorithm>
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

void decode_rows(const InterleavedKernels& k, int64_t n, const uint8_t* bands, uint64_t row_bytes, int64_t n_out,
                 const void* a, int64_t ob, int64_t oe, float* y) {
  const int64_t rows = k.rows;
  const int64_t bb = (ob + rows - 1) / rows, be = (oe + rows - 1) / rows;
  const auto band = [&](int64_t b) { return bands + static_cast<uint64_t>(b * rows) * row_bytes; };
  if (be <= bb) return;
  if (k.decode == nullptr) {
    k.gemm(n, band(bb), be - bb, a, 0, 1, y + bb * rows, n_out);
    return;
  }
  const int64_t streams = k.decode_streams, n_bands = n_out / rows, part = n_bands / streams;
  const int64_t gb = std::min((bb + streams - 1) / streams, part), ge = std::min((be + streams - 1) / streams, part);
  if (ge > gb) k.decode(n, band(gb), ge - gb, part, a, y + gb * rows);
  if (n_bands % streams != 0 && bb < n_bands && n_bands <= be) {
    k.gemm(n, band(streams * part), n_bands - streams * part, a, 0, 1, y + streams * part * rows, n_out);
  }
}

}  // namespace hearth::quant

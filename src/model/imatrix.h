// Importance matrices ("imatrix"): for each weight matrix, the mean squared
// activation of each of its input columns over some calibration text. A
// quantizer weighs each column's rounding error by it, so the columns that
// carry large activations are kept most precisely.
//
// Stored as GGUF in the reference tools' layout (so their files load here and
// ours load there):
//   general.type = "imatrix", imatrix.datasets = [file names],
//   imatrix.chunk_count, imatrix.chunk_size (u32);
//   per matrix NAME: tensor "NAME.in_sum2" F32 [n_per_row, n_mat] (sums of
//   squared activations) and "NAME.counts" F32 [1, n_mat] (how many
//   activation rows were summed); the importance is in_sum2 / counts.
// n_mat is 1 for a plain matrix and the number of experts for a 3-D one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::model {

struct ImatrixEntry {
  int64_t n_per_row = 0;
  int64_t n_mat = 1;
  std::vector<double> sum2;     // n_mat x n_per_row sums of squared activations
  std::vector<double> counts;   // n_mat activation-row counts
  // in_sum2 / counts, n_mat x n_per_row; empty when some count is 0.
  std::vector<float> importance() const;
};

class Imatrix {
 public:
  // Reads a GGUF imatrix. Throws FormatError naming the file for anything
  // else (a model, a bad tensor pair) and IoError when it cannot be read.
  static Imatrix load(const std::filesystem::path& path);
  // Writes one (tensors sorted by name) through gguf::Writer: temp file, renamed when complete.
  void save(const std::filesystem::path& path) const;

  std::map<std::string, ImatrixEntry> entries;  // by weight tensor name
  std::vector<std::string> datasets;            // calibration file names
  uint32_t chunk_count = 0;
  uint32_t chunk_size = 0;

  const ImatrixEntry* find(std::string_view tensor) const;
};

}  // namespace hearth::model

// Quantizing a model file: read a GGUF model, choose each tensor's type with
// the file type's recipe (model/quant_recipe.h), quantize the tensors on a
// thread pool, and write the new file.
//
// What the output holds (as the reference quantizer writes it):
//   - every metadata key of the input in its order, except
//     general.quantization_version and general.file_type, which are written
//     last with the new values (and quantize.imatrix.* when an imatrix is used);
//     general.alignment, when present, is kept and honoured;
//   - the tensors ordered as the reference orders them: the non-layer ones by
//     name, then layer by layer (blk.0, blk.1, ... numerically), by name;
//   - 1-D tensors and the few small matrices listed in quantize.cpp copied
//     unchanged; every other matrix converted to its recipe type (copied as is
//     when it already has that type).
// Output goes to a temporary file beside the target, renamed over it only
// when complete: a failure never leaves a partial file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "model/imatrix.h"
#include "model/quant_recipe.h"

namespace hearth::model {

struct QuantizeOptions {
  FileType type = FileType::Q4_K_M;
  int n_threads = 0;                // <= 0: all hardware threads
  bool allow_requantize = false;    // accept tensors that are already block-quantized
  const Imatrix* imatrix = nullptr; // importance weights, or none
  std::string imatrix_name;         // the imatrix file's name, recorded in the output
};

// One tensor of the output and where it comes from.
struct TensorChoice {
  std::string name;
  std::string tensor_class;     // "attn_v", "ffn_down", "token_embd", "norm", "bias", "other", ...
  std::vector<uint64_t> shape;
  TensorType from = TensorType::F32;
  TensorType to = TensorType::F32;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  bool uses_imatrix = false;
};

struct QuantizePlan {
  FileType type = FileType::Q4_K_M;
  std::vector<TensorChoice> tensors;  // in output order
  gguf::Layout layout;                // the output file, laid out
  uint64_t input_size = 0;            // bytes of the input file
  uint64_t output_size() const { return layout.file_size(); }
};

// Chooses every tensor's type and lays the output out; writes nothing.
// Throws Error naming the file when the input is not a model (no tensors),
// a tensor is already quantized and !allow_requantize (the message says to
// pass --allow-requantize), or an imatrix entry does not fit its tensor.
QuantizePlan plan_quantization(const gguf::File& input, const QuantizeOptions& options);

// Called after each tensor is written: tensors done, of how many; bytes of
// the output written so far, of how many.
using QuantizeProgress = std::function<void(size_t done, size_t total, uint64_t bytes_done, uint64_t bytes_total)>;

// Quantizes `input` as planned and writes `output` (temporary file + rename).
// Throws Error / IoError; nothing is left at `output` (nor beside it) on failure.
void write_quantized(const gguf::File& input, const QuantizePlan& plan, const std::filesystem::path& output,
                     const QuantizeOptions& options, const QuantizeProgress& progress = {});

}  // namespace hearth::model

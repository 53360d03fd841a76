// Random-weight models with a catalog shape, for measuring speed and memory
// without downloading weights (speed does not depend on the weight values).
//
// The model is written as a GGUF image in memory — the tensor names and
// shapes a converted model has, the metadata keys hearth reads (Llama 3 rope
// scaling as rope.scaling.* keys rather than a rope_freqs tensor), each matrix
// in the type the quantization recipe gives it (model/quant_recipe.h) — then
// loaded through the normal
// path (gguf::File::parse + Model::from_file), so weights are viewed in place,
// never copied, exactly as with a mapped file.
//
// Building is fast: for each (type, row length) a few random rows are
// quantized once, and matrices are tiled from them with memcpy. Norm weights
// are F32 ones, biases F32 zeros. No tokenizer is written (vocab_size gives
// the vocabulary), so the image is a little smaller than a converted file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "gguf/writer.h"
#include "model/catalog.h"
#include "model/model.h"
#include "model/quant_recipe.h"

namespace hearth::model {

// The file a synthetic model would be: metadata and every tensor with its
// type, offsets and sizes; nothing is allocated for the data, so sizing a
// 70B model costs nothing. layout.file_size() is the exact image size.
gguf::Layout synthetic_layout(const ModelShape& shape, FileType type);

class SyntheticModel {
 public:
  // (bytes written so far, total bytes); called after each tensor.
  using Progress = std::function<void(uint64_t done, uint64_t total)>;

  // Builds and loads the image (`bands`: the band kernels per type instead
  // of the table's, model/weights.h). Needs file_size() bytes of memory.
  // Throws hearth::Error (e.g. a type without kernels) naming the shape and
  // type.
  static std::unique_ptr<SyntheticModel> build(const ModelShape& shape, FileType type,
                                               const Progress& progress = {}, const BandChoice& bands = {});

  const Model& model() const { return *model_; }
  uint64_t file_size() const { return bytes_.size(); }

 private:
  SyntheticModel() = default;

  std::vector<uint8_t> bytes_;     // the GGUF image; declared first, so it outlives model_
  std::unique_ptr<Model> model_;   // views into bytes_
};

}  // namespace hearth::model

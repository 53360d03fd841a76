// A loaded model: the mapped GGUF file, its hyper-parameters and weight views.
// Weights stay in the mapping (no copies), so a model costs its file size in
// memory; the page cache shares the bytes with every process that maps the
// file, except the matrices copied into bands for the band kernels, which
// are this process's own (model/weights.h, interleave_weights).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "gguf/file.h"
#include "model/hparams.h"
#include "model/weights.h"

namespace hearth::model {

class Model {
 public:
  // Throws IoError / FormatError / UnsupportedError naming the file.
  static std::unique_ptr<Model> load(const std::filesystem::path& path);
  // A model over an already parsed file (e.g. gguf::File::parse of an image in
  // memory, see model/synthetic.h); the bytes it views must outlive the Model.
  // `bands`: the band kernels per type instead of the table's (weights.h).
  static std::unique_ptr<Model> from_file(gguf::File file, const BandChoice& bands = {});

  const gguf::File& file() const { return file_; }
  const HParams& hparams() const { return hp_; }
  const Weights& weights() const { return w_; }
  // Inverse rotary frequencies (rope_dim / 2) for a layer.
  const std::vector<float>& rope_freqs(int64_t layer) const {
    return hp_.is_swa(layer) ? freqs_swa_ : freqs_;
  }

 private:
  Model(gguf::File file, const BandChoice& bands);

  gguf::File file_;
  HParams hp_;
  Weights w_;
  std::vector<float> freqs_, freqs_swa_;
};

}  // namespace hearth::model

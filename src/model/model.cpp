#include "model/model.h"

namespace hearth::model {

std::unique_ptr<Model> Model::load(const std::filesystem::path& path) {
  return from_file(gguf::File::open(path));
}

std::unique_ptr<Model> Model::from_file(gguf::File file, const BandChoice& bands) {
  return std::unique_ptr<Model>(new Model(std::move(file), bands));
}

Model::Model(gguf::File file, const BandChoice& bands) : file_(std::move(file)) {
  hp_ = load_hparams(file_);
  w_ = bind_weights(file_, hp_);
  interleave_weights(w_, bands);
  freqs_ = rope_frequencies(hp_, false);
  freqs_swa_ = rope_frequencies(hp_, true);
  if (w_.rope_freqs) {  // per-dimension divisors written by the converter (Llama 3.1+)
    for (size_t i = 0; i < freqs_.size(); ++i) freqs_[i] /= w_.rope_freqs[i];
  }
}

}  // namespace hearth::model

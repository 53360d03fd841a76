#include "model/hparams.h"

#include <cmath>
#include <numbers>
#include <string>

#include "core/error.h"
#include "gguf/file.h"
#include "model/arch/arch.h"

namespace hearth::model {

namespace {

int64_t required(const gguf::File& f, const std::string& key) {
  const auto v = f.get_uint(key);
  if (!v) throw FormatError(f.name() + ": missing metadata key '" + key + "'");
  if (*v == 0 || *v > (uint64_t{1} << 40)) {
    throw FormatError(f.name() + ": metadata '" + key + "' has an invalid value " +
                      std::to_string(*v));
  }
  return static_cast<int64_t>(*v);
}

int64_t optional(const gguf::File& f, const std::string& key, int64_t fallback) {
  const auto v = f.get_uint(key);
  if (!v) return fallback;
  if (*v == 0 || *v > (uint64_t{1} << 40)) {
    throw FormatError(f.name() + ": metadata '" + key + "' has an invalid value " +
                      std::to_string(*v));
  }
  return static_cast<int64_t>(*v);
}

void read_rope_scaling(HParams& hp, const gguf::File& f, const std::string& a) {
  const std::string p = a + ".rope.scaling.";
  const auto type = f.get_string(p + "type");
  const double factor = f.get_float(p + "factor").value_or(1.0);
  if (!type || *type == "none" || factor == 1.0) return;
  hp.rope_scaling.factor = static_cast<float>(factor);
  if (*type == "linear") {
    hp.rope_scaling.kind = RopeScaling::Kind::Linear;
  } else if (*type == "llama3") {
    hp.rope_scaling.kind = RopeScaling::Kind::Llama3;
    hp.rope_scaling.low_freq_factor =
        static_cast<float>(f.get_float(p + "low_freq_factor").value_or(1.0));
    hp.rope_scaling.high_freq_factor =
        static_cast<float>(f.get_float(p + "high_freq_factor").value_or(4.0));
    hp.rope_scaling.original_context =
        optional(f, p + "original_context_length", 8192);
  } else {
    throw UnsupportedError(f.name() + ": rope scaling type '" + *type + "' is not supported");
  }
}

}  // namespace

HParams load_hparams(const gguf::File& f) {
  HParams hp;
  hp.arch = f.architecture();
  if (hp.arch.empty()) throw FormatError(f.name() + ": missing general.architecture");
  const ArchSpec* spec = find_architecture(hp.arch);
  if (!spec) {
    std::string known;
    for (const auto& s : architectures()) known += (known.empty() ? "" : ", ") + std::string(s.name);
    throw UnsupportedError(f.name() + ": architecture '" + hp.arch +
                           "' is not supported (hearth runs: " + known + ")");
  }
  const std::string& a = hp.arch;
  hp.n_embd = required(f, a + ".embedding_length");
  hp.n_layer = required(f, a + ".block_count");
  hp.n_head = required(f, a + ".attention.head_count");
  hp.n_head_kv = optional(f, a + ".attention.head_count_kv", hp.n_head);
  hp.n_ff = required(f, a + ".feed_forward_length");
  hp.n_ctx_train = optional(f, a + ".context_length", 2048);
  if (hp.n_embd % hp.n_head != 0 && !f.has(a + ".attention.key_length")) {
    throw FormatError(f.name() + ": embedding_length is not a multiple of head_count");
  }
  hp.head_dim = optional(f, a + ".attention.key_length", hp.n_embd / hp.n_head);
  hp.head_dim_v = optional(f, a + ".attention.value_length", hp.head_dim);
  if (hp.n_head % hp.n_head_kv != 0) {
    throw FormatError(f.name() + ": head_count " + std::to_string(hp.n_head) +
                      " is not a multiple of head_count_kv " + std::to_string(hp.n_head_kv));
  }
  hp.rope_dim = optional(f, a + ".rope.dimension_count", hp.head_dim);
  if (hp.rope_dim > hp.head_dim || hp.rope_dim % 2 != 0) {
    throw FormatError(f.name() + ": rope.dimension_count " + std::to_string(hp.rope_dim) +
                      " does not fit head width " + std::to_string(hp.head_dim));
  }
  hp.rope_base = static_cast<float>(f.get_float(a + ".rope.freq_base").value_or(10000.0));
  hp.rope_base_swa = hp.rope_base;
  hp.norm_eps =
      static_cast<float>(f.get_float(a + ".attention.layer_norm_rms_epsilon").value_or(1e-5));
  read_rope_scaling(hp, f, a);

  if (const auto tokens = f.find("tokenizer.ggml.tokens")) {
    hp.n_vocab = static_cast<int64_t>(tokens->items().size());
  }
  hp.n_vocab = optional(f, a + ".vocab_size", hp.n_vocab);
  spec->configure(hp, ArchKeys{f, a});
  return hp;
}

std::vector<float> rope_frequencies(const HParams& hp, bool swa_layer) {
  const int64_t half = hp.rope_dim / 2;
  // Sliding layers with their own base (Gemma 3) are not scaled.
  const bool own_swa_base = swa_layer && hp.rope_base_swa != hp.rope_base;
  const float base = swa_layer ? hp.rope_base_swa : hp.rope_base;
  std::vector<float> freqs(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    float f = std::pow(base, -2.0f * static_cast<float>(i) / static_cast<float>(hp.rope_dim));
    const RopeScaling& s = hp.rope_scaling;
    if (!own_swa_base && s.kind == RopeScaling::Kind::Linear) {
      f /= s.factor;
    } else if (!own_swa_base && s.kind == RopeScaling::Kind::Llama3) {
      // Long wavelengths are divided by the factor, short ones kept, and the
      // band between interpolated (Llama 3.1 rope scaling).
      const float wavelen = 2.0f * std::numbers::pi_v<float> / f;
      const float low_wavelen = static_cast<float>(s.original_context) / s.low_freq_factor;
      const float high_wavelen = static_cast<float>(s.original_context) / s.high_freq_factor;
      if (wavelen > low_wavelen) {
        f /= s.factor;
      } else if (wavelen >= high_wavelen) {
        const float smooth = (static_cast<float>(s.original_context) / wavelen - s.low_freq_factor) /
                             (s.high_freq_factor - s.low_freq_factor);
        f = (1.0f - smooth) * f / s.factor + smooth * f;
      }
    }
    freqs[static_cast<size_t>(i)] = f;
  }
  return freqs;
}

}  // namespace hearth::model

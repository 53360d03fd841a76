// config.json of a Hugging Face checkpoint, for the families hearth converts:
// llama and mistral (GGUF architecture "llama"), qwen2 and qwen3.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::model::convert {

struct HfRopeScaling {
  std::string type;               // "linear" or "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;   // llama3
  double high_freq_factor = 4.0;  // llama3
  int64_t original_context = 8192;  // llama3
};

struct HfConfig {
  std::string model_type;   // config's model_type: llama, mistral, qwen2, qwen3
  std::string arch;         // GGUF general.architecture: llama, qwen2, qwen3
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;     // config's head_dim, else hidden_size / n_head
  int64_t n_ff = 0;
  int64_t context_length = 0;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  std::optional<HfRopeScaling> rope_scaling;
  std::optional<int64_t> bos_token_id, eos_token_id;  // as config.json gives them

  // HF stores each q/k head as two rotary halves; GGUF "llama" expects
  // adjacent pairs, so the converter permutes their rows (llama, mistral).
  bool permute_qk() const { return arch == "llama"; }
};

// Reads and checks DIR/config.json. Throws IoError when missing, FormatError
// naming the key for a missing or bad value, UnsupportedError for a family or
// rope scaling hearth does not convert.
HfConfig read_hf_config(const std::filesystem::path& dir);

// Reads a JSON file; IoError / FormatError naming it.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace hearth::model::convert

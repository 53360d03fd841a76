// Reading tokenizer.json (Hugging Face `tokenizers`) into a vocabulary
// under construction, for hf_vocab.cpp. BPE only: with byte_fallback it is
// SentencePiece-like ("llama": scores from merge ranks), else byte-level
// ("gpt2": merges and a pre-tokenizer name found from its split regex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::model::convert {

// GGUF tokenizer.ggml.token_type numbers (the same as SentencePiece's).
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// A vocabulary being assembled from the checkpoint's tokenizer files.
struct VocabBuild {
  std::string model;                 // "llama" or "gpt2"
  std::vector<std::string> tokens;
  std::vector<float> scores;         // "llama" only
  std::vector<int32_t> types;        // 0: not yet set (a gap)
  std::vector<std::string> merges;   // "gpt2" only
  std::string pre;                   // "gpt2" only
  std::optional<bool> add_space_prefix;
  std::optional<bool> add_bos;       // from tokenizer.json's post-processor
  std::string source;                // file the vocabulary came from
};

// Fills `v` from a parsed tokenizer.json. Throws FormatError naming `source`,
// UnsupportedError for non-BPE models or an unknown pre-tokenizer.
void read_tokenizer_json(VocabBuild& v, const nlohmann::json& tok, const std::string& source);

// Adds tokenizer.json's added_tokens with id >= keep_below (special ones as
// control tokens, others user-defined); a SentencePiece model's own pieces
// (ids below keep_below) keep their types.
void apply_added_tokens(VocabBuild& v, const nlohmann::json& tok, size_t keep_below, const std::string& source);

// Whether tokenizer.json's post-processor puts a special token first (BOS);
// nullopt when it has no single template.
std::optional<bool> template_adds_bos(const nlohmann::json& tok);

}  // namespace hearth::model::convert

// Test-side writer of Hugging Face checkpoints, so `hearth convert` can be
// driven on real files: safetensors (one file or shards + index), config.json,
// tokenizer.model (SentencePiece protobuf, written here field by field) or
// tokenizer.json, tokenizer_config.json. A GGUF model is exported by undoing
// the GGUF conventions independently of the converter (names, the llama q/k
// row order, reversed shapes), so converting it back must give the original.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/file.h"

namespace hearth::test {

struct StTensor {
  std::string name;
  std::string dtype;             // "F32", "F16", "BF16", ...
  std::vector<uint64_t> shape;   // outermost first
  std::vector<uint8_t> bytes;
};

// The bytes of a safetensors file holding `tensors` in order.
std::vector<uint8_t> safetensors_bytes(const std::vector<StTensor>& tensors);
void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes);
void write_json(const std::filesystem::path& p, const nlohmann::json& j);

// A SentencePiece ModelProto with these pieces (protobuf wire format).
std::vector<uint8_t> sentencepiece_bytes(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                                         const std::vector<int32_t>& types);

enum class TokenizerFiles { SentencePieceModel, SpmStyleJson, ByteLevelJson };

struct ExportOptions {
  std::string dtype = "F32";  // of the matrices: F32, F16 or BF16 (1-D tensors stay F32)
  int shards = 1;             // > 1: model-0000i-of-0000n.safetensors + index
  TokenizerFiles tokenizer = TokenizerFiles::SentencePieceModel;
  std::string chat_template;  // written to tokenizer_config.json when not empty
};

// Writes `dir` (created) as the HF checkpoint that converts back to `g` (an
// F32 llama / qwen2 / qwen3 GGUF).
void export_hf(const gguf::File& g, const std::filesystem::path& dir, const ExportOptions& o);

// tokenizer.json for a vocab GGUF: byte-level BPE with its merges and the
// split regex of `pre_regex`, or (SpmStyleJson) byte-fallback BPE whose
// merges are ranked by the SentencePiece scores.
nlohmann::json tokenizer_json(const gguf::File& vocab, TokenizerFiles kind, const std::string& pre_regex);

}  // namespace hearth::test

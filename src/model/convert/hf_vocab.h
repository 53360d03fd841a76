// The tokenizer of a Hugging Face checkpoint as GGUF tokenizer.* metadata.
//
// Sources, in order of preference:
//   tokenizer.model  SentencePiece protobuf -> tokenizer.ggml.model "llama"
//                    (pieces, scores, types; tokenizer.json's added tokens
//                    beyond the pieces are appended)
//   tokenizer.json   BPE. With byte_fallback (Llama 2 / Mistral style) it is
//                    SentencePiece-like -> "llama", scores from merge ranks
//                    (a merge's result scores -rank, so earlier merges win
//                    exactly as they do in the BPE); otherwise byte-level ->
//                    "gpt2" with merges and tokenizer.ggml.pre named from the
//                    pre-tokenizer's split regex ("llama-bpe", "qwen2", "gpt-2").
// tokenizer_config.json (optional) gives chat_template, bos/eos/unk/pad
// tokens and add_bos_token/add_eos_token; chat_template.jinja, when present,
// is the template. config.json / generation_config.json ids fill in
// bos/eos the tokenizer files leave unnamed. The vocabulary is padded to
// `n_vocab` (the embedding's rows) with unused "[PAD<id>]" tokens.
#pragma once

#include <filesystem>
#include <vector>

#include "gguf/file.h"
#include "model/convert/hf_config.h"

namespace hearth::model::convert {

// Throws IoError when there is no tokenizer file, FormatError naming the
// file for bad content, UnsupportedError for a tokenizer kind (WordPiece,
// Unigram) or pre-tokenizer hearth does not know.
std::vector<gguf::KeyValue> read_hf_vocab(const std::filesystem::path& dir, const HfConfig& config,
                                          int64_t n_vocab);

}  // namespace hearth::model::convert

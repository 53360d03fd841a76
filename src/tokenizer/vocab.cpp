#include "tokenizer/vocab.h"

#include <cstdio>

#include "core/error.h"
#include "gguf/file.h"

namespace hearth::tokenizer {
namespace {

[[noreturn]] void fail(const gguf::File& file, const std::string& what) {
  throw FormatError(file.name() + ": " + what);
}

Algorithm algorithm_of(const gguf::File& file, const std::string& model) {
  if (model == "llama") return Algorithm::SentencePiece;
  if (model == "gpt2") return Algorithm::BytePairEncoding;
  if (model == "bert") return Algorithm::WordPiece;
  throw UnsupportedError(file.name() + ": tokenizer.ggml.model '" + model +
                         "' is not supported (known: llama, gpt2, bert)");
}

int32_t special_id(const gguf::File& file, const char* key, int32_t n_vocab) {
  const auto v = file.get_uint(key);
  if (!v || *v >= static_cast<uint64_t>(n_vocab)) return kNoToken;
  return static_cast<int32_t>(*v);
}

void read_special_ids(const gguf::File& file, Vocab& vocab) {
  const int32_t n = vocab.n_vocab();
  SpecialIds& s = vocab.special;
  s.bos = special_id(file, "tokenizer.ggml.bos_token_id", n);
  s.eos = special_id(file, "tokenizer.ggml.eos_token_id", n);
  s.unk = special_id(file, "tokenizer.ggml.unknown_token_id", n);
  s.sep = special_id(file, "tokenizer.ggml.seperator_token_id", n);
  s.pad = special_id(file, "tokenizer.ggml.padding_token_id", n);
  s.mask = special_id(file, "tokenizer.ggml.mask_token_id", n);
  s.cls = special_id(file, "tokenizer.ggml.cls_token_id", n);
  if (vocab.algorithm == Algorithm::WordPiece) {
    // BERT frames a sequence as [CLS] ... [SEP]; BOS/EOS name the same tokens.
    if (s.cls == kNoToken) s.cls = s.bos;
    if (s.bos == kNoToken) s.bos = s.cls;
    if (s.eos == kNoToken) s.eos = s.sep;
  }
}

bool is_llama3_pre(const std::string& pre) {
  return pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3";
}

void read_flags(const gguf::File& file, Vocab& vocab) {
  const bool spm = vocab.algorithm == Algorithm::SentencePiece;
  const bool wpm = vocab.algorithm == Algorithm::WordPiece;
  vocab.add_bos = file.get_bool("tokenizer.ggml.add_bos_token")
                      .value_or(spm || wpm || is_llama3_pre(vocab.pre));
  vocab.add_eos = file.get_bool("tokenizer.ggml.add_eos_token").value_or(wpm);
  vocab.add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(spm);
}

// <0xNN> tokens for SentencePiece byte fallback.
void index_byte_tokens(Vocab& vocab) {
  vocab.byte_tokens.fill(kNoToken);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab.byte_tokens[static_cast<size_t>(b)] = vocab.find(name);
  }
}

}  // namespace

int32_t Vocab::find(std::string_view text) const {
  const auto it = index.find(text);
  return it == index.end() ? kNoToken : it->second;
}

Vocab Vocab::from_gguf(const gguf::File& file) {
  Vocab vocab;
  vocab.source = file.name();
  const auto model = file.get_string("tokenizer.ggml.model");
  if (!model) fail(file, "no tokenizer (tokenizer.ggml.model is missing)");
  vocab.model = *model;
  vocab.algorithm = algorithm_of(file, *model);
  vocab.pre = file.get_string("tokenizer.ggml.pre").value_or("");

  auto tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens || tokens->empty()) fail(file, "tokenizer.ggml.tokens is missing or empty");
  if (tokens->size() > static_cast<size_t>(INT32_MAX)) fail(file, "tokenizer.ggml.tokens is too large");
  vocab.tokens = std::move(*tokens);
  const size_t n = vocab.tokens.size();

  if (auto scores = file.get_float_array("tokenizer.ggml.scores")) {
    if (scores->size() != n) fail(file, "tokenizer.ggml.scores has " + std::to_string(scores->size()) +
                                            " entries for " + std::to_string(n) + " tokens");
    vocab.scores = std::move(*scores);
  } else {
    vocab.scores.assign(n, 0.0f);
  }

  vocab.types.assign(n, TokenType::Normal);
  if (auto types = file.get_int_array("tokenizer.ggml.token_type")) {
    if (types->size() != n) fail(file, "tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                                           " entries for " + std::to_string(n) + " tokens");
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = (*types)[i];
      vocab.types[i] = (t >= 0 && t <= 6) ? static_cast<TokenType>(t) : TokenType::Undefined;
    }
  }

  if (vocab.algorithm == Algorithm::BytePairEncoding) {
    auto merges = file.get_string_array("tokenizer.ggml.merges");
    if (!merges) fail(file, "tokenizer.ggml.merges is missing (needed by a gpt2 tokenizer)");
    vocab.merges = std::move(*merges);
  }

  vocab.index.reserve(n);
  for (size_t i = 0; i < n; ++i) vocab.index.emplace(vocab.tokens[i], static_cast<int32_t>(i));

  read_special_ids(file, vocab);
  read_flags(file, vocab);
  index_byte_tokens(vocab);
  return vocab;
}

}  // namespace hearth::tokenizer

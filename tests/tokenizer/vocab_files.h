// The vocab-only GGUF files in tests/data/vocab and their test vectors.
//
// ggml-vocab-NAME.gguf.inp: each test string followed by
// "\n__ggml_vocab_test__\n" (so a string may itself be empty or end in
// newlines). ggml-vocab-NAME.gguf.out: one line per string, its ids separated
// by spaces, tokenized without BOS/EOS and without parsing special tokens.
#pragma once

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/file.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace hearth::tokenizer::test {

inline std::string vocab_path(const std::string& name) { return "vocab/ggml-vocab-" + name + ".gguf"; }

// name: "llama-spm", "llama-bpe", "bert-bge"... Loaded once per test process
// (the large BPE vocabularies take a fraction of a second each).
inline const Tokenizer& vocab_tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[name];
  if (!slot) {
    const auto file = gguf::File::open(hearth::test::data_path(vocab_path(name)));
    slot = std::make_unique<Tokenizer>(Tokenizer::from_gguf(file));
  }
  return *slot;
}

inline std::vector<std::string> vocab_test_strings(const std::string& name) {
  const std::string text = hearth::test::read_text(hearth::test::data_path(vocab_path(name) + ".inp"));
  constexpr std::string_view kSeparator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  for (size_t pos = 0, sep; (sep = text.find(kSeparator, pos)) != std::string::npos;
       pos = sep + kSeparator.size()) {
    out.push_back(text.substr(pos, sep - pos));
  }
  return out;
}

inline std::vector<std::vector<int32_t>> vocab_test_ids(const std::string& name) {
  std::istringstream lines(hearth::test::read_text(hearth::test::data_path(vocab_path(name) + ".out")));
  std::vector<std::vector<int32_t>> out;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<int32_t> ids;
    for (int32_t id; fields >> id;) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

// gtest parameter names cannot hold '-'.
inline std::string vocab_param_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string n = param.param;
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

}  // namespace hearth::tokenizer::test

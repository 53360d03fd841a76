// fuzz-links: tokenizer gguf core
// Tokenizer fuzzer: any bytes (malformed UTF-8 included) must encode and
// decode without crashing, hanging or throwing, with every id in range.
// Where the tokenizer is lossless the round trip is checked too:
// decode(encode(s)) == s for SentencePiece (llama-spm, unless s holds ▁,
// which SentencePiece reads as a space) and for byte-level BPE (llama-bpe,
// which has a token for every byte), without special-token parsing.
//
// Input: byte 0 picks the vocabulary (bits 0-1) and the flags add_special
// (bit 2) and parse_special (bit 3); the rest is the text. Vocabularies are
// read from $HEARTH_VOCAB_DIR, else from tests/data/vocab of this source tree.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "gguf/file.h"
#include "tokenizer/tokenizer.h"

namespace {

using hearth::tokenizer::Tokenizer;

constexpr std::array<const char*, 4> kVocabs = {"llama-spm", "llama-bpe", "bert-bge", "falcon"};
using hearth::tokenizer::kSpaceMark;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", what);
    std::abort();
  }
}

std::filesystem::path vocab_dir() {
  if (const char* dir = std::getenv("HEARTH_VOCAB_DIR")) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "tests" / "data" / "vocab";
}

const Tokenizer& tokenizer(size_t which) {
  static std::array<std::unique_ptr<Tokenizer>, kVocabs.size()> cache;
  auto& slot = cache[which];
  if (!slot) {
    const auto path = vocab_dir() / ("ggml-vocab-" + std::string(kVocabs[which]) + ".gguf");
    const auto file = hearth::gguf::File::open(path);  // throws (ends the run) if the data is missing
    slot = std::make_unique<Tokenizer>(Tokenizer::from_gguf(file));
  }
  return *slot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t which = data[0] & 3;
  const bool add_special = (data[0] & 4) != 0;
  const bool parse_special = (data[0] & 8) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const Tokenizer& tok = tokenizer(which);
  const auto ids = tok.encode(text, add_special, parse_special);
  for (const int32_t id : ids) {
    check(id >= 0 && id < tok.n_vocab(), "id out of range");
    (void)tok.token_to_piece(id, /*render_special=*/true);
  }
  const std::string back = tok.decode(ids);
  (void)tok.decode(ids, /*render_special=*/true);

  const bool lossless = (which == 0 && text.find(kSpaceMark) == std::string_view::npos) || which == 1;
  if (lossless && !parse_special) check(back == text, "decode(encode(s)) != s");
  return 0;
}

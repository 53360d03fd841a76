// The data of a tokenizer, read from GGUF metadata (tokenizer.ggml.*).
//
//   tokenizer.ggml.model        "llama" (SentencePiece) | "gpt2" (byte-level BPE)
//                               | "bert" (WordPiece)
//   tokenizer.ggml.pre          pre-tokenizer name (BPE only; see pretokenizer.h)
//   tokenizer.ggml.tokens       [n_vocab] token text
//   tokenizer.ggml.scores       [n_vocab] merge priority (SentencePiece), optional
//   tokenizer.ggml.token_type   [n_vocab] TokenType, optional (all Normal)
//   tokenizer.ggml.merges       ["left right", ...] by rank (BPE)
//   tokenizer.ggml.{bos,eos,unknown,seperator,padding,mask,cls}_token_id
//   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix
//
// Defaults when a key is absent (our documented choice):
//   add_bos: SentencePiece and WordPiece yes; BPE only for the Llama-3
//            pre-tokenizer (its tokenizer.json post-processor adds
//            <|begin_of_text|>); add_eos: WordPiece yes ([SEP]), others no;
//   add_space_prefix: SentencePiece yes, others no.
// Special ids outside [0, n_vocab) (e.g. 0xFFFFFFFF written for "none")
// mean "none" (kNoToken).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::gguf {
class File;
}

namespace hearth::tokenizer {

inline constexpr int32_t kNoToken = -1;

// ▁ (U+2581) stands for a space in SentencePiece and WordPiece token text.
inline constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

enum class Algorithm { SentencePiece, BytePairEncoding, WordPiece };

// Values of tokenizer.ggml.token_type.
enum class TokenType : uint8_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,      // <s>, <|eot_id|>: text only when parsing special tokens
  UserDefined = 4,  // added tokens: always matched as a whole in input text
  Unused = 5,
  Byte = 6,         // SentencePiece <0xNN> byte-fallback tokens
};

struct SpecialIds {
  int32_t bos = kNoToken;
  int32_t eos = kNoToken;
  int32_t unk = kNoToken;
  int32_t sep = kNoToken;
  int32_t pad = kNoToken;
  int32_t mask = kNoToken;
  int32_t cls = kNoToken;
};

// Hash that lets an unordered_map<std::string, ...> be queried with a
// string_view without building a std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIndex = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class Vocab {
 public:
  // Throws FormatError (naming the file and key) for missing or inconsistent
  // metadata, UnsupportedError for an unknown tokenizer.ggml.model.
  static Vocab from_gguf(const gguf::File& file);

  Algorithm algorithm = Algorithm::SentencePiece;
  std::string model;  // tokenizer.ggml.model as written
  std::string pre;    // tokenizer.ggml.pre, "" when absent
  std::string source; // file name, for error messages

  std::vector<std::string> tokens;     // [n_vocab]
  std::vector<float> scores;           // [n_vocab] (0 when absent)
  std::vector<TokenType> types;        // [n_vocab]
  std::vector<std::string> merges;     // BPE merge rules, rank = index
  TokenIndex index;                    // text -> id (the lowest id wins)

  SpecialIds special;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;

  // SentencePiece byte fallback: id of <0xNN> for each byte, kNoToken if absent.
  std::array<int32_t, 256> byte_tokens{};

  int32_t n_vocab() const { return static_cast<int32_t>(tokens.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < n_vocab(); }
  // Token id for exactly this text, or kNoToken.
  int32_t find(std::string_view text) const;
  TokenType type(int32_t id) const { return types[static_cast<size_t>(id)]; }
  const std::string& text(int32_t id) const { return tokens[static_cast<size_t>(id)]; }
};

}  // namespace hearth::tokenizer

// Text <-> token ids for GGUF models: SentencePiece ("llama"), byte-level
// BPE ("gpt2") and WordPiece ("bert"), built from tokenizer.ggml.* metadata.
//
//   auto file = gguf::File::open("model.gguf");
//   auto tok = Tokenizer::from_gguf(file);
//   std::vector<int32_t> ids = tok.encode("Hello", /*add_special=*/true, /*parse_special=*/true);
//   std::string text = tok.decode(ids);
//
// encode():
//   1. Special-token text is cut out first (special_tokens.h): user-defined
//      tokens always, control tokens ("<s>", "<|eot_id|>") only with
//      parse_special; otherwise such text is tokenized as ordinary text.
//   2. Each text fragment goes through the model's algorithm (spm.h, bpe.h,
//      wordpiece.h). Only BPE reads tokenizer.ggml.pre (pretokenizer.h):
//      SentencePiece and WordPiece split text their own fixed way. SentencePiece turns spaces into ▁ and, with
//      add_space_prefix, prefixes a space to a fragment at the start of the
//      text or right after a special token (as the reference Llama tokenizer).
//   3. add_special adds BOS first and EOS last as the vocabulary says
//      (for WordPiece they are [CLS] and [SEP]; see vocab.h for defaults).
//   Any bytes are accepted, malformed UTF-8 included: SentencePiece and BPE
//   encode malformed bytes byte by byte (lossless where the vocabulary has a
//   token for every byte, see bpe.h); WordPiece drops them. encode() throws
//   (hearth::Error) only if the regex engine gives up on a piece (its match
//   limit), which fuzzing and 1 MB single-piece inputs have not triggered.
//
// decode() concatenates token_to_piece() and undoes the SentencePiece space
// prefix: one leading space is removed from the first text piece and from a
// text piece right after a special token. Then decode(encode(s)) == s for
// SentencePiece (when every character has a piece or byte fallback) and for
// byte-level BPE. WordPiece is lossy (lowercase, accents, spacing).
//
// A Tokenizer is immutable after construction; encode/decode are safe to call
// from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/special_tokens.h"
#include "tokenizer/vocab.h"

namespace hearth::gguf {
class File;
}

namespace hearth::tokenizer {

class BpeModel;

class Tokenizer {
 public:
  // Throws FormatError / UnsupportedError (e.g. an unknown tokenizer.ggml.pre
  // for a BPE vocabulary, named in the message).
  static Tokenizer from_gguf(const gguf::File& file);
  explicit Tokenizer(Vocab vocab);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // render_special: include the text of control/unknown tokens ("<s>").
  // Throws hearth::Error for an id outside [0, n_vocab).
  std::string decode(std::span<const int32_t> ids, bool render_special = false) const;
  std::string token_to_piece(int32_t id, bool render_special = false) const;

  const Vocab& vocab() const { return vocab_; }
  int32_t n_vocab() const { return vocab_.n_vocab(); }
  const SpecialIds& special() const { return vocab_.special; }
  int32_t bos() const { return vocab_.special.bos; }
  int32_t eos() const { return vocab_.special.eos; }
  bool add_bos() const { return vocab_.add_bos; }
  bool add_eos() const { return vocab_.add_eos; }
  // Control and unknown tokens (end-of-generation checks, rendering).
  bool is_control(int32_t id) const;

 private:
  void encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const;
  void check_id(int32_t id) const;
  bool strips_leading_space() const;

  Vocab vocab_;
  SpecialTokenMatcher matcher_;
  std::unique_ptr<BpeModel> bpe_;  // BPE only
};

}  // namespace hearth::tokenizer

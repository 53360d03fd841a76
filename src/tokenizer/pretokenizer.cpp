#include "tokenizer/pretokenizer.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"

namespace hearth::tokenizer {
namespace {

// GPT-2's ByteLevel pattern (also HF's default).
constexpr const char* kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";
// Llama 3: case-insensitive contractions, digits in groups of up to three.
constexpr const char* kLlama3 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// Qwen2: as Llama 3 but single digits.
constexpr const char* kQwen2 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// DeepSeek splits: line breaks, letters, punctuation, CJK, single digits.
// Non-ASCII characters are written as \x{...}: several of the DeepSeek LLM
// class's code points (U+1F7D, U+2126, U+212A...) are canonical singletons
// that an editor's NFC normalisation would silently replace.
constexpr const char* kNewline = R"re([\r\n])re";
constexpr const char* kCjk = R"re([\x{4E00}-\x{9FA5}\x{0800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re";
constexpr const char* kDigit = R"re(\p{N})re";
constexpr const char* kDeepseekLlmLetters =
    R"re(\s?[)re"
    R"re(A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF})re"
    R"re(\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D})re"
    R"re(\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5})re"
    R"re(\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5})re"
    R"re(\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B})re"
    R"re(\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})re"
    R"re(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})re"
    R"re(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})re"
    R"re(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC})re"
    R"re(\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115})re"
    R"re(\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134})re"
    R"re(\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184})re"
    R"re(\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3})re"
    R"re(\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787})re"
    R"re(\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})re"
    R"re(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})re"
    R"re(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})re"
    R"re(\x{1E900}-\x{1E943})re"
    R"re(]+)re";
constexpr const char* kDeepseekLlmPunct = R"re(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)re";
constexpr const char* kTrailingSpace = R"re(\s+$)re";
// Falcon: runs of (ASCII or Unicode) punctuation, GPT-2, ASCII digit runs in threes.
constexpr const char* kPunctuationRun = R"re([\p{P}\$\+<=>\^~\|`]+)re";
constexpr const char* kAsciiDigits = R"re([0-9]+)re";
constexpr const char* kDigitTriples = R"re([0-9][0-9][0-9])re";

struct PreSpec {
  std::vector<const char*> names;
  std::vector<const char*> regexes;
  bool ignore_merges = false;
};

const std::vector<PreSpec>& specs() {
  static const std::vector<PreSpec> table = {
      {{"default", "", "gpt-2", "gpt2"}, {kGpt2}},
      {{"llama-bpe", "llama3", "llama-v3"}, {kLlama3}, true},
      {{"qwen2"}, {kQwen2}},
      {{"starcoder", "refact"}, {kDigit, kGpt2}},
      {{"deepseek-coder"}, {kNewline, R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kCjk, kDigit}},
      {{"deepseek-llm"}, {kNewline, kDeepseekLlmLetters, kDeepseekLlmPunct, kTrailingSpace, kCjk, kDigit}},
      {{"falcon"}, {kPunctuationRun, kGpt2, kAsciiDigits, kDigitTriples}},
  };
  return table;
}

// Compiled patterns are shared by every tokenizer in the process (JIT
// compilation of the long classes costs milliseconds).
std::shared_ptr<const Regex> compiled(const char* pattern) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Regex>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[pattern];
  if (!slot) slot = std::make_shared<const Regex>(pattern);
  return slot;
}

}  // namespace

std::vector<std::string> Pretokenizer::known_names() {
  std::vector<std::string> names;
  for (const auto& spec : specs()) {
    for (const char* n : spec.names) {
      if (*n != '\0') names.emplace_back(n);
    }
  }
  return names;
}

Pretokenizer Pretokenizer::for_name(const std::string& pre, const std::string& source) {
  for (const auto& spec : specs()) {
    if (std::find(spec.names.begin(), spec.names.end(), pre) == spec.names.end()) continue;
    Pretokenizer p;
    for (const char* re : spec.regexes) p.regexes_.push_back(compiled(re));
    p.ignore_merges_ = spec.ignore_merges;
    return p;
  }
  std::string known;
  for (const auto& n : known_names()) known += (known.empty() ? "" : ", ") + n;
  throw UnsupportedError(source + ": tokenizer.ggml.pre '" + pre +
                         "' is not a known BPE pre-tokenizer (known: " + known + ")");
}

std::vector<Span> Pretokenizer::split(std::string_view text) const {
  std::vector<Span> pieces;
  if (!text.empty()) pieces.push_back({0, text.size()});
  std::vector<Span> next, matches;
  for (const auto& re : regexes_) {
    next.clear();
    for (const Span& piece : pieces) {
      matches.clear();
      re->find_all(text.substr(piece.offset, piece.length), matches);
      size_t cursor = 0;  // relative to the piece
      for (const Span& m : matches) {
        if (m.offset > cursor) next.push_back({piece.offset + cursor, m.offset - cursor});
        next.push_back({piece.offset + m.offset, m.length});
        cursor = m.offset + m.length;
      }
      if (cursor < piece.length) next.push_back({piece.offset + cursor, piece.length - cursor});
    }
    pieces.swap(next);
  }
  return pieces;
}

}  // namespace hearth::tokenizer

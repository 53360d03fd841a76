#include "tokenizer/wordpiece.h"

#include <string>

#include "tokenizer/unicode.h"

namespace hearth::tokenizer::wordpiece {
namespace {

// Normalised words as code point strings.
std::vector<std::u32string> split_words(std::string_view text) {
  std::vector<std::u32string> words(1);
  auto end_word = [&] {
    if (!words.back().empty()) words.emplace_back();
  };
  std::u32string stripped;
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = unicode::next_codepoint(text, pos);
    if (cp == unicode::kInvalidCodepoint) cp = unicode::kReplacementChar;
    if (cp == 0 || cp == unicode::kReplacementChar) continue;
    if (unicode::is_whitespace(cp)) {
      end_word();
      continue;
    }
    if (unicode::is_control_or_format(cp)) continue;
    stripped.clear();
    unicode::append_stripped(stripped, cp);
    for (char32_t c : stripped) {
      const uint32_t low = unicode::to_lower(c);
      if (unicode::is_punctuation(low) || unicode::is_ascii_punctuation(low) || unicode::is_cjk_ideograph(low)) {
        end_word();
        words.back() += static_cast<char32_t>(low);
        end_word();
      } else {
        words.back() += static_cast<char32_t>(low);
      }
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// Greedy longest-match-first split of one word; false if some rest of the
// word matches no piece. Words are at most kMaxWordChars long, so the
// quadratic search per word is bounded.
bool split_word(const Vocab& vocab, const std::u32string& word, std::vector<int32_t>& ids) {
  std::vector<size_t> bounds;  // byte offset of each code point in `utf8`, then its size
  std::string utf8;
  for (char32_t c : word) {
    bounds.push_back(utf8.size());
    unicode::append_utf8(utf8, c);
  }
  bounds.push_back(utf8.size());
  std::string candidate;
  for (size_t start = 0; start < word.size();) {
    size_t end = word.size();
    int32_t id = kNoToken;
    for (; end > start; --end) {
      candidate.assign(start == 0 ? kSpaceMark : std::string_view{});
      candidate.append(utf8, bounds[start], bounds[end] - bounds[start]);
      id = vocab.find(candidate);
      if (id != kNoToken) break;
    }
    if (id == kNoToken) return false;
    ids.push_back(id);
    start = end;
  }
  return true;
}

}  // namespace

void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  std::vector<int32_t> ids;
  for (const std::u32string& word : split_words(text)) {
    ids.clear();
    if (word.size() <= kMaxWordChars && split_word(vocab, word, ids)) {
      out.insert(out.end(), ids.begin(), ids.end());
    } else if (vocab.special.unk != kNoToken) {
      out.push_back(vocab.special.unk);
    }
  }
}

}  // namespace hearth::tokenizer::wordpiece

#include "tokenizer/unicode.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace hearth::tokenizer::unicode {
namespace {

bool in_ranges(const ucd::CodepointRange* table, size_t n, uint32_t cp) {
  const ucd::CodepointRange* end = table + n;
  const auto* it = std::upper_bound(table, end, cp,
                                    [](uint32_t v, const ucd::CodepointRange& r) { return v < r.first; });
  return it != table && cp <= (it - 1)->last;
}

// Hangul syllable decomposition (Unicode §3.12): S -> L V [T].
constexpr uint32_t kHangulBase = 0xAC00, kHangulCount = 11172;
constexpr uint32_t kLeadBase = 0x1100, kVowelBase = 0x1161, kTrailBase = 0x11A7;
constexpr uint32_t kVowelCount = 21, kTrailCount = 28;

}  // namespace

bool is_punctuation(uint32_t cp) {
  return in_ranges(ucd::kPunctuation, ucd::kPunctuationSize, cp);
}

bool is_ascii_punctuation(uint32_t cp) {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
         (cp >= 123 && cp <= 126);
}

bool is_nonspacing_mark(uint32_t cp) {
  return in_ranges(ucd::kNonspacingMark, ucd::kNonspacingMarkSize, cp);
}

bool is_control_or_format(uint32_t cp) {
  return in_ranges(ucd::kControlOrFormat, ucd::kControlOrFormatSize, cp);
}

bool is_whitespace(uint32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  return in_ranges(ucd::kSpaceSeparator, ucd::kSpaceSeparatorSize, cp);
}

bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint32_t to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  const auto* end = ucd::kToLower + ucd::kToLowerSize;
  const auto* it = std::lower_bound(ucd::kToLower, end, cp,
                                    [](const ucd::LowerMapping& m, uint32_t v) { return m.from < v; });
  return (it != end && it->from == cp) ? it->to : cp;
}

void append_stripped(std::u32string& out, uint32_t cp) {
  if (cp >= kHangulBase && cp < kHangulBase + kHangulCount) {
    const uint32_t s = cp - kHangulBase;
    out += static_cast<char32_t>(kLeadBase + s / (kVowelCount * kTrailCount));
    out += static_cast<char32_t>(kVowelBase + (s % (kVowelCount * kTrailCount)) / kTrailCount);
    if (s % kTrailCount != 0) out += static_cast<char32_t>(kTrailBase + s % kTrailCount);
    return;
  }
  if (is_nonspacing_mark(cp)) return;
  const auto* end = ucd::kStripAccents + ucd::kStripAccentsSize;
  const auto* it = std::lower_bound(ucd::kStripAccents, end, cp,
                                    [](const ucd::StripMapping& m, uint32_t v) { return m.from < v; });
  if (it == end || it->from != cp) {
    out += static_cast<char32_t>(cp);
    return;
  }
  for (uint32_t c : it->to) {
    if (c != 0) out += static_cast<char32_t>(c);
  }
}

}  // namespace hearth::tokenizer::unicode

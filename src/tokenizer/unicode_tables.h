// Unicode Character Database tables used by the tokenizers (generated into
// unicode_tables.cpp by unicode_tables.py). Every table is sorted by its
// first field so that unicode.cpp can binary-search it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::tokenizer::ucd {

struct CodepointRange {
  uint32_t first;
  uint32_t last;  // inclusive
};

struct LowerMapping {
  uint32_t from;
  uint32_t to;  // simple (one code point) lowercase mapping
};

// Canonical decomposition (NFD) with nonspacing marks (Mn) removed:
// `from` becomes `to[0..2]`; 0 means "no code point".
struct StripMapping {
  uint32_t from;
  uint32_t to[3];
};

extern const CodepointRange kPunctuation[];     // General_Category P*
extern const size_t kPunctuationSize;
extern const CodepointRange kNonspacingMark[];  // Mn
extern const size_t kNonspacingMarkSize;
extern const CodepointRange kControlOrFormat[]; // Cc, Cf
extern const size_t kControlOrFormatSize;
extern const CodepointRange kSpaceSeparator[];  // Zs
extern const size_t kSpaceSeparatorSize;
extern const LowerMapping kToLower[];
extern const size_t kToLowerSize;
extern const StripMapping kStripAccents[];      // Hangul syllables excluded
extern const size_t kStripAccentsSize;

}  // namespace hearth::tokenizer::ucd

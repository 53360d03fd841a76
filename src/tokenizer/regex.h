// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available)
// that lists the spans it matches in a subject.
//
// Compiled with PCRE2_MATCH_INVALID_UTF: subjects may hold malformed UTF-8,
// whose bytes simply never take part in a match (they are left in the gaps
// between matches). $ matches only at the very end (PCRE2_DOLLAR_ENDONLY), as
// in the Rust/Oniguruma engines the patterns were written for.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tokenizer {

struct Span {
  size_t offset = 0;
  size_t length = 0;
};

class Regex {
 public:
  // Throws hearth::Error naming the pattern when it does not compile.
  explicit Regex(std::string pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  const std::string& pattern() const { return pattern_; }

  // Appends the non-empty matches of the pattern in subject, left to right,
  // non-overlapping. Throws hearth::Error if the engine gives up (match limit).
  void find_all(std::string_view subject, std::vector<Span>& out) const;

 private:
  std::string pattern_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::tokenizer

// Redactor: compiled PCRE2 rules applied one after another to a text.
#include "gateway/redact.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <set>

#include "core/error.h"

namespace hearth::gateway {

struct Redactor::Compiled {
  RedactionRule rule;
  std::string marker;
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

std::string pcre_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

// Whether a match also passes the rule's checksum (separators ignored).
bool passes_check(RedactionRule::Check check, std::string_view match) {
  if (check == RedactionRule::Check::none) return true;
  std::string packed;
  for (const char c : match) {
    if (c != ' ' && c != '-') packed += c;
  }
  if (check == RedactionRule::Check::luhn) return packed.size() >= 13 && packed.size() <= 19 && luhn_valid(packed);
  return iban_valid(packed);
}

// The offset of the UTF-8 character after the one at `pos`.
size_t next_char(std::string_view s, size_t pos) {
  ++pos;
  while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

// One rule over the whole text: each match that passes the check becomes the
// marker. A match that fails its check is retried one character later, so a
// valid number right after (or inside) an invalid one is still found.
std::string apply_rule(const RedactionRule& rule, const std::string& marker, const pcre2_code* code,
                       std::string_view text, int64_t& count) {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
  if (md == nullptr) throw Error("out of memory creating PCRE2 match data");
  std::string out;
  size_t copied = 0, offset = 0;
  uint32_t options = 0;  // the first match checks the UTF-8; later ones need not
  try {
    while (offset <= text.size()) {
      const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset, options,
                                 md, nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        throw FormatError("redaction rule \"" + rule.name + "\": " + pcre_message(rc) +
                          (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21 ? " (text is not valid UTF-8)" : ""));
      }
      options = PCRE2_NO_UTF_CHECK;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const size_t start = ov[0], end = ov[1];
      if (end > start && passes_check(rule.check, text.substr(start, end - start))) {
        out.append(text.substr(copied, start - copied));
        out += marker;
        copied = offset = end;
        ++count;
      } else {
        if (start >= text.size()) break;
        offset = next_char(text, start);
      }
    }
  } catch (...) {
    pcre2_match_data_free(md);
    throw;
  }
  pcre2_match_data_free(md);
  out.append(text.substr(copied));
  return out;
}

}  // namespace

Redactor::Redactor(std::vector<RedactionRule> rules) {
  std::set<std::string> names;
  for (RedactionRule& rule : rules) {
    if (rule.name.empty()) throw FormatError("a redaction rule needs a name (it shows as [REDACTED:<name>])");
    if (!names.insert(rule.name).second) throw FormatError("two redaction rules are called \"" + rule.name + "\"");
    auto c = std::make_unique<Compiled>();
    int error = 0;
    PCRE2_SIZE at = 0;
    c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rule.pattern.data()), rule.pattern.size(), PCRE2_UTF, &error,
                            &at, nullptr);
    if (c->code == nullptr) {
      throw FormatError("redaction rule \"" + rule.name + "\": the pattern does not compile at offset " +
                        std::to_string(at) + ": " + pcre_message(error));
    }
    pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);  // optional: falls back to the interpreter
    c->marker = redaction_marker(rule.name);
    c->rule = std::move(rule);
    rules_.push_back(std::move(c));
  }
}

Redactor::~Redactor() = default;
Redactor::Redactor(Redactor&&) noexcept = default;
Redactor& Redactor::operator=(Redactor&&) noexcept = default;

std::string Redactor::redact_text(std::string_view text, RedactionCounts& counts) const {
  std::string current(text);
  for (const auto& c : rules_) {
    int64_t n = 0;
    current = apply_rule(c->rule, c->marker, c->code, current, n);
    if (n > 0) counts[c->rule.name] += n;
  }
  return current;
}

}  // namespace hearth::gateway

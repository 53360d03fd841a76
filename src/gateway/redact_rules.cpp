// The built-in redaction rules and the checksums some of them need.
#include <cctype>

#include "core/error.h"
#include "gateway/redact.h"

namespace hearth::gateway {

std::vector<RedactionRule> builtin_redaction_rules() {
  using Check = RedactionRule::Check;
  return {
      {"api_key",
       R"(\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}\b|gh[pousr]_[A-Za-z0-9]{36,}|xox[abposr]-[A-Za-z0-9\-]{10,}))",
       Check::none},
      // Non-ASCII letters allowed in both parts (internationalised addresses).
      {"email", R"([A-Za-z0-9._%+\-\x{80}-\x{10FFFF}]+@[A-Za-z0-9\-\x{80}-\x{10FFFF}]+(?:\.[A-Za-z0-9\-\x{80}-\x{10FFFF}]+)*\.[A-Za-z]{2,})",
       Check::none},
      // Printed in groups of four, the last group shorter.
      {"iban", R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)", Check::iban},
      {"credit_card", R"(\b(?:\d[ \-]?){12,18}\d\b)", Check::luhn},
      // Not a piece of a longer dotted number (a version 1.2.3.4.5).
      {"ipv4", R"((?<!\d)(?<!\d\.)(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b(?!\.\d))",
       Check::none},
      {"phone", R"((?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .\-]?\d{3,4}[ .\-]?\d{3,4}(?!\w))",
       Check::none},
  };
}

RedactionRule builtin_redaction_rule(const std::string& name) {
  std::string names;
  for (RedactionRule& r : builtin_redaction_rules()) {
    if (r.name == name) return r;
    names += (names.empty() ? "" : ", ") + r.name;
  }
  throw FormatError("no built-in redaction rule \"" + name + "\" (built-ins: " + names +
                    "; define your own with a name and a pattern)");
}

std::string redaction_marker(const std::string& rule) { return "[REDACTED:" + rule + "]"; }

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;  // every second digit from the right is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool iban_valid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  // Move the country code and check digits to the end, read letters as
  // 10..35, and take the whole number mod 97 digit by digit; valid is 1.
  const std::string moved = std::string(iban.substr(4)) + std::string(iban.substr(0, 4));
  int remainder = 0;
  for (const char c : moved) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isdigit(u)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (std::isalpha(u)) {
      const int v = std::toupper(u) - 'A' + 10;
      remainder = (remainder * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

}  // namespace hearth::gateway

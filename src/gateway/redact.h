// Redaction of request text before it leaves for a cloud: named rules (PCRE2
// regular expressions, some with a checksum on the match) whose matches are
// replaced by "[REDACTED:<rule>]". Only counts per rule come back — they go
// into the audit log; the original text is never kept.
//
// Built-in rules (builtin_redaction_rules(), applied in this order so a longer
// secret is replaced before a shorter rule could match part of it):
//   api_key      sk-..., sk-proj-..., sk-ant-..., AKIA + 16, ghp_/gho_/ghu_/ghs_/ghr_ + 36, xox?- Slack tokens
//   email        local@domain.tld
//   iban         two letters, two check digits, 11-30 letters/digits (spaces allowed), ISO 13616 mod-97 checked
//   credit_card  13-19 digits (spaces or dashes allowed), Luhn checked
//   ipv4         four 0-255 octets
//   phone        optional +country code, 7-15 digits in groups (e.g. +1 415-555-0100, (020) 7946 0958)
// User rules (e.g. an employee-ID pattern) come after the built-ins.
//
// Request bodies: redact_request() walks the fields that carry user text in the
// OpenAI chat/completions/embeddings and Anthropic messages dialects:
//   messages[].content (a string, or parts: "text", tool_result "content", tool_use "input"),
//   messages[].tool_calls[].function.arguments, system (string or text blocks),
//   prompt (string or strings), input (string or strings; token arrays are left alone).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::gateway {

struct RedactionRule {
  enum class Check { none, luhn, iban };
  std::string name;     // shows in the replacement: [REDACTED:<name>]
  std::string pattern;  // PCRE2, UTF-8
  Check check = Check::none;  // a match is replaced only when it passes
};

// Rule name -> replacements made.
using RedactionCounts = std::map<std::string, int64_t>;

std::vector<RedactionRule> builtin_redaction_rules();
// The built-in rule called `name`; throws FormatError listing the names.
RedactionRule builtin_redaction_rule(const std::string& name);

// Replaces a matched span with "[REDACTED:<rule>]".
std::string redaction_marker(const std::string& rule);

class Redactor {
 public:
  // Compiles the rules; throws FormatError naming the rule and the position
  // in its pattern when one does not compile, or when two share a name.
  explicit Redactor(std::vector<RedactionRule> rules);
  ~Redactor();
  Redactor(Redactor&&) noexcept;
  Redactor& operator=(Redactor&&) noexcept;

  // `text` with every rule's matches replaced, adding to `counts`. Invalid
  // UTF-8 is refused with FormatError (it cannot be matched reliably).
  std::string redact_text(std::string_view text, RedactionCounts& counts) const;
  // Redacts the user-text fields of a request body in place (see the header
  // comment); returns the counts. A body that is not a JSON object throws FormatError.
  RedactionCounts redact_request(nlohmann::json& body) const;

 private:
  struct Compiled;
  std::vector<std::unique_ptr<Compiled>> rules_;
};

// True when `digits` (only '0'-'9') passes the Luhn checksum.
bool luhn_valid(std::string_view digits);
// True when `iban` (letters and digits, no spaces) passes ISO 13616 mod 97.
bool iban_valid(std::string_view iban);

}  // namespace hearth::gateway

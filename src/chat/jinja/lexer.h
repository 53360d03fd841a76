// Jinja lexer: template source -> tokens.
//
// Text between tags becomes one Text token, with whitespace control already
// applied the way HF's renderer configures Jinja2 (trim_blocks=True,
// lstrip_blocks=True):
//   {%- / {{- / {#-   strip all whitespace before the tag;
//   -%} / -}} / -#}   strip all whitespace after it;
//   trim_blocks       a block or comment tag eats one newline right after it;
//   lstrip_blocks     spaces/tabs from the start of a line up to a block or
//                     comment tag are removed ({%+ turns this off per tag).
// Comments vanish; {% raw %}...{% endraw %} becomes Text. Inside {{ }} and
// {% %} the expression tokens follow; a delimiter only closes the tag when
// all brackets opened inside it are closed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::jinja {

struct Pos {
  int line = 1;
  int col = 1;
};

enum class Tok {
  Text,        // text: the literal output
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,        // text: identifier (keywords too)
  String,      // text: the decoded string value
  Int,         // text: digits
  Float,       // text: the literal
  Op,          // text: operator or punctuation (+ ** // == ( [ { , . : | = ...)
  Eof,
};

struct Token {
  Tok kind;
  std::string text;
  Pos pos;
};

// Throws TemplateError ("line L, column C: ...") on an unclosed tag, string
// or comment, or a character that cannot start a token.
std::vector<Token> tokenize(std::string_view source);

// "line L, column C: " prefix used by every template error.
std::string where(Pos p);

}  // namespace hearth::jinja

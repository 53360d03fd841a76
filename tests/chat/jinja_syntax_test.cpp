// Lexer and parser: whitespace control with HF's trim_blocks/lstrip_blocks,
// comments, raw blocks, literals, precedence, and errors with line:column.
#include <gtest/gtest.h>

#include "jinja_helpers.h"

namespace {

using hearth::test::error_of;
using hearth::test::render;

TEST(JinjaWhitespace, TrimBlocksEatsOneNewlineAfterBlockTags) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\nafter"), "yes\nafter");
  EXPECT_EQ(render("{% if true %}\n\nyes{% endif %}"), "\nyes");
  // Not after {{ }}: variables keep the newline.
  EXPECT_EQ(render("{{ 'a' }}\nb"), "a\nb");
  // Comments trim too.
  EXPECT_EQ(render("{# note #}\nx"), "x");
}

TEST(JinjaWhitespace, LstripBlocksRemovesIndentBeforeBlockTags) {
  EXPECT_EQ(render("  {% if true %}\n    x\n  {% endif %}\n"), "    x\n");
  // Only when the tag starts the line.
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  // Not before {{ }}.
  EXPECT_EQ(render("  {{ 'v' }}"), "  v");
  // {%+ disables it.
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");
}

TEST(JinjaWhitespace, DashStripsAllWhitespaceOnThatSide) {
  EXPECT_EQ(render("a  \n {{- 'b' -}} \n\n c"), "abc");
  EXPECT_EQ(render("a\n\n{%- if true -%}\n\n b {%- endif %}"), "ab");
  EXPECT_EQ(render("x {#- c -#} y"), "xy");
}

TEST(JinjaSyntax, RawBlocksAreText) {
  EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
}

TEST(JinjaSyntax, Literals) {
  EXPECT_EQ(render(R"({{ 'a\n\t\'b' ~ "\"" ~ '\u00e9\x41' }})"), "a\n\t'b\"\xC3\xA9" "A");
  EXPECT_EQ(render("{{ 'ab' 'cd' }}"), "abcd");
  EXPECT_EQ(render("{{ 1_000 }} {{ 1.5e3 }} {{ 2 if false else 0.25 }}"), "1000 1500.0 0.25");
  EXPECT_EQ(render("{{ true }} {{ False }} {{ none }} {{ None }}"), "True False None None");
  EXPECT_EQ(render("{{ [1, 'a', none, [true]] }}"), "[1, 'a', None, [True]]");
  EXPECT_EQ(render("{{ {'k': \"it's\", 'n': 1.0} }}"), "{'k': \"it's\", 'n': 1.0}");
  EXPECT_EQ(render("{{ (1, 2) }} {{ (1) }} {{ {0: 'a'}[0] }}"), "[1, 2] 1 a");
}

TEST(JinjaSyntax, Precedence) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }}"), "7 9 64");  // ** is left-assoc in Jinja
  EXPECT_EQ(render("{{ -2 ** 2 }} {{ 'a' ~ 2 * 3 }} {{ 7 // 2 - 1 }}"), "4 a6 2");
  EXPECT_EQ(render("{{ not true or true }} {{ not (true or true) }}"), "True False");
  EXPECT_EQ(render("{{ 1 if false }}|{{ 'x' | upper if true else 'y' }}"), "|X");
  EXPECT_EQ(render("{{ 'ab' ~ 'cd' | upper }}"), "abCD");  // filters bind tightest
  EXPECT_EQ(render("{{ not x is defined }}"), "True");
}

TEST(JinjaSyntax, DictLiteralInsideOutputDoesNotCloseTheTag) {
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(JinjaErrors, UnknownFilterTestAndStatementNameTheirPlace) {
  EXPECT_EQ(error_of("ab\n  {{ x | nope }}"), "line 2, column 10: unknown filter 'nope'");
  EXPECT_EQ(error_of("{{ x is wobbly }}"), "line 1, column 9: unknown test 'wobbly'");
  EXPECT_EQ(error_of("{% frobnicate %}"), "line 1, column 4: unknown statement 'frobnicate'");
}

TEST(JinjaErrors, UnclosedThingsAreReported) {
  EXPECT_EQ(error_of("x\n{% if true %}y"), "line 2, column 15: unexpected end of template, expected '{% endif %}'");
  EXPECT_EQ(error_of("{{ 'abc }}"), "line 1, column 4: unclosed string literal");
  EXPECT_EQ(error_of("{{ x "), "line 1, column 1: unclosed tag '{{'");
  EXPECT_EQ(error_of("{# c"), "line 1, column 1: unclosed comment '{#'");
  EXPECT_EQ(error_of("{{ x ) }}"), "line 1, column 6: unmatched ')'");
  EXPECT_EQ(error_of("{{ a b }}"), "line 1, column 6: expected '}}', got 'b'");
  EXPECT_EQ(error_of("{{ @ }}"), "line 1, column 4: unexpected character '@' in tag");
  EXPECT_EQ(error_of("{% break %}"), "line 1, column 4: 'break' outside of a for loop");
  EXPECT_EQ(error_of("{% endfor %}"), "line 1, column 4: unknown statement 'endfor'");
}

TEST(JinjaErrors, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_NE(error_of(deep).find("nested too deeply"), std::string::npos);
  std::string blocks;
  for (int i = 0; i < 3000; ++i) blocks += "{% if true %}";
  EXPECT_NE(error_of(blocks).find("nested too deeply"), std::string::npos);
}

}  // namespace

// Evaluator: operators, undefined, access and slicing, statements, macros,
// loops, and the runtime errors and limits. Expected values are what Python
// Jinja2 prints for the same template.
#include <gtest/gtest.h>

#include "jinja_helpers.h"

namespace {

using hearth::test::error_of;
using hearth::test::render;

TEST(JinjaEval, Arithmetic) {
  EXPECT_EQ(render("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }}"),
            "3.5 3 -4 2 -2 1024");
  EXPECT_EQ(render("{{ 1 + 1.5 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 3 * 1.0 }}"),
            "2.5 0.30000000000000004 1e+20 1e-05 3.0");
  EXPECT_EQ(render("{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 'a' + 'b' }}"), "ababab [1, 1] [1, 2] ab");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ true }}"), "a1NoneTrue");
}

TEST(JinjaEval, ComparisonsAndMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 2 >= 2 }} {{ 1 != 'a' }}"),
            "True True True True True");
  EXPECT_EQ(render("{{ 'el' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }}"),
            "True True True True");
  EXPECT_EQ(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 1 }}|"), "x y |");
}

TEST(JinjaEval, UndefinedBehavesLikeJinja) {
  EXPECT_EQ(render("[{{ missing }}][{{ missing.attr.deeper }}][{{ missing['k'] }}]"), "[][][]");
  EXPECT_EQ(render("{% if missing %}t{% else %}f{% endif %}{% for x in missing %}x{% endfor %}"), "f");
  EXPECT_EQ(render("{{ missing | length }} {{ missing is defined }} {{ missing | default('d') }}"), "0 False d");
  EXPECT_EQ(error_of("{{ missing() }}"), "line 1, column 4: 'missing' is undefined and cannot be called");
  EXPECT_EQ(error_of("{{ 'a' + missing }}"), "line 1, column 8: 'missing' is undefined (used with '+')");
}

TEST(JinjaEval, AccessAndSlicing) {
  const std::string ctx = R"({"m": {"role": "user", "list": [10, 20, 30, 40]}, "s": "h\u00e9llo"})";
  EXPECT_EQ(render("{{ m.role }} {{ m['role'] }} {{ m.list[-1] }} {{ m.list.0 }} {{ m.nope is defined }}", ctx),
            "user user 40 10 False");
  EXPECT_EQ(render("{{ m.list[1:3] }} {{ m.list[::-1] }} {{ m.list[:-1] }} {{ m.list[::2] }}", ctx),
            "[20, 30] [40, 30, 20, 10] [10, 20, 30] [10, 30]");
  EXPECT_EQ(render("{{ s[1] }} {{ s[1:3] }} {{ s | length }} {{ s[::-1] }}", ctx),
            "\xC3\xA9 \xC3\xA9l 5 oll\xC3\xA9h");  // code points, like Python str
  EXPECT_EQ(render("{{ m.list[10] is defined }}", ctx), "False");
}

TEST(JinjaEval, ForLoopVariables) {
  EXPECT_EQ(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                   "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}"
                   "{{ loop.cycle('x', 'y') }};{% endfor %}"),
            "103TrueFalse3bx;212FalseFalse3acy;321FalseTrue3bx;");
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"), "2/2 4/2 ");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}"), "a=1 b=2 ");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{% if x is odd %}{% continue %}"
                   "{% endif %}{{ x }}{% endfor %}"),
            "02");
  EXPECT_EQ(render("{% for c in 'ab' %}{{ c }}.{% endfor %}{% for k in {'x': 1} %}{{ k }}{% endfor %}"), "a.b.x");
}

TEST(JinjaEval, ScopingAndNamespaces) {
  // A plain set inside a loop does not leak out; namespace attributes do.
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}"
                   "{{ ns.n }}"),
            "3");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set block %}  Hi {{ 1 }}{% endset %}[{{ block }}]"), "[  Hi 1]");
  EXPECT_EQ(render("{% set block | trim | upper %}  hi  {% endset %}[{{ block }}]"), "[HI]");
  EXPECT_EQ(error_of("{% set d = {} %}{% set d.x = 1 %}"),
            "line 1, column 20: cannot set attribute 'x' on a dict (only on namespace())");
}

TEST(JinjaEval, MacrosAndCallBlocks) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', '?') }} {{ greet(punct='.', name='c') }}"),
            "Hi a! Hi b? Hi c.");
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"), "321");
  EXPECT_EQ(render("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}"), "<inner>");
  EXPECT_EQ(render("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, k=2) }}"), "[1]{'k': 2}");
  // Like Jinja2, a macro exists from its definition on.
  EXPECT_EQ(error_of("{{ t() }}{% macro t() %}x{% endmacro %}"), "line 1, column 4: 't' is undefined and cannot be called");
}

TEST(JinjaEval, FilterBlocksAndGeneration) {
  EXPECT_EQ(render("{% filter upper %}abc {{ 'd' }}{% endfilter %}"), "ABC D");
  EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
}

TEST(JinjaEval, RuntimeErrorsCarryLineAndColumn) {
  EXPECT_EQ(error_of("\n{{ 1 // 0 }}"), "line 2, column 6: integer division by zero");
  EXPECT_EQ(error_of("{{ 'a' - 1 }}"), "line 1, column 8: unsupported operand types for -: 'string' and 'integer'");
  EXPECT_EQ(error_of("{% for x in none %}{% endfor %}"),
            "line 1, column 4: 'NoneType' object is not iterable (for loop over none)");
  EXPECT_EQ(error_of("{{ 9223372036854775807 + 1 }}"), "line 1, column 24: integer overflow");
  EXPECT_EQ(error_of("{{ [1].nope() }}"), "line 1, column 7: 'nope' is undefined and cannot be called");
  EXPECT_EQ(error_of("{{ 1() }}"), "line 1, column 4: 'integer' object is not callable");
}

TEST(JinjaEval, LimitsStopRunawayTemplates) {
  hearth::jinja::Limits small;
  small.max_steps = 1000;
  small.max_output_bytes = 1000;
  small.max_call_depth = 10;
  EXPECT_NE(error_of("{% for i in range(100000) %}{% endfor %}", "{}", small).find("step limit"), std::string::npos);
  EXPECT_NE(error_of("{% for i in range(500) %}{% for j in range(500) %}{% endfor %}{% endfor %}", "{}", small)
                .find("step limit"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 5000 }}", "{}", small).find("output exceeded"), std::string::npos);
  // size x count would overflow 64 bits: still the clear error.
  EXPECT_NE(error_of("{{ 'abc' * 9223372036854775807 }}").find("output exceeded"), std::string::npos);
  EXPECT_NE(error_of("{{ [1, 2] * 9223372036854775807 }}").find("output exceeded"), std::string::npos);
  EXPECT_EQ(error_of("{{ '{99999999999999999999999}'.format(1) }}"),
            "line 1, column 31: format: no argument for field {99999999999999999999999}");
  EXPECT_NE(error_of("{% for i in range(100) %}{{ 'xxxxxxxxxxxxxxxxxxxx' }}{% endfor %}", "{}", small)
                .find("output exceeded"),
            std::string::npos);
  EXPECT_NE(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "{}", small).find("nested deeper than 10"),
            std::string::npos);
}

TEST(JinjaEval, DeepRecursionAtTheDefaultLimitsEndsWithAnError) {
  // Every macro level evaluates a deeply nested expression: the stack stays
  // bounded by max_call_depth x max_parse_depth (checked under ASan too).
  const std::string nested = std::string(90, '(') + "f()" + std::string(90, ')');
  EXPECT_NE(error_of("{% macro f() %}{{ " + nested + " }}{% endmacro %}{{ f() }}").find("nested deeper than"),
            std::string::npos);
}

}  // namespace

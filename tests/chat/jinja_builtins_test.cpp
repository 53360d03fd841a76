// Built-in filters, tests, methods and globals, checked against what Python
// Jinja2 (with HF's tojson) prints for the same expressions.
#include <gtest/gtest.h>

#include "jinja_helpers.h"

namespace {

using hearth::test::error_of;
using hearth::test::render;

TEST(JinjaFilters, TojsonMatchesPythonJsonDumps) {
  const std::string ctx = R"({"v": {"b": [1, 2.5, true, null], "a": "x\"\n\u00e9", "e": {}, "l": []}})";
  EXPECT_EQ(render("{{ v | tojson }}", ctx),
            "{\"b\": [1, 2.5, true, null], \"a\": \"x\\\"\\n\xC3\xA9\", \"e\": {}, \"l\": []}");
  EXPECT_EQ(render("{{ v | tojson(indent=2) }}", ctx),
            "{\n  \"b\": [\n    1,\n    2.5,\n    true,\n    null\n  ],\n  \"a\": \"x\\\"\\n\xC3\xA9\",\n"
            "  \"e\": {},\n  \"l\": []\n}");
  EXPECT_EQ(render("{{ v.a | tojson(ensure_ascii=true) }}", ctx), "\"x\\\"\\n\\u00e9\"");
  EXPECT_EQ(render("{{ v | tojson(sort_keys=true, separators=(',', ':')) }}", ctx),
            "{\"a\":\"x\\\"\\n\xC3\xA9\",\"b\":[1,2.5,true,null],\"e\":{},\"l\":[]}");
  EXPECT_EQ(render("{{ 'a\x01' | tojson }} {{ 1.0 | tojson }} {{ 1e100 | tojson }}"), "\"a\\u0001\" 1.0 1e+100");
}

TEST(JinjaFilters, Strings) {
  EXPECT_EQ(render("[{{ '  a b  ' | trim }}][{{ 'xxaxx' | trim('x') }}]"), "[a b][a]");
  EXPECT_EQ(render("{{ 'hello world' | upper }} {{ 'HeLLo' | lower }} {{ 'hello WORLD' | capitalize }}"),
            "HELLO WORLD hello Hello world");
  EXPECT_EQ(render("{{ 'hello big-world' | title }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'a b  c' | wordcount }}"),
            "Hello Big-World bba 3");
  EXPECT_EQ(render("{{ '<a href=\"x\">&' | escape }} {{ 'x' | safe }} {{ 42 | string }}"),
            "&lt;a href=&#34;x&#34;&gt;&amp; x 42");
  EXPECT_EQ(render("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}"), "a\n  b\n\n  c|  a\n  b");
}

TEST(JinjaFilters, Sequences) {
  EXPECT_EQ(render("{{ [3, 1, 2] | length }} {{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }} {{ 'abc' | count }}"),
            "3 3 2 3");
  EXPECT_EQ(render("{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ [3, 1, 2] | sort(reverse=true) }}"),
            "[1, 2, 3] ['A', 'b', 'c'] [3, 2, 1]");
  EXPECT_EQ(render("{{ [1, 2] | join(', ') }} {{ [1, 2] | reverse | list }} {{ 'ab' | list }} {{ [1, 1, 2] | unique | list }}"),
            "1, 2 [2, 1] ['a', 'b'] [1, 2]");
  EXPECT_EQ(render("{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | sum }} {{ [4, 9, 2] | max }} {{ [4, 9, 2] | min }}"),
            "[[1, 2], [3, 4], [5]] 6 9 2");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1, 'a': 2} | items | list }}"),
            "[['a', 2], ['b', 1]] [['b', 1], ['a', 2]]");
}

TEST(JinjaFilters, SelectMapAndAttributes) {
  const std::string ctx = R"({"ms": [{"role": "user", "n": 1}, {"role": "assistant", "n": 2}, {"role": "user", "n": 3}]})";
  EXPECT_EQ(render("{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='n') | list }}", ctx), "[1, 3]");
  EXPECT_EQ(render("{{ ms | rejectattr('role', 'equalto', 'user') | map(attribute='n') | list }}", ctx), "[2]");
  EXPECT_EQ(render("{{ ms | selectattr('missing') | list }} {{ ms | map(attribute='role') | unique | list }}", ctx),
            "[] ['user', 'assistant']");
  EXPECT_EQ(render("{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('divisibleby', 3) | list }}"),
            "[1, 3] [1, 2]");
  EXPECT_EQ(render("{{ ['a', 'b'] | map('upper') | join }} {{ ms | sort(attribute='n', reverse=true) | first }}", ctx),
            "AB {'role': 'user', 'n': 3}");
}

TEST(JinjaFilters, NumbersAndDefaults) {
  EXPECT_EQ(render("{{ '42' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }}"),
            "42 0 7 3 2.5");
  EXPECT_EQ(render("{{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 2.1 | round(method='ceil') }}"),
            "3 2.57 3.0 3.0");
  EXPECT_EQ(render("{{ none | default('d') }} {{ '' | default('d', true) }} {{ x | d('e') }}"), "None d e");
  EXPECT_EQ(render("{{ '{\"a\": [1]}' | from_json }}"), "{'a': [1]}");
}

TEST(JinjaTests, TypeAndValueTests) {
  EXPECT_EQ(render("{{ 'a' is string }}{{ 1 is number }}{{ 1.5 is integer }}{{ 1 is integer }}{{ {} is mapping }}"
                   "{{ [] is iterable }}{{ 'a' is sequence }}{{ true is boolean }}{{ none is none }}"),
            "TrueTrueFalseTrueTrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}"
                   "{{ 'a' is equalto 'a' }}{{ true is true }}{{ 0 is false }}{{ x is undefined }}{{ 1 is not none }}"),
            "TrueTrueTrueFalseTrueTrueFalseTrueTrue");
  EXPECT_EQ(render("{{ 2 is in [1, 2] }}{{ 3 is gt 2 }}{{ 'ab' is lower }}{{ none is sameas none }}"),
            "TrueTrueTrueTrue");
}

TEST(JinjaMethods, StringMethods) {
  EXPECT_EQ(render("[{{ '  x  '.strip() }}][{{ 'xyx'.strip('x') }}][{{ '  x'.lstrip() }}][{{ 'x\n'.rstrip() }}]"),
            "[x][y][x][x]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}"),
            "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b,c'] ['a,b', 'c']");
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.find('c') }} {{ 'abc'.find('z') }}"),
            "True True 2 -1");
  EXPECT_EQ(render("{{ 'a\nb\r\nc'.splitlines() }} {{ 'aXbX'.replace('X', '-') }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }}"),
            "['a', 'b', 'c'] a-b- ABab");
  EXPECT_EQ(render("{{ '<{}|{}>'.format('a', 1) }} {{ '{1}{0}'.format('x', 'y') }} {{ '{n}'.format(n=3) }} {{ '{{}}'.format() }}"),
            "<a|1> yx 3 {}");
  EXPECT_EQ(render("{{ '-'.join(['a', 'b']) }} {{ 'hello'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aaa'.count('a') }}"),
            "a-b Hello Hello 3");
}

TEST(JinjaMethods, DictAndListMethods) {
  EXPECT_EQ(render("{% set d = {'a': 1, 'b': 2} %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} "
                   "{{ d.get('z') }} {{ d.get('z', 0) }}"),
            "['a', 'b'] [1, 2] 1 None 0");
  EXPECT_EQ(render("{% set ns = namespace(q=[]) %}{% set _ = ns.q.append(1) %}{% set _ = ns.q.append(2) %}"
                   "{{ ns.q.pop(0) }}{{ ns.q }}{{ [5, 6].index(6) }}{{ [1, 1].count(1) }}"),
            "1[2]12");
  EXPECT_EQ(render("{% set l = [] %}{% do l.append('x') %}{{ l }}"), "['x']");
}

TEST(JinjaGlobals, RangeNamespaceDict) {
  EXPECT_EQ(render("{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3, 0, -1) | list }}"),
            "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}"), "{'a': 1, 'b': 'x'} 1");
  EXPECT_EQ(error_of("{{ range(1, 2, 0) }}"), "line 1, column 4: range() step must not be zero");
}

}  // namespace

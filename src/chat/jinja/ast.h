// The syntax tree the parser builds and the evaluator walks. Nodes are plain
// tagged structs; each kind documents which fields it uses.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/lexer.h"
#include "chat/jinja/value.h"

namespace hearth::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Literal,  // literal
  Name,     // name
  ListLiteral,  // items: elements (tuples are lists too)
  DictLiteral,  // items: key0, value0, key1, value1, ...
  Attr,     // a.name
  Index,    // a[b]
  Slice,    // a[items[0]:items[1]:items[2]] (null items are omitted bounds)
  Call,     // a(items..., kwargs...)
  Filter,   // a | name(items..., kwargs...); a is null inside {% filter %}
  Test,     // a is [not: negated] name(items...)
  Unary,    // op a
  Binary,   // a op b
  Cond,     // a if b else c (c null: undefined)
};

enum class Op {
  None,
  Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat,
  Eq, Ne, Lt, Le, Gt, Ge, In, NotIn,
  And, Or, Not, Neg, Pos,
};

struct Expr {
  ExprKind kind;
  Pos pos;
  Value literal;
  std::string name;
  Op op = Op::None;
  bool negated = false;
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null: undefined when not passed
};

enum class NodeKind {
  Text,         // text
  Output,       // {{ expr }}
  If,           // branches: (cond, body)...; else_body
  For,          // for targets in expr [if cond]: body [else: else_body]
  Set,          // set target = expr  (target: Name, Attr or List of Names)
  SetBlock,     // set targets[0] [| filter] %} body {% endset  (filter: Filter chain)
  Macro,        // macro name(params): body
  CallBlock,    // call(params) expr: body  (body is `caller`)
  FilterBlock,  // filter <filter chain> : body
  Break,
  Continue,
  Do,           // do expr
};

struct Node {
  NodeKind kind;
  Pos pos;
  std::string text;
  std::string name;
  ExprPtr expr;
  ExprPtr target;
  ExprPtr cond;
  ExprPtr filter;
  std::vector<std::string> targets;
  std::vector<std::pair<ExprPtr, Body>> branches;
  std::vector<MacroParam> params;
  Body body;
  Body else_body;
};

// A parsed template. Parsing throws TemplateError with line and column.
struct Program {
  Body body;
};

Program parse(std::string_view source);

}  // namespace hearth::jinja

// Recursive-descent parser for the Jinja subset chat templates use.
// Expression precedence follows Jinja2, lowest first:
//   x if c else y | or | and | not | comparisons, in, not in
//   | + - | ~ | * / // % | ** | unary - + | primary with . [] () and | filter, is test
#include <cstdlib>

#include "chat/jinja/ast.h"
#include "chat/jinja/limits.h"
#include "chat/jinja/renderer.h"

namespace hearth::jinja {

namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Program run() {
    Program prog;
    prog.body = parse_body({});
    if (peek().kind != Tok::Eof) fail_at(peek(), "unexpected '{% " + end_name_ + " %}'");
    return prog;
  }

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& peek(size_t ahead = 0) const {
    const size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is_op(std::string_view op, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::Op && peek(ahead).text == op;
  }
  bool is_name(std::string_view n, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::Name && peek(ahead).text == n;
  }
  bool accept_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool accept_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  [[noreturn]] static void fail_at(const Token& t, const std::string& what) {
    throw TemplateError(where(t.pos) + what);
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::Eof: return "end of template";
      case Tok::VarEnd: return "'}}'";
      case Tok::BlockEnd: return "'%}'";
      case Tok::Text: return "text";
      case Tok::String: return "string literal";
      default: return "'" + t.text + "'";
    }
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) fail_at(peek(), "expected '" + std::string(op) + "', got " + describe(peek()));
  }
  std::string expect_name() {
    if (peek().kind != Tok::Name) fail_at(peek(), "expected a name, got " + describe(peek()));
    return next().text;
  }
  void expect_block_end() {
    if (peek().kind != Tok::BlockEnd) fail_at(peek(), "expected '%}', got " + describe(peek()));
    next();
  }

  // Guards recursion so hostile input cannot overflow the stack.
  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, const Token& at) : p(parser) {
      if (++p.depth_ > kLimits.max_parse_depth) fail_at(at, "template nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };

  static ExprPtr make(ExprKind kind, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  // ---- statements --------------------------------------------------------
  // Parses nodes until a {% tag %} whose name is in `ends` (left unconsumed:
  // pos_ points at its name) or end of input.
  Body parse_body(const std::vector<std::string_view>& ends) {
    DepthGuard guard(*this, peek());
    Body body;
    while (true) {
      const Token& t = peek();
      if (t.kind == Tok::Eof) {
        if (!ends.empty()) fail_at(t, "unexpected end of template, expected '{% " + std::string(ends.back()) + " %}'");
        return body;
      }
      if (t.kind == Tok::Text) {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Text;
        n->pos = t.pos;
        n->text = next().text;
        body.push_back(std::move(n));
      } else if (t.kind == Tok::VarBegin) {
        next();
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Output;
        n->pos = t.pos;
        n->expr = parse_expr();
        if (peek().kind != Tok::VarEnd) fail_at(peek(), "expected '}}', got " + describe(peek()));
        next();
        body.push_back(std::move(n));
      } else if (t.kind == Tok::BlockBegin) {
        const Token& name = peek(1);
        if (name.kind != Tok::Name) fail_at(name, "expected a statement name after '{%'");
        for (std::string_view e : ends) {
          if (name.text == e) {
            next();  // leave pos_ at the name
            end_name_ = name.text;
            return body;
          }
        }
        next();
        body.push_back(parse_statement());
      } else {
        fail_at(t, "unexpected " + describe(t));
      }
    }
  }

  NodePtr parse_statement() {
    const Token& kw = next();
    auto n = std::make_unique<Node>();
    n->pos = kw.pos;
    const std::string& k = kw.text;
    if (k == "if") {
      parse_if(*n);
    } else if (k == "for") {
      parse_for(*n);
    } else if (k == "set") {
      parse_set(*n);
    } else if (k == "macro") {
      parse_macro(*n);
    } else if (k == "call") {
      parse_call_block(*n);
    } else if (k == "filter") {
      n->kind = NodeKind::FilterBlock;
      n->filter = parse_filter_chain(nullptr);
      expect_block_end();
      n->body = parse_block_body("endfilter");
    } else if (k == "generation") {
      // HF's {% generation %} marks assistant text for masks; it renders its content.
      n->kind = NodeKind::If;
      expect_block_end();
      auto cond = make(ExprKind::Literal, kw.pos);
      cond->literal = Value(true);
      n->branches.emplace_back(std::move(cond), parse_block_body("endgeneration"));
    } else if (k == "break" || k == "continue") {
      if (loop_depth_ == 0) fail_at(kw, "'" + k + "' outside of a for loop");
      n->kind = k == "break" ? NodeKind::Break : NodeKind::Continue;
      expect_block_end();
    } else if (k == "do") {
      n->kind = NodeKind::Do;
      n->expr = parse_expr();
      expect_block_end();
    } else {
      fail_at(kw, "unknown statement '" + k + "'");
    }
    return n;
  }

  // Body up to {% end %}, consuming the end tag.
  Body parse_block_body(std::string_view end) {
    Body b = parse_body({end});
    next();  // end name
    expect_block_end();
    return b;
  }

  void parse_if(Node& n) {
    n.kind = NodeKind::If;
    while (true) {
      ExprPtr cond = parse_expr();
      expect_block_end();
      Body body = parse_body({"elif", "else", "endif"});
      n.branches.emplace_back(std::move(cond), std::move(body));
      const std::string which = next().text;
      if (which == "elif") continue;
      if (which == "else") {
        expect_block_end();
        n.else_body = parse_block_body("endif");
      } else {
        expect_block_end();
      }
      return;
    }
  }

  void parse_for(Node& n) {
    n.kind = NodeKind::For;
    const bool paren = accept_op("(");
    do {
      n.targets.push_back(expect_name());
    } while (accept_op(","));
    if (paren) expect_op(")");
    if (!accept_name("in")) fail_at(peek(), "expected 'in' in for loop, got " + describe(peek()));
    n.expr = parse_or();  // not a conditional: `if` here filters the loop
    if (accept_name("if")) n.cond = parse_expr();
    if (accept_name("recursive")) fail_at(peek(), "recursive for loops are not supported");
    expect_block_end();
    ++loop_depth_;
    n.body = parse_body({"else", "endfor"});
    --loop_depth_;
    if (next().text == "else") {
      expect_block_end();
      n.else_body = parse_block_body("endfor");
    } else {
      expect_block_end();
    }
  }

  void parse_set(Node& n) {
    const Token& first = peek();
    std::string name = expect_name();
    if (is_op(".")) {  // set ns.attr = value
      next();
      auto target = make(ExprKind::Attr, first.pos);
      target->a = make(ExprKind::Name, first.pos);
      target->a->name = name;
      target->name = expect_name();
      n.kind = NodeKind::Set;
      n.target = std::move(target);
      expect_op("=");
      n.expr = parse_tuple();
      expect_block_end();
      return;
    }
    std::vector<std::string> names{name};
    while (accept_op(",")) names.push_back(expect_name());
    if (names.size() == 1 && (peek().kind == Tok::BlockEnd || is_op("|"))) {
      n.kind = NodeKind::SetBlock;
      n.targets = names;
      if (accept_op("|")) n.filter = parse_filter_chain(nullptr);
      expect_block_end();
      n.body = parse_block_body("endset");
      return;
    }
    n.kind = NodeKind::Set;
    n.targets = names;
    expect_op("=");
    n.expr = parse_tuple();
    expect_block_end();
  }

  std::vector<MacroParam> parse_params() {
    std::vector<MacroParam> params;
    expect_op("(");
    while (!accept_op(")")) {
      if (!params.empty()) expect_op(",");
      if (accept_op(")")) break;
      MacroParam p;
      p.name = expect_name();
      if (accept_op("=")) p.default_value = parse_expr();
      params.push_back(std::move(p));
    }
    return params;
  }

  void parse_macro(Node& n) {
    n.kind = NodeKind::Macro;
    n.name = expect_name();
    n.params = parse_params();
    expect_block_end();
    const int saved = loop_depth_;
    loop_depth_ = 0;
    n.body = parse_block_body("endmacro");
    loop_depth_ = saved;
  }

  void parse_call_block(Node& n) {
    n.kind = NodeKind::CallBlock;
    if (is_op("(")) n.params = parse_params();
    n.expr = parse_expr();
    if (n.expr->kind != ExprKind::Call) fail_at(peek(), "{% call %} needs a macro call");
    expect_block_end();
    n.body = parse_block_body("endcall");
  }

  // ---- expressions -----------------------------------------------------------
  // `a, b` without brackets (set values): a tuple when a comma follows.
  ExprPtr parse_tuple() {
    ExprPtr first = parse_expr();
    if (!is_op(",")) return first;
    auto list = make(ExprKind::ListLiteral, first->pos);
    list->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (peek().kind == Tok::BlockEnd) break;
      list->items.push_back(parse_expr());
    }
    return list;
  }

  ExprPtr parse_expr() {
    DepthGuard guard(*this, peek());
    ExprPtr e = parse_or();
    if (is_name("if")) {
      const Pos pos = next().pos;
      auto cond = make(ExprKind::Cond, pos);
      cond->a = std::move(e);
      cond->b = parse_or();
      if (accept_name("else")) cond->c = parse_expr();
      return cond;
    }
    return e;
  }

  ExprPtr binary(Op op, Pos pos, ExprPtr a, ExprPtr b) {
    auto e = make(ExprKind::Binary, pos);
    e->op = op;
    e->a = std::move(a);
    e->b = std::move(b);
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const Pos pos = next().pos;
      e = binary(Op::Or, pos, std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const Pos pos = next().pos;
      e = binary(Op::And, pos, std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this, peek());
      auto e = make(ExprKind::Unary, next().pos);
      e->op = Op::Not;
      e->a = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    ExprPtr e = parse_math1();
    while (true) {
      const Token& t = peek();
      Op op = Op::None;
      if (t.kind == Tok::Op) {
        if (t.text == "==") op = Op::Eq;
        else if (t.text == "!=") op = Op::Ne;
        else if (t.text == "<") op = Op::Lt;
        else if (t.text == "<=") op = Op::Le;
        else if (t.text == ">") op = Op::Gt;
        else if (t.text == ">=") op = Op::Ge;
      } else if (is_name("in")) {
        op = Op::In;
      } else if (is_name("not") && is_name("in", 1)) {
        next();
        op = Op::NotIn;
      }
      if (op == Op::None) return e;
      const Pos pos = next().pos;
      e = binary(op, pos, std::move(e), parse_math1());
    }
  }

  // Left-associative binary level: operators in `ops`, operands from `sub`.
  template <typename Sub>
  ExprPtr parse_level(std::initializer_list<std::pair<std::string_view, Op>> ops, Sub sub) {
    ExprPtr e = (this->*sub)();
    while (true) {
      Op op = Op::None;
      for (const auto& [text, o] : ops) {
        if (is_op(text)) op = o;
      }
      if (op == Op::None) return e;
      const Pos pos = next().pos;
      e = binary(op, pos, std::move(e), (this->*sub)());
    }
  }
  ExprPtr parse_math1() { return parse_level({{"+", Op::Add}, {"-", Op::Sub}}, &Parser::parse_concat); }
  ExprPtr parse_concat() { return parse_level({{"~", Op::Concat}}, &Parser::parse_math2); }
  ExprPtr parse_math2() {
    return parse_level({{"*", Op::Mul}, {"/", Op::Div}, {"//", Op::FloorDiv}, {"%", Op::Mod}},
                       &Parser::parse_pow);
  }
  ExprPtr parse_pow() { return parse_level({{"**", Op::Pow}}, &Parser::parse_unary_filtered); }
  ExprPtr parse_unary_filtered() { return parse_unary(true); }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, peek());
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = make(ExprKind::Unary, peek().pos);
      e->op = next().text == "-" ? Op::Neg : Op::Pos;
      e->a = parse_unary(false);
    } else {
      e = parse_postfix(parse_primary());
    }
    if (with_filter) return parse_filters_and_tests(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Name: {
        next();
        auto e = make(ExprKind::Literal, t.pos);
        if (t.text == "true" || t.text == "True") e->literal = Value(true);
        else if (t.text == "false" || t.text == "False") e->literal = Value(false);
        else if (t.text == "none" || t.text == "None") e->literal = Value::none();
        else {
          e->kind = ExprKind::Name;
          e->name = t.text;
        }
        return e;
      }
      case Tok::String: {
        auto e = make(ExprKind::Literal, t.pos);
        std::string s;
        while (peek().kind == Tok::String) s += next().text;  // adjacent literals join
        e->literal = Value(std::move(s));
        return e;
      }
      case Tok::Int: {
        next();
        auto e = make(ExprKind::Literal, t.pos);
        errno = 0;
        const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) fail_at(t, "integer literal out of range");
        e->literal = Value(static_cast<int64_t>(v));
        return e;
      }
      case Tok::Float: {
        next();
        auto e = make(ExprKind::Literal, t.pos);
        e->literal = Value(std::strtod(t.text.c_str(), nullptr));
        return e;
      }
      case Tok::Op:
        if (t.text == "(") return parse_paren();
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default: break;
    }
    fail_at(t, "unexpected " + describe(t) + " in expression");
  }

  ExprPtr parse_paren() {
    const Pos pos = next().pos;
    if (accept_op(")")) return make(ExprKind::ListLiteral, pos);  // ()
    ExprPtr first = parse_expr();
    if (accept_op(")")) return first;
    auto tuple = make(ExprKind::ListLiteral, pos);
    tuple->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (is_op(")")) break;
      tuple->items.push_back(parse_expr());
    }
    expect_op(")");
    return tuple;
  }

  ExprPtr parse_list() {
    auto e = make(ExprKind::ListLiteral, next().pos);
    while (!accept_op("]")) {
      if (!e->items.empty()) {
        expect_op(",");
        if (accept_op("]")) break;
      }
      e->items.push_back(parse_expr());
    }
    return e;
  }

  ExprPtr parse_dict() {
    auto e = make(ExprKind::DictLiteral, next().pos);
    while (!accept_op("}")) {
      if (!e->items.empty()) {
        expect_op(",");
        if (accept_op("}")) break;
      }
      e->items.push_back(parse_expr());
      expect_op(":");
      e->items.push_back(parse_expr());
    }
    return e;
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const Pos pos = next().pos;
        auto attr = make(ExprKind::Attr, pos);
        attr->a = std::move(e);
        if (peek().kind == Tok::Int) {  // x.0 is x[0]
          attr->kind = ExprKind::Index;
          attr->b = make(ExprKind::Literal, pos);
          attr->b->literal = Value(static_cast<int64_t>(std::strtoll(next().text.c_str(), nullptr, 10)));
        } else {
          attr->name = expect_name();
        }
        e = std::move(attr);
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        auto call = make(ExprKind::Call, e->pos);  // errors point at the callee
        call->a = std::move(e);
        parse_call_args(*call);
        e = std::move(call);
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj) {
    const Pos pos = next().pos;  // [
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (accept_op(":")) {
        if (++colons > 2) fail_at(peek(), "too many ':' in slice");
        continue;
      }
      if (parts[colons]) fail_at(peek(), "expected ']' or ':' in subscript");
      parts[colons] = parse_expr();
    }
    next();
    if (colons == 0) {
      if (!parts[0]) fail_at(peek(), "empty subscript");
      auto e = make(ExprKind::Index, pos);
      e->a = std::move(obj);
      e->b = std::move(parts[0]);
      return e;
    }
    auto e = make(ExprKind::Slice, pos);
    e->a = std::move(obj);
    for (auto& p : parts) e->items.push_back(std::move(p));
    return e;
  }

  void parse_call_args(Expr& call) {
    expect_op("(");
    bool first = true;
    while (!accept_op(")")) {
      if (!first) {
        expect_op(",");
        if (accept_op(")")) break;
      }
      first = false;
      if (peek().kind == Tok::Name && is_op("=", 1)) {
        std::string key = next().text;
        next();
        call.kwargs.emplace_back(std::move(key), parse_expr());
      } else {
        if (!call.kwargs.empty()) fail_at(peek(), "positional argument after keyword argument");
        call.items.push_back(parse_expr());
      }
    }
  }

  // `| f(args) | g` chains; `base` is null for {% filter %} / {% set x | f %}.
  ExprPtr parse_filter_chain(ExprPtr base) {
    do {
      const Token& name = peek();
      auto f = make(ExprKind::Filter, name.pos);
      f->name = expect_name();
      if (!is_filter(f->name)) fail_at(name, "unknown filter '" + f->name + "'");
      f->a = std::move(base);
      if (is_op("(")) parse_call_args(*f);
      base = std::move(f);
    } while (accept_op("|"));
    return base;
  }

  ExprPtr parse_filters_and_tests(ExprPtr e) {
    while (true) {
      if (accept_op("|")) {
        e = parse_filter_chain(std::move(e));
      } else if (is_name("is")) {
        auto t = make(ExprKind::Test, next().pos);
        t->negated = accept_name("not");
        const Token& test_name = peek();
        t->name = expect_name();
        if (!is_test(t->name)) fail_at(test_name, "unknown test '" + t->name + "'");
        t->a = std::move(e);
        if (is_op("(")) {
          parse_call_args(*t);
        } else if (starts_test_argument()) {
          t->items.push_back(parse_postfix(parse_primary()));
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  // `x is divisibleby 3`: a test may take one argument without parentheses.
  bool starts_test_argument() const {
    const Token& t = peek();
    if (t.kind == Tok::Name) return t.text != "else" && t.text != "or" && t.text != "and" && t.text != "if";
    return t.kind == Tok::String || t.kind == Tok::Int || t.kind == Tok::Float || is_op("[") || is_op("{");
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::string end_name_;
};

}  // namespace

Program parse(std::string_view source) { return Parser(tokenize(source)).run(); }

}  // namespace hearth::jinja

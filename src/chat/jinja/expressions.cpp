// Expression evaluation: operators with Python semantics, attribute/item
// access, slicing, calls and the filter/test dispatch.
#include <algorithm>
#include <cmath>

#include "chat/jinja/renderer.h"
#include "chat/jinja/utf8.h"

namespace hearth::jinja {

void fail(const std::string& what) { throw EvalError(what); }

namespace {

std::string op_name(Op op) {
  switch (op) {
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::FloorDiv: return "//";
    case Op::Mod: return "%";
    case Op::Pow: return "**";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    default: return "?";
  }
}

[[noreturn]] void bad_operands(Op op, const Value& a, const Value& b) {
  if (a.is_undefined() || b.is_undefined()) {
    const Value& u = a.is_undefined() ? a : b;
    fail((u.undefined_name().empty() ? std::string("value") : "'" + u.undefined_name() + "'") +
         " is undefined (used with '" + op_name(op) + "')");
  }
  fail("unsupported operand types for " + op_name(op) + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool is_numeric(const Value& v) { return v.is_number() || v.is_bool(); }
bool is_integral(const Value& v) { return v.is_int() || v.is_bool(); }
int64_t to_int(const Value& v) { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int(); }

// Integer arithmetic that fails instead of overflowing (Python would widen).
int64_t checked_add(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_add_overflow(x, y, &r)) fail("integer overflow");
  return r;
}
int64_t checked_sub(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_sub_overflow(x, y, &r)) fail("integer overflow");
  return r;
}
int64_t checked_mul(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_mul_overflow(x, y, &r)) fail("integer overflow");
  return r;
}

Value int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked_mul(result, base);
    exp >>= 1;
    if (exp > 0) base = checked_mul(base, base);
  }
  return Value(result);
}

// Python's floor division and modulo (results take the divisor's sign).
Value floor_div(const Value& a, const Value& b) {
  if (is_integral(a) && is_integral(b)) {
    const int64_t x = to_int(a), y = to_int(b);
    if (y == 0) fail("integer division by zero");
    if (x == INT64_MIN && y == -1) fail("integer overflow");
    int64_t q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
    return Value(q);
  }
  if (b.as_number() == 0) fail("float division by zero");
  return Value(std::floor(a.as_number() / b.as_number()));
}

Value modulo(const Value& a, const Value& b) {
  if (is_integral(a) && is_integral(b)) {
    const int64_t x = to_int(a), y = to_int(b);
    if (y == 0) fail("integer modulo by zero");
    if (y == -1) return Value(int64_t{0});
    int64_t m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  const double y = b.as_number();
  if (y == 0) fail("float modulo by zero");
  double m = std::fmod(a.as_number(), y);
  if (m != 0 && ((m < 0) != (y < 0))) m += y;
  return Value(m);
}

Value repeat(Renderer& r, const Value& seq, int64_t times) {
  if (times <= 0) return seq.is_string() ? Value(std::string()) : Value(List{});
  // Divide rather than multiply: size * times may overflow.
  const size_t unit = std::max<size_t>(seq.is_string() ? seq.as_string().size() : seq.list().size(), 1);
  if (static_cast<uint64_t>(times) > r.limits().max_output_bytes / unit) r.check_size(SIZE_MAX);
  if (seq.is_string()) {
    r.check_size(seq.as_string().size() * static_cast<uint64_t>(times));
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  r.step(seq.list().size() * static_cast<uint64_t>(times));
  List out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), seq.list().begin(), seq.list().end());
  return Value(std::move(out));
}

Value arithmetic(Renderer& r, Op op, const Value& a, const Value& b) {
  if (is_numeric(a) && is_numeric(b)) {
    const bool ints = is_integral(a) && is_integral(b);
    const int64_t x = ints ? to_int(a) : 0, y = ints ? to_int(b) : 0;
    switch (op) {
      case Op::Add: return ints ? Value(checked_add(x, y)) : Value(a.as_number() + b.as_number());
      case Op::Sub: return ints ? Value(checked_sub(x, y)) : Value(a.as_number() - b.as_number());
      case Op::Mul: return ints ? Value(checked_mul(x, y)) : Value(a.as_number() * b.as_number());
      case Op::Div:
        if (b.as_number() == 0) fail("division by zero");
        return Value(a.as_number() / b.as_number());
      case Op::FloorDiv: return floor_div(a, b);
      case Op::Mod: return modulo(a, b);
      case Op::Pow:
        if (ints && y >= 0) return int_pow(x, y);
        return Value(std::pow(a.as_number(), b.as_number()));
      default: break;
    }
  }
  if (op == Op::Add && a.is_string() && b.is_string()) {
    r.check_size(a.as_string().size() + b.as_string().size());
    return Value(a.as_string() + b.as_string());
  }
  if (op == Op::Add && a.is_list() && b.is_list()) {
    r.step(a.list().size() + b.list().size());
    List out = a.list();
    out.insert(out.end(), b.list().begin(), b.list().end());
    return Value(std::move(out));
  }
  if (op == Op::Mul && (a.is_string() || a.is_list()) && is_integral(b)) return repeat(r, a, to_int(b));
  if (op == Op::Mul && (b.is_string() || b.is_list()) && is_integral(a)) return repeat(r, b, to_int(a));
  bad_operands(op, a, b);
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) fail("'in <string>' requires a string on the left, not " + item.type_name());
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const Value& v : container.list()) {
      if (v == item) return true;
    }
    return false;
  }
  if (container.is_dict()) return item.is_string() && container.dict().find(item.as_string()) != nullptr;
  if (container.is_undefined()) return false;
  fail("argument of type '" + container.type_name() + "' is not iterable");
}

int64_t normalize_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

}  // namespace

bool less_than(const Value& a, const Value& b) {
  if (is_numeric(a) && is_numeric(b)) {
    if (is_integral(a) && is_integral(b)) return to_int(a) < to_int(b);
    return a.as_number() < b.as_number();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    const List& x = a.list();
    const List& y = b.list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (less_than(x[i], y[i])) return true;
      if (less_than(y[i], x[i])) return false;
    }
    return x.size() < y.size();
  }
  bad_operands(Op::Lt, a, b);
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::Array: return v.list();
    case Kind::Dict: {
      List keys;
      for (const auto& kv : v.dict().items) keys.emplace_back(kv.first);
      return keys;
    }
    case Kind::String: {
      List chars;
      for (char32_t cp : utf8::decode(v.as_string())) {
        std::string s;
        utf8::append(s, cp);
        chars.emplace_back(std::move(s));
      }
      return chars;
    }
    case Kind::Undefined: return {};
    default: fail("'" + v.type_name() + "' object is not iterable");
  }
}

Value get_attr(Renderer& r, const Value& obj, const std::string& name) {
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().find(name)) return *v;
  }
  if (!obj.is_dict() || !obj.dict().is_namespace) {
    if (has_method(obj, name)) {
      Renderer* rp = &r;
      return Value::callable(name, [rp, obj, name](const CallArgs& args) { return call_method(*rp, obj, name, args); });
    }
  }
  return Value::undefined(name);
}

Value get_item(Renderer& r, const Value& obj, const Value& key) {
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().find(key)) return *v;
    return Value::undefined(key.str());
  }
  if ((obj.is_list() || obj.is_string()) && is_integral(key)) {
    if (obj.is_list()) {
      const auto n = static_cast<int64_t>(obj.list().size());
      const int64_t i = normalize_index(to_int(key), n);
      if (i < 0 || i >= n) return Value::undefined();
      return obj.list()[static_cast<size_t>(i)];
    }
    const auto cps = utf8::decode(obj.as_string());
    const int64_t i = normalize_index(to_int(key), static_cast<int64_t>(cps.size()));
    if (i < 0 || i >= static_cast<int64_t>(cps.size())) return Value::undefined();
    std::string s;
    utf8::append(s, cps[static_cast<size_t>(i)]);
    return Value(std::move(s));
  }
  if (key.is_string()) return get_attr(r, obj, key.as_string());
  return Value::undefined();
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto opt_int = [](const Value& v, int64_t fallback) {
    if (v.is_undefined() || v.is_none()) return fallback;
    if (!is_integral(v)) fail("slice indices must be integers or none");
    return to_int(v);
  };
  const int64_t step = opt_int(step_v, 1);
  if (step == 0) fail("slice step cannot be zero");
  std::vector<char32_t> cps;
  int64_t n = 0;
  if (obj.is_list()) n = static_cast<int64_t>(obj.list().size());
  else if (obj.is_string()) n = static_cast<int64_t>((cps = utf8::decode(obj.as_string())).size());
  else if (obj.is_undefined()) return obj;
  else fail("'" + obj.type_name() + "' object is not subscriptable");
  // Python's slice.indices(): clamp bounds for the step's direction.
  auto clamp = [&](int64_t i) {
    if (i < 0) i += n;
    return step > 0 ? std::clamp<int64_t>(i, 0, n) : std::clamp<int64_t>(i, -1, n - 1);
  };
  int64_t start = step > 0 ? 0 : n - 1;
  int64_t stop = step > 0 ? n : -1;
  if (!start_v.is_undefined() && !start_v.is_none()) start = clamp(opt_int(start_v, 0));
  if (!stop_v.is_undefined() && !stop_v.is_none()) stop = clamp(opt_int(stop_v, 0));
  List items;
  std::vector<char32_t> out_cps;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_list()) items.push_back(obj.list()[static_cast<size_t>(i)]);
    else out_cps.push_back(cps[static_cast<size_t>(i)]);
  }
  if (obj.is_list()) return Value(std::move(items));
  return Value(utf8::encode(out_cps));
}

// ---- the expression evaluator ------------------------------------------------

Value Renderer::eval(const Expr& e) {
  try {
    return eval_inner(e);
  } catch (const EvalError& err) {
    throw TemplateError(where(e.pos) + err.what());
  }
}

CallArgs Renderer::eval_args(const Expr& e) {
  CallArgs args;
  for (const auto& item : e.items) args.positional.push_back(eval(*item));
  for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v));
  return args;
}

Value Renderer::eval_inner(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: return e.literal;
    case ExprKind::Name: return lookup(e.name);
    case ExprKind::ListLiteral: {
      List l;
      for (const auto& item : e.items) l.push_back(eval(*item));
      return Value(std::move(l));
    }
    case ExprKind::DictLiteral: {
      Dict d;
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        const Value k = eval(*e.items[i]);
        if (k.is_list() || k.is_dict() || k.is_undefined()) fail("unhashable dict key of type " + k.type_name());
        d.set(k, eval(*e.items[i + 1]));
      }
      return Value(std::move(d));
    }
    case ExprKind::Attr: return get_attr(*this, eval(*e.a), e.name);
    case ExprKind::Index: return get_item(*this, eval(*e.a), eval(*e.b));
    case ExprKind::Slice: {
      auto part = [&](size_t i) { return e.items[i] ? eval(*e.items[i]) : Value(); };
      return slice(eval(*e.a), part(0), part(1), part(2));
    }
    case ExprKind::Call: return eval_call(e, nullptr);
    case ExprKind::Filter: return eval_filter(e, nullptr);
    case ExprKind::Test: {
      const Value in = eval(*e.a);
      const bool r = apply_test(*this, e.name, in, eval_args(e));
      return Value(e.negated ? !r : r);
    }
    case ExprKind::Unary: {
      const Value v = eval(*e.a);
      if (e.op == Op::Not) return Value(!v.truthy());
      if (v.is_float()) return Value(e.op == Op::Neg ? -v.as_number() : v.as_number());
      if (!is_integral(v)) fail("bad operand type for unary " + std::string(e.op == Op::Neg ? "-" : "+") + ": '" + v.type_name() + "'");
      if (e.op == Op::Pos) return Value(to_int(v));
      if (to_int(v) == INT64_MIN) fail("integer overflow");
      return Value(-to_int(v));
    }
    case ExprKind::Binary: return eval_binary(e);
    case ExprKind::Cond: return eval(*e.b).truthy() ? eval(*e.a) : (e.c ? eval(*e.c) : Value());
  }
  return Value();
}

Value Renderer::eval_binary(const Expr& e) {
  if (e.op == Op::And || e.op == Op::Or) {
    Value a = eval(*e.a);
    if (a.truthy() == (e.op == Op::Or)) return a;
    return eval(*e.b);
  }
  const Value a = eval(*e.a);
  const Value b = eval(*e.b);
  switch (e.op) {
    case Op::Concat: {
      std::string s = a.str();
      const std::string t = b.str();
      check_size(s.size() + t.size());
      return Value(s + t);
    }
    case Op::Eq: return Value(a == b);
    case Op::Ne: return Value(!(a == b));
    case Op::Lt: return Value(less_than(a, b));
    case Op::Gt: return Value(less_than(b, a));
    case Op::Le: return Value(a == b || less_than(a, b));
    case Op::Ge: return Value(a == b || less_than(b, a));
    case Op::In: return Value(contains(b, a));
    case Op::NotIn: return Value(!contains(b, a));
    default: return arithmetic(*this, e.op, a, b);
  }
}

Value Renderer::eval_call(const Expr& e, const Value* caller) {
  const Value callee = eval(*e.a);
  CallArgs args = eval_args(e);
  if (caller) args.keyword.emplace_back("caller", *caller);
  if (callee.is_undefined()) {
    fail("'" + (callee.undefined_name().empty() ? std::string("value") : callee.undefined_name()) +
         "' is undefined and cannot be called");
  }
  if (!callee.is_callable()) fail("'" + callee.type_name() + "' object is not callable");
  return call(callee, args);
}

Value Renderer::call(const Value& callee, const CallArgs& args) { return callee.callable().fn(args); }

Value Renderer::eval_filter(const Expr& e, const Value* input) {
  // In a {% filter %} block the innermost filter of the chain takes `input`.
  Value in;
  if (!e.a) in = input ? *input : Value();
  else if (input && e.a->kind == ExprKind::Filter) in = eval_filter(*e.a, input);
  else in = eval(*e.a);
  return apply_filter(*this, e.name, in, eval_args(e));
}

}  // namespace hearth::jinja

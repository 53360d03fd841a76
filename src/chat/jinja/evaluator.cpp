// Statement execution: output, if, for (with the loop object), set,
// macros and call blocks, filter blocks; plus the always-present globals.
#include "chat/jinja/renderer.h"
#include "chat/jinja/template.h"

namespace hearth::jinja {

namespace {

Value make_range(Renderer& r, const CallArgs& args) {
  auto num = [](const Value& v) {
    if (!v.is_int() && !v.is_bool()) fail("range() arguments must be integers, not " + v.type_name());
    return v.is_bool() ? int64_t{v.as_bool()} : v.as_int();
  };
  const auto& pos = args.positional;
  if (pos.empty() || pos.size() > 3) fail("range() takes 1 to 3 arguments");
  int64_t start = 0, stop = 0, step = 1;
  if (pos.size() == 1) {
    stop = num(pos[0]);
  } else {
    start = num(pos[0]);
    stop = num(pos[1]);
    if (pos.size() == 3) step = num(pos[2]);
  }
  if (step == 0) fail("range() step must not be zero");
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    r.step();
    out.emplace_back(i);
    if (__builtin_add_overflow(i, step, &i)) break;
  }
  return Value(std::move(out));
}

Value make_dict(const CallArgs& args, bool is_namespace) {
  Dict d;
  d.is_namespace = is_namespace;
  for (const Value& p : args.positional) {
    if (!p.is_dict()) fail(std::string(is_namespace ? "namespace" : "dict") + "() positional argument must be a dict");
    for (const auto& [k, v] : p.dict().items) d.set(k, v);
  }
  for (const auto& [k, v] : args.keyword) d.set(k, v);
  return Value(std::move(d));
}

// The `loop` variable of a for loop, rebuilt for each iteration.
Value make_loop(const List& items, size_t i) {
  const auto n = static_cast<int64_t>(items.size());
  const auto idx = static_cast<int64_t>(i);
  Dict loop;
  loop.set("index", Value(idx + 1));
  loop.set("index0", Value(idx));
  loop.set("revindex", Value(n - idx));
  loop.set("revindex0", Value(n - idx - 1));
  loop.set("first", Value(i == 0));
  loop.set("last", Value(idx == n - 1));
  loop.set("length", Value(n));
  loop.set("depth", Value(int64_t{1}));
  loop.set("depth0", Value(int64_t{0}));
  if (i > 0) loop.set("previtem", items[i - 1]);
  if (idx + 1 < n) loop.set("nextitem", items[i + 1]);
  loop.set("cycle", Value::callable("loop.cycle", [i](const CallArgs& args) {
             if (args.positional.empty()) fail("loop.cycle() needs at least one argument");
             return args.positional[i % args.positional.size()];
           }));
  return Value(std::move(loop));
}

}  // namespace

Renderer::Renderer(const Limits& limits, const Dict& context) : limits_(limits) {
  auto globals = std::make_shared<Scope>();
  Renderer* self = this;
  globals->vars["range"] = Value::callable("range", [self](const CallArgs& a) { return make_range(*self, a); });
  globals->vars["namespace"] = Value::callable("namespace", [](const CallArgs& a) { return make_dict(a, true); });
  globals->vars["dict"] = Value::callable("dict", [](const CallArgs& a) { return make_dict(a, false); });
  // Deep copies: the template may mutate lists (append/pop) or store values
  // that refer to this renderer; neither may reach the caller's context.
  for (const auto& [k, v] : context.items) globals->vars[k.str()] = v.deep_copy();
  scope_ = std::make_shared<Scope>();
  scope_->parent = globals;
}

void Renderer::step(uint64_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps) {
    fail("template exceeded the step limit (" + std::to_string(limits_.max_steps) + " loop iterations/elements)");
  }
}

void Renderer::check_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes) {
    fail("template output exceeded the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
  }
}

void Renderer::write(const std::string& s) {
  check_size(out_->size() + s.size());
  *out_ += s;
}

std::string Renderer::render(const Body& body) {
  std::string out;
  out_ = &out;
  exec(body);
  return out;
}

std::string Renderer::capture(const Body& body) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec(body);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

Value Renderer::lookup(const std::string& name) const {
  for (const Scope* s = scope_.get(); s; s = s->parent.get()) {
    const auto it = s->vars.find(name);
    if (it != s->vars.end()) return it->second;
  }
  return Value::undefined(name);
}

void Renderer::assign(const std::string& name, Value v) { scope_->vars[name] = std::move(v); }

void Renderer::unpack(const std::vector<std::string>& names, const Value& v) {
  if (names.size() == 1) {
    assign(names[0], v);
    return;
  }
  const List items = iterate(v);
  if (items.size() != names.size()) {
    fail("cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(names.size()) + " names");
  }
  for (size_t i = 0; i < names.size(); ++i) assign(names[i], items[i]);
}

Renderer::Flow Renderer::exec(const Body& body) {
  for (const auto& n : body) {
    const Flow f = exec_node(*n);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Renderer::Flow Renderer::exec_node(const Node& n) {
  try {
    switch (n.kind) {
      case NodeKind::Text: write(n.text); break;
      case NodeKind::Output: write(eval(*n.expr).str()); break;
      case NodeKind::If:
        for (const auto& [cond, body] : n.branches) {
          if (eval(*cond).truthy()) return exec(body);
        }
        return exec(n.else_body);
      case NodeKind::For: return exec_for(n);
      case NodeKind::Set:
      case NodeKind::SetBlock: exec_set(n); break;
      case NodeKind::Macro: exec_macro_def(n); break;
      case NodeKind::CallBlock: write(eval_call_block(n)); break;
      case NodeKind::FilterBlock: {
        const Value body = Value(capture(n.body));
        write(eval_filter(*n.filter, &body).str());
        break;
      }
      case NodeKind::Break: return Flow::Break;
      case NodeKind::Continue: return Flow::Continue;
      case NodeKind::Do: eval(*n.expr); break;
    }
  } catch (const EvalError& err) {
    throw TemplateError(where(n.pos) + err.what());
  }
  return Flow::Normal;
}

Renderer::Flow Renderer::exec_for(const Node& n) {
  const Value seq = eval(*n.expr);
  if (seq.is_none()) fail("'NoneType' object is not iterable (for loop over none)");
  List all = iterate(seq);
  auto loop_scope = std::make_shared<Scope>();
  loop_scope->parent = scope_;
  struct Restore {
    Renderer& r;
    std::shared_ptr<Scope> saved;
    ~Restore() { r.scope_ = saved; }
  } restore{*this, scope_};
  scope_ = loop_scope;
  // `for x in xs if cond` filters first, so loop.length counts kept items.
  List items;
  if (n.cond) {
    for (const Value& v : all) {
      step();
      unpack(n.targets, v);
      if (eval(*n.cond).truthy()) items.push_back(v);
    }
  } else {
    items = std::move(all);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    step();
    unpack(n.targets, items[i]);
    assign("loop", make_loop(items, i));
    if (exec(n.body) == Flow::Break) break;
  }
  if (items.empty()) exec(n.else_body);
  return Flow::Normal;
}

void Renderer::exec_set(const Node& n) {
  if (n.kind == NodeKind::SetBlock) {
    Value v(capture(n.body));
    if (n.filter) v = eval_filter(*n.filter, &v);
    assign(n.targets[0], std::move(v));
    return;
  }
  Value v = eval(*n.expr);
  if (n.target) {  // set ns.attr = v
    const Value obj = eval(*n.target->a);
    if (!obj.is_dict() || !obj.dict().is_namespace) {
      fail("cannot set attribute '" + n.target->name + "' on a " + obj.type_name() + " (only on namespace())");
    }
    obj.dict().set(n.target->name, std::move(v));
    return;
  }
  unpack(n.targets, v);
}

void Renderer::exec_macro_def(const Node& n) {
  const Node* macro = &n;
  closures_.push_back(scope_);
  std::weak_ptr<Scope> closure = scope_;
  Renderer* self = this;
  assign(n.name, Value::callable(n.name, [self, macro, closure](const CallArgs& args) {
           return self->call_macro(*macro, closure, args);
         }));
}

Value Renderer::call_macro(const Node& macro, const std::weak_ptr<Scope>& closure, const CallArgs& args) {
  if (call_depth_ >= limits_.max_call_depth) {
    fail("macro '" + macro.name + "' nested deeper than " + std::to_string(limits_.max_call_depth) + " calls");
  }
  step();
  auto frame = std::make_shared<Scope>();
  frame->parent = closure.lock();
  struct Restore {
    Renderer& r;
    std::shared_ptr<Scope> saved;
    ~Restore() {
      r.scope_ = saved;
      --r.call_depth_;
    }
  } restore{*this, scope_};
  ++call_depth_;
  scope_ = frame;
  List varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < macro.params.size()) frame->vars[macro.params[i].name] = args.positional[i];
    else varargs.push_back(args.positional[i]);
  }
  Dict kwargs;
  for (const auto& [k, v] : args.keyword) {
    bool is_param = false;
    for (const auto& p : macro.params) is_param = is_param || p.name == k;
    if (is_param || k == "caller") frame->vars[k] = v;
    else kwargs.set(k, v);
  }
  for (const auto& p : macro.params) {
    if (frame->vars.count(p.name)) continue;
    frame->vars[p.name] = p.default_value ? eval(*p.default_value) : Value::undefined(p.name);
  }
  frame->vars["varargs"] = Value(std::move(varargs));
  frame->vars["kwargs"] = Value(std::move(kwargs));
  return Value(capture(macro.body));
}

std::string Renderer::eval_call_block(const Node& n) {
  const Node* block = &n;
  closures_.push_back(scope_);
  std::weak_ptr<Scope> closure = scope_;
  Renderer* self = this;
  // `caller(args)` renders the block body as a parameterised macro.
  const Value caller = Value::callable("caller", [self, block, closure](const CallArgs& args) {
    return self->call_macro(*block, closure, args);
  });
  return eval_call(*n.expr, &caller).str();
}

// ---- Template ----------------------------------------------------------------

Template::Template(std::string_view source) : program_(std::make_shared<Program>(parse(source))) {}

std::string Template::render(const Dict& context, const Limits& limits) const {
  Renderer r(limits, context);
  return r.render(program_->body);
}

}  // namespace hearth::jinja

#include "chat/jinja/lexer.h"

#include <algorithm>
#include <cctype>

#include "chat/jinja/utf8.h"
#include "chat/jinja/value.h"

namespace hearth::jinja {

std::string where(Pos p) {
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.col) + ": ";
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    size_t i = 0;
    bool strip_next = false;  // the previous tag ended with '-'
    while (true) {
      const size_t tag = find_tag(i);
      const size_t text_end = tag == std::string_view::npos ? src_.size() : tag;
      size_t text_begin = i;
      if (strip_next) {
        while (text_begin < text_end && is_space(src_[text_begin])) ++text_begin;
      }
      std::string_view text = src_.substr(text_begin, text_end - text_begin);
      if (tag == std::string_view::npos) {
        emit_text(text, text_begin);
        break;
      }
      const char kind = src_[tag + 1];
      const char mod = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (mod == '-') {
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      } else if (mod != '+' && kind != '{') {
        text = lstrip_block_line(text, text_begin);
      }
      emit_text(text, text_begin);
      const size_t body = tag + 2 + (mod == '-' || mod == '+' ? 1 : 0);
      if (kind == '#') {
        i = lex_comment(tag, body, strip_next);
      } else if (kind == '%' && is_raw_open(body)) {
        i = lex_raw(tag, body, strip_next);
      } else {
        i = lex_tag(tag, body, kind == '{', strip_next);
      }
    }
    tokens_.push_back({Tok::Eof, "", pos_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  Pos pos_at(size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());
    return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  [[noreturn]] void fail(size_t offset, const std::string& what) const {
    throw TemplateError(where(pos_at(offset)) + what);
  }

  size_t find_tag(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string_view::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
    }
    return std::string_view::npos;
  }

  void emit_text(std::string_view text, size_t offset) {
    if (!text.empty()) tokens_.push_back({Tok::Text, std::string(text), pos_at(offset)});
  }

  // lstrip_blocks: drop spaces/tabs between the start of a line and a block tag.
  std::string_view lstrip_block_line(std::string_view text, size_t text_begin) const {
    const size_t nl = text.rfind('\n');
    const size_t line_begin = nl == std::string_view::npos ? 0 : nl + 1;
    const bool at_line_start = line_begin > 0 || text_begin == 0 || src_[text_begin - 1] == '\n';
    if (!at_line_start) return text;
    for (size_t k = line_begin; k < text.size(); ++k) {
      if (text[k] == '\n' || !is_space(text[k])) return text;
    }
    return text.substr(0, line_begin);
  }

  // After a block/comment end: '-' strips all following whitespace (at the
  // next text), otherwise trim_blocks eats one newline.
  size_t after_block_end(size_t end_delim, bool dash, bool& strip_next) const {
    size_t i = end_delim + 2;
    strip_next = dash;
    if (!dash && i < src_.size() && src_[i] == '\n') ++i;
    return i;
  }

  size_t lex_comment(size_t tag, size_t body, bool& strip_next) {
    const size_t end = src_.find("#}", body);
    if (end == std::string_view::npos) fail(tag, "unclosed comment '{#'");
    const bool dash = end > body && src_[end - 1] == '-';
    return after_block_end(end, dash, strip_next);
  }

  bool is_raw_open(size_t body) const {
    size_t p = body;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.substr(p, 3) != "raw") return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (p < src_.size() && src_[p] == '-') ++p;
    return src_.substr(p, 2) == "%}";
  }

  size_t lex_raw(size_t tag, size_t body, bool& strip_next) {
    const size_t open_end = src_.find("%}", body);
    bool strip_content = false;
    size_t content = after_block_end(open_end, src_[open_end - 1] == '-', strip_content);
    // Find {%[-+]? endraw [-]?%}.
    for (size_t p = src_.find("{%", content); p != std::string_view::npos; p = src_.find("{%", p + 2)) {
      size_t q = p + 2;
      const bool dash_before = q < src_.size() && src_[q] == '-';
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ++q;
      while (q < src_.size() && is_space(src_[q])) ++q;
      if (src_.substr(q, 6) != "endraw") continue;
      q += 6;
      while (q < src_.size() && is_space(src_[q])) ++q;
      const bool dash_after = q < src_.size() && src_[q] == '-';
      if (dash_after) ++q;
      if (src_.substr(q, 2) != "%}") continue;
      std::string_view text = src_.substr(content, p - content);
      if (strip_content) {
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
      }
      if (dash_before) {
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      }
      emit_text(text, content);
      return after_block_end(q, dash_after, strip_next);
    }
    fail(tag, "unclosed '{% raw %}' (no '{% endraw %}')");
  }

  // One {{ ... }} or {% ... %} tag: its begin token, expression tokens, end token.
  size_t lex_tag(size_t tag, size_t body, bool is_var, bool& strip_next) {
    tokens_.push_back({is_var ? Tok::VarBegin : Tok::BlockBegin, "", pos_at(tag)});
    const std::string_view close = is_var ? "}}" : "%}";
    int depth = 0;  // open brackets inside the tag
    size_t p = body;
    while (true) {
      while (p < src_.size() && is_space(src_[p])) ++p;
      if (p >= src_.size()) fail(tag, std::string("unclosed tag '") + (is_var ? "{{" : "{%") + "'");
      if (depth == 0) {
        const bool dash = src_[p] == '-' && src_.substr(p + 1, 2) == close;
        const bool plus = !is_var && src_[p] == '+' && src_.substr(p + 1, 2) == close;
        if (dash || plus || src_.substr(p, 2) == close) {
          const size_t delim = p + (dash || plus ? 1 : 0);
          tokens_.push_back({is_var ? Tok::VarEnd : Tok::BlockEnd, "", pos_at(delim)});
          if (is_var) {
            strip_next = dash;
            return delim + 2;
          }
          return after_block_end(delim, dash, strip_next);
        }
      }
      p = lex_token(p, depth);
    }
  }

  size_t lex_token(size_t p, int& depth) {
    const char c = src_[p];
    const Pos pos = pos_at(p);
    if (std::isdigit(static_cast<unsigned char>(c))) return lex_number(p);
    if (is_name_start(c)) {
      size_t q = p;
      while (q < src_.size() && is_name_char(src_[q])) ++q;
      tokens_.push_back({Tok::Name, std::string(src_.substr(p, q - p)), pos});
      return q;
    }
    if (c == '\'' || c == '"') return lex_string(p);
    static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
    for (std::string_view op : kTwo) {
      if (src_.substr(p, 2) == op) {
        tokens_.push_back({Tok::Op, std::string(op), pos});
        return p + 2;
      }
    }
    if (std::string_view("+-*/%~()[]{},.:|=<>").find(c) == std::string_view::npos) {
      fail(p, std::string("unexpected character '") + c + "' in tag");
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) fail(p, std::string("unmatched '") + c + "'");
      --depth;
    }
    tokens_.push_back({Tok::Op, std::string(1, c), pos});
    return p + 1;
  }

  size_t lex_number(size_t p) {
    size_t q = p;
    auto digits = [&] {
      while (q < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) ++q;
    };
    digits();
    bool is_float = false;
    if (q + 1 < src_.size() && src_[q] == '.' && std::isdigit(static_cast<unsigned char>(src_[q + 1]))) {
      is_float = true;
      ++q;
      digits();
    }
    if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
      size_t e = q + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) {
        is_float = true;
        q = e;
        digits();
      }
    }
    std::string text;
    for (size_t k = p; k < q; ++k) {
      if (src_[k] != '_') text += src_[k];
    }
    tokens_.push_back({is_float ? Tok::Float : Tok::Int, text, pos_at(p)});
    return q;
  }

  // Python string literal escapes (Jinja decodes strings with unicode-escape).
  size_t lex_string(size_t p) {
    const char quote = src_[p];
    std::string out;
    size_t q = p + 1;
    auto hex = [&](size_t n) -> char32_t {
      if (q + n > src_.size()) fail(q, "truncated escape in string");
      char32_t v = 0;
      for (size_t k = 0; k < n; ++k) {
        const char h = src_[q + k];
        if (!std::isxdigit(static_cast<unsigned char>(h))) fail(q, "bad hex digit in string escape");
        v = v * 16 + static_cast<char32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      q += n;
      return v;
    };
    while (true) {
      if (q >= src_.size()) fail(p, "unclosed string literal");
      const char c = src_[q];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++q;
        continue;
      }
      if (++q >= src_.size()) fail(p, "unclosed string literal");
      const char e = src_[q++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;  // line continuation
        case 'x': utf8::append(out, hex(2)); break;
        case 'u': utf8::append(out, hex(4)); break;
        case 'U': utf8::append(out, hex(8)); break;
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && q < src_.size() && src_[q] >= '0' && src_[q] <= '7'; ++k) {
              v = v * 8 + static_cast<char32_t>(src_[q++] - '0');
            }
            utf8::append(out, v);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    tokens_.push_back({Tok::String, std::move(out), pos_at(p)});
    return q + 1;
  }

  std::string_view src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace hearth::jinja

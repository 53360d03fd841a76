#include "chat/jinja/strings.h"

#include <cctype>

#include "chat/jinja/renderer.h"
#include "chat/jinja/utf8.h"

namespace hearth::jinja::py {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::optional<int64_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, Side side) {
  if (!chars) {
    size_t b = 0, e = s.size();
    if (side != Side::Right) {
      while (b < e && is_space(s[b])) ++b;
    }
    if (side != Side::Left) {
      while (e > b && is_space(s[e - 1])) --e;
    }
    return std::string(s.substr(b, e - b));
  }
  // Code-point aware so that multi-byte strip sets work.
  const auto set = utf8::decode(*chars);
  auto in_set = [&](char32_t c) {
    for (char32_t x : set) {
      if (x == c) return true;
    }
    return false;
  };
  const auto cps = utf8::decode(s);
  size_t b = 0, e = cps.size();
  if (side != Side::Right) {
    while (b < e && in_set(cps[b])) ++b;
  }
  if (side != Side::Left) {
    while (e > b && in_set(cps[e - 1])) --e;
  }
  return utf8::encode(std::vector<char32_t>(cps.begin() + static_cast<std::ptrdiff_t>(b),
                                            cps.begin() + static_cast<std::ptrdiff_t>(e)));
}

namespace {

std::vector<std::string> split_whitespace(std::string_view s, int64_t max_split, bool from_right) {
  std::vector<std::string> parts;
  if (!from_right) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size()) break;
      if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
        std::string rest(s.substr(i));
        while (!rest.empty() && is_space(rest.back())) rest.pop_back();
        parts.push_back(rest);
        break;
      }
      size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      parts.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return parts;
  }
  size_t e = s.size();
  while (true) {
    while (e > 0 && is_space(s[e - 1])) --e;
    if (e == 0) break;
    if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
      size_t b = 0;
      while (b < e && is_space(s[b])) ++b;
      parts.emplace_back(s.substr(b, e - b));
      break;
    }
    size_t b = e;
    while (b > 0 && !is_space(s[b - 1])) --b;
    parts.emplace_back(s.substr(b, e - b));
    e = b;
  }
  return {parts.rbegin(), parts.rend()};
}

}  // namespace

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t max_split,
                               bool from_right) {
  if (!sep) return split_whitespace(s, max_split, from_right);
  if (sep->empty()) fail("empty separator");
  std::vector<std::string> parts;
  if (!from_right) {
    size_t i = 0;
    while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
      const size_t j = s.find(*sep, i);
      if (j == std::string_view::npos) break;
      parts.emplace_back(s.substr(i, j - i));
      i = j + sep->size();
    }
    parts.emplace_back(s.substr(i));
    return parts;
  }
  size_t e = s.size();
  while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
    if (e < sep->size()) break;
    const size_t j = s.rfind(*sep, e - sep->size());
    if (j == std::string_view::npos) break;
    parts.emplace_back(s.substr(j + sep->size(), e - j - sep->size()));
    e = j;
  }
  parts.emplace_back(s.substr(0, e));
  return {parts.rbegin(), parts.rend()};
}

std::vector<std::string> splitlines(std::string_view s, bool keep_ends) {
  std::vector<std::string> lines;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] != '\n' && s[j] != '\r') ++j;
    size_t end = j;
    if (j < s.size()) end = (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') ? j + 2 : j + 1;
    lines.emplace_back(s.substr(i, (keep_ends ? end : j) - i));
    i = end;
  }
  return lines;
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  std::string out;
  if (old.empty()) {  // Python inserts `repl` between every code point.
    const auto cps = utf8::decode(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i < cps.size()) utf8::append(out, cps[i]);
    }
    return out;
  }
  size_t i = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t j = s.find(old, i);
    if (j == std::string_view::npos) break;
    out += s.substr(i, j - i);
    out += repl;
    i = j + old.size();
    ++done;
  }
  out += s.substr(i);
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out = lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string title(std::string_view s) {
  std::string out(s);
  bool prev_cased = false;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      c = static_cast<char>(prev_cased ? std::tolower(u) : std::toupper(u));
      prev_cased = true;
    } else {
      prev_cased = false;
    }
  }
  return out;
}

}  // namespace hearth::jinja::py

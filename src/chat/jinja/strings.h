// Python str methods shared by the filters and the string methods.
// Case mapping covers ASCII only (templates apply it to role names and tags).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::jinja::py {

enum class Side { Both, Left, Right };
// str.strip / lstrip / rstrip; `chars` nullopt strips whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, Side side);
// str.split / rsplit; `sep` nullopt splits on runs of whitespace;
// max_split < 0 means no limit. An empty separator is an error.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t max_split,
                               bool from_right);
std::vector<std::string> splitlines(std::string_view s, bool keep_ends);
// str.replace; count < 0 replaces all.
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s);
std::string title(std::string_view s);
bool is_space(char c);
// A non-negative decimal number of at most 18 digits, or nullopt.
std::optional<int64_t> parse_index(std::string_view s);

}  // namespace hearth::jinja::py

// UTF-8 helpers so that string length, indexing and slicing count code points
// like Python's str does. Invalid bytes decode as one code point each
// (U+FFFD stands in for them when re-encoded), so no input can fail here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::jinja::utf8 {

// Code points of `s`.
std::vector<char32_t> decode(std::string_view s);
void append(std::string& out, char32_t cp);
std::string encode(const std::vector<char32_t>& cps);
// Number of code points (fast when the text is ASCII).
size_t length(std::string_view s);
bool is_ascii(std::string_view s);

}  // namespace hearth::jinja::utf8

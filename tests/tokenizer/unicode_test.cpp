// UTF-8 handling and the Unicode properties the tokenizers rely on.
#include <gtest/gtest.h>

#include "tokenizer/unicode.h"

namespace hearth::tokenizer::unicode {
namespace {

std::vector<uint32_t> codepoints(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t pos = 0; pos < s.size();) out.push_back(next_codepoint(s, pos));
  return out;
}

TEST(Unicode, DecodesWellFormedUtf8) {
  EXPECT_EQ(codepoints("a\xC3\xA9\xE2\x96\x81\xF0\x9F\xA6\x99"), (std::vector<uint32_t>{'a', 0xE9, 0x2581, 0x1F999}));
}

TEST(Unicode, MalformedBytesDecodeOneByteAtATime) {
  const uint32_t bad = kInvalidCodepoint;
  EXPECT_EQ(codepoints("\xFF"), (std::vector<uint32_t>{bad}));
  EXPECT_EQ(codepoints("\xC3("), (std::vector<uint32_t>{bad, '('}));           // truncated
  EXPECT_EQ(codepoints("\xC0\xAF"), (std::vector<uint32_t>{bad, bad}));        // overlong '/'
  EXPECT_EQ(codepoints("\xED\xA0\x80"), (std::vector<uint32_t>{bad, bad, bad}));  // surrogate
  EXPECT_EQ(codepoints("\xF4\x90\x80\x80"), (std::vector<uint32_t>{bad, bad, bad, bad}));  // > U+10FFFF
  EXPECT_EQ(codepoints("\xF0\x9F\xA6"), (std::vector<uint32_t>{bad, bad, bad}));  // cut at the end
}

TEST(Unicode, EncodesAndReplacesInvalidCodepoints) {
  std::string s;
  for (uint32_t cp : {0x41u, 0xE9u, 0x2581u, 0x1F999u, 0xD800u, 0x110000u}) append_utf8(s, cp);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x96\x81\xF0\x9F\xA6\x99\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Unicode, Properties) {
  EXPECT_TRUE(is_punctuation('!'));
  EXPECT_TRUE(is_punctuation(0x3002));   // 。
  EXPECT_FALSE(is_punctuation('$'));     // Sc, but ...
  EXPECT_TRUE(is_ascii_punctuation('$'));  // ... BERT splits it
  EXPECT_TRUE(is_nonspacing_mark(0x0301));
  EXPECT_TRUE(is_control_or_format(0x200D));  // ZWJ
  EXPECT_TRUE(is_whitespace(0x3000));
  EXPECT_FALSE(is_whitespace(0x200B));
  EXPECT_TRUE(is_cjk_ideograph(0x6211));  // 我
  EXPECT_FALSE(is_cjk_ideograph(0x30A2));  // ア (katakana)
}

TEST(Unicode, LowercaseAndStripAccents) {
  EXPECT_EQ(to_lower('A'), uint32_t{'a'});
  EXPECT_EQ(to_lower(0x0411), 0x0431u);  // Б -> б
  EXPECT_EQ(to_lower(0x6211), 0x6211u);
  std::u32string out;
  for (uint32_t cp : {0xC4u, 0x1EEDu, 0x0301u, 0xD55Cu, 0xBDu}) append_stripped(out, cp);
  // Ä -> A, ử -> u, a lone combining acute vanishes, 한 -> ᄒ ᅡ ᆫ, ½ stays.
  EXPECT_EQ(out, (std::u32string{U'A', U'u', 0x1112, 0x1161, 0x11AB, 0xBD}));
}

}  // namespace
}  // namespace hearth::tokenizer::unicode

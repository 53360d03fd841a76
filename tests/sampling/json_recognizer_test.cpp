// JsonRecognizer against nlohmann::json as the oracle: documents it accepts
// parse as objects, documents the parser rejects are refused at the first
// byte that makes them invalid, every prefix of a valid document is
// accepted, and the limits end strings, numbers and whitespace.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "sampling/json_recognizer.h"

namespace hearth::sampling {
namespace {

// The number of leading bytes of `doc` the recognizer accepts.
size_t accepted_prefix(const std::string& doc, JsonRecognizer& r) {
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!r.feed(static_cast<uint8_t>(doc[i]))) return i;
  }
  return doc.size();
}

bool oracle_object(const std::string& doc) {
  if (!nlohmann::json::accept(doc)) return false;
  return nlohmann::json::parse(doc).is_object();
}

TEST(JsonRecognizer, AcceptsValidObjectsAndEveryPrefix) {
  const std::vector<std::string> docs = {
      "{}",
      " {} ",
      R"({"a":1})",
      R"({"a": [1, -2.5, 3e10, 0.0e-1, -0, 1E+2], "b": {"c": null, "d": true, "e": false}})",
      "{\n  \"k\": \"v\",\n  \"n\": []\n}",
      R"({"esc": "\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"})",
      "{\"utf8\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
      R"({"": "", "nested": [[[{}]], [], [{"x": [0]}]]})",
  };
  for (const auto& doc : docs) {
    ASSERT_TRUE(oracle_object(doc)) << doc;
    JsonRecognizer r;
    // Trailing whitespace after the object is not produced (nothing may follow).
    const std::string trimmed = doc.substr(0, doc.find_last_not_of(' ') + 1);
    for (size_t i = 0; i < trimmed.size(); ++i) {
      EXPECT_FALSE(r.complete()) << trimmed << " complete after " << i << " bytes";
      ASSERT_TRUE(r.feed(static_cast<uint8_t>(trimmed[i]))) << trimmed << " byte " << i;
    }
    EXPECT_TRUE(r.complete()) << trimmed;
    EXPECT_FALSE(r.feed(' ')) << "nothing may follow the object";
  }
}

TEST(JsonRecognizer, RefusesInvalidDocumentsAtTheRightByte) {
  struct Bad {
    std::string doc;
    size_t valid_prefix;  // bytes accepted before the refusal
  };
  const std::vector<Bad> bad = {
      {"[1]", 0},                        // top level must be an object
      {"\"s\"", 0},
      {"{\"a\" 1}", 5},                  // missing colon
      {"{\"a\":}", 5},                   // missing value
      {"{\"a\":1,}", 7},                 // trailing comma
      {"{\"a\":01}", 6},                 // leading zero
      {"{\"a\":1.}", 7},                 // fraction without digits
      {"{\"a\":1e}", 7},                 // exponent without digits
      {"{\"a\":1e999}", 9},              // an exponent that does not fit a double (refused at its 3rd digit)
      {"{\"a\":-}", 6},
      {"{\"a\":tru}", 8},
      {"{\"a\":[1}", 7},                 // wrong close
      {"{1:2}", 1},                      // keys are strings
      {"{\"a\":\"x\ny\"}", 7},           // raw control character in a string
      {"{\"a\":\"\\x\"}", 7},            // unknown escape
      {"{\"a\":\"\\u12G4\"}", 10},
      {"{\"a\":\"\\uDC00\"}", 9},        // lone low surrogate
      {"{\"a\":\"\\uD800x\"}", 12},      // high surrogate without its low half
      {"{\"a\":\"\\uD800\\u0041\"}", 14},  // high surrogate followed by a non-low escape
      {"{\"a\":\"\xc0\x80\"}", 6},        // overlong
      {"{\"a\":\"\xed\xa0\x80\"}", 7},    // UTF-8 encoded surrogate
      {"{\"a\":\"\xf4\x90\x80\x80\"}", 7},  // above U+10FFFF
      {"{\"a\":\"\xc3(\"}", 7},           // missing continuation byte
      {"{}}", 2},
  };
  for (const auto& b : bad) {
    EXPECT_FALSE(oracle_object(b.doc)) << b.doc;
    JsonRecognizer r;
    EXPECT_EQ(accepted_prefix(b.doc, r), b.valid_prefix) << b.doc;
  }
}

TEST(JsonRecognizer, RefusedByteLeavesTheStateUnchanged) {
  JsonRecognizer r;
  ASSERT_TRUE(r.feed(std::string_view(R"({"a":[1,)")));
  EXPECT_FALSE(r.feed(']'));
  EXPECT_FALSE(r.feed(std::string_view("2]x")));  // the whole sequence is undone
  EXPECT_TRUE(r.feed(std::string_view("2]}")));
  EXPECT_TRUE(r.complete());
}

TEST(JsonRecognizer, LimitsEndEveryElement) {
  {  // whitespace: one space, or a newline and a bounded indent
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view("{ ")));
    EXPECT_FALSE(r.feed(' '));
    EXPECT_FALSE(r.feed('\n'));
    ASSERT_TRUE(r.feed(std::string_view("\"a\":\n\t")));
    for (int i = 1; i < JsonLimits::kMaxIndent; ++i) ASSERT_TRUE(r.feed(' '));
    EXPECT_FALSE(r.feed(' '));
    EXPECT_FALSE(r.feed('\n'));  // no blank lines
    EXPECT_FALSE(r.feed('\r'));
    EXPECT_TRUE(r.feed(std::string_view("1}")));
  }
  {  // strings: at the limit only the closing quote
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view("{\"")));
    for (int i = 0; i < JsonLimits::kMaxStringBytes; ++i) ASSERT_TRUE(r.feed('x'));
    EXPECT_FALSE(r.feed('x'));
    EXPECT_FALSE(r.feed('\\'));
    EXPECT_TRUE(r.feed('"'));
  }
  {  // numbers: at the limit a finished number must end
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view("{\"n\":")));
    for (int i = 0; i < JsonLimits::kMaxNumberBytes; ++i) ASSERT_TRUE(r.feed('7'));
    EXPECT_FALSE(r.feed('7'));
    EXPECT_FALSE(r.feed('.'));
    EXPECT_TRUE(r.feed('}'));
  }
  {  // ...and an unfinished one may take the one digit that finishes it
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view("{\"n\":")));
    for (int i = 0; i + 1 < JsonLimits::kMaxNumberBytes; ++i) ASSERT_TRUE(r.feed('7'));
    ASSERT_TRUE(r.feed('.'));
    EXPECT_FALSE(r.feed('}'));
    EXPECT_TRUE(r.feed('5'));
    EXPECT_FALSE(r.feed('5'));
    EXPECT_TRUE(r.feed('}'));
  }
  {  // depth
    JsonRecognizer r;
    ASSERT_TRUE(r.feed(std::string_view("{\"d\":")));
    for (int i = 1; i < JsonLimits::kMaxDepth; ++i) ASSERT_TRUE(r.feed('['));
    EXPECT_FALSE(r.feed('['));
    EXPECT_FALSE(r.feed('{'));
    EXPECT_TRUE(r.feed('1'));
  }
}

// Random byte strings over JSON's alphabet: whenever the recognizer accepts
// a whole document, the parser does too and reads an object.
TEST(JsonRecognizer, AgreesWithTheParserOnRandomText) {
  const std::string alphabet = "{}[]:,\"\\ 0123456789-+.eEtrufalsn\n\xc3\xa9u";
  std::mt19937 rng(3);
  int complete = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    JsonRecognizer r;
    std::string doc;
    // Mostly valid bytes: draw until one is accepted (up to 8 tries), so the
    // walk goes deep; stop at the first refusal or on completion.
    for (int step = 0; step < 60 && !r.complete(); ++step) {
      bool fed = false;
      for (int k = 0; k < 8 && !fed; ++k) {
        const char c = alphabet[rng() % alphabet.size()];
        if (r.feed(static_cast<uint8_t>(c))) {
          doc += c;
          fed = true;
        }
      }
      if (!fed) break;
    }
    if (r.complete()) {
      ++complete;
      EXPECT_TRUE(oracle_object(doc)) << testing::PrintToString(doc);
    }
  }
  EXPECT_GT(complete, 100);  // the walk does reach whole documents
}

}  // namespace
}  // namespace hearth::sampling

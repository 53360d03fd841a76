#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "sampling/stop_matcher.h"
#include "sampling/utf8_tail.h"

namespace hearth::sampling {
namespace {

// Pushes each piece; returns what was emitted per push.
std::vector<std::string> feed(StopMatcher& m, const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.push_back(m.push(p).text);
  return out;
}

using Strings = std::vector<std::string>;

TEST(StopMatcher, NoStopStringsPassesTextThrough) {
  StopMatcher m;
  EXPECT_EQ(feed(m, {"Hello", ", ", "world"}), (Strings{"Hello", ", ", "world"}));
  EXPECT_EQ(m.flush(), "");
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcher, StopInsideOnePieceCutsBeforeIt) {
  StopMatcher m({"</s>"});
  const auto r = m.push("Hello</s>more");
  EXPECT_EQ(r.text, "Hello");
  EXPECT_EQ(r.stop, 0u);
  EXPECT_EQ(m.stopped(), 0u);
  // After the stop: nothing more, same index.
  const auto after = m.push("x");
  EXPECT_EQ(after.text, "");
  EXPECT_EQ(after.stop, 0u);
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, StopSpanningPiecesIsNeverEmitted) {
  StopMatcher m({"</s>"});
  EXPECT_EQ(feed(m, {"Hel", "lo <", "/s"}), (Strings{"Hel", "lo ", ""}));
  const auto r = m.push("> bye");
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.stop, 0u);
}

TEST(StopMatcher, DivergenceReleasesTheHeldText) {
  StopMatcher m({"</s>"});
  EXPECT_EQ(feed(m, {"a<", "/", "x", "y"}), (Strings{"a", "", "</x", "y"}));
  StopMatcher f({"</s>"});
  EXPECT_EQ(feed(f, {"end <"}), (Strings{"end "}));
  EXPECT_EQ(f.flush(), "<");  // end of generation: the held prefix is text
}

TEST(StopMatcher, OverlappingPrefixKeepsTheLongestCandidate) {
  StopMatcher m({"aab"});
  EXPECT_EQ(feed(m, {"a", "a", "a"}), (Strings{"", "", "a"}));
  const auto r = m.push("b");
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.stop, 0u);
}

TEST(StopMatcher, EarliestOfSeveralStopsWins) {
  StopMatcher m({"world", "lo w", "xyz"});
  const auto r = m.push("hello world");
  EXPECT_EQ(r.text, "hel");
  EXPECT_EQ(r.stop, 1u);
  // Same position: the first listed.
  StopMatcher tie({"ab", "abc"});
  EXPECT_EQ(tie.push("xabc").stop, 0u);
  // A second stop's prefix is held too.
  StopMatcher two({"STOP", "\n\n"});
  EXPECT_EQ(feed(two, {"a\n", "ST"}), (Strings{"a", "\n"}));
  EXPECT_EQ(two.push("OP").stop, 0u);
}

TEST(StopMatcher, HoldsBackIncompleteUtf8) {
  StopMatcher m;
  EXPECT_EQ(feed(m, {"caf\xC3", "\xA9!"}), (Strings{"caf", "\xC3\xA9!"}));
  // U+1F600 (F0 9F 98 80) one byte at a time.
  StopMatcher e;
  EXPECT_EQ(feed(e, {"\xF0", "\x9F", "\x98", "\x80"}), (Strings{"", "", "", "\xF0\x9F\x98\x80"}));
  // Ended mid-character: the fragment becomes U+FFFD.
  StopMatcher cut;
  EXPECT_EQ(feed(cut, {"ok\xE2\x82"}), (Strings{"ok"}));
  EXPECT_EQ(cut.flush(), "\xEF\xBF\xBD");
}

TEST(StopMatcher, MultiByteStopString) {
  StopMatcher m({"\xE3\x80\x82"});  // U+3002 ideographic full stop
  EXPECT_EQ(feed(m, {"ok\xE3", "\x80"}), (Strings{"ok", ""}));
  const auto r = m.push("\x82rest");
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.stop, 0u);
}

TEST(StopMatcher, BytesThatCanNeverCompleteAreNotHeld) {
  StopMatcher m;
  EXPECT_EQ(feed(m, {"a\x80", "\xFF"}), (Strings{"a\x80", "\xFF"}));
}

TEST(StopMatcher, EmptyStopStringThrowsAndResetRestarts) {
  EXPECT_THROW(StopMatcher({"ok", ""}), Error);
  StopMatcher m({"!"});
  EXPECT_EQ(m.push("hi!").stop, 0u);
  m.reset();
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.push("again").text, "again");
}

// Any split of a text into pieces gives the same result: the emitted text
// grows as a prefix of the text before the first stop, and reaches it.
TEST(StopMatcher, EverySplitEmitsOnlyAPrefixOfTheAnswer) {
  const std::string text = "Sure, here \xE2\x82\xAC 5. <end> no \xF0\x9F\x98\x80 <|im_end|> tail";
  const std::vector<std::string> stops = {"<|im_end|>", "<|endoftext|>", "\n\n"};
  const std::string answer = "Sure, here \xE2\x82\xAC 5. <end> no \xF0\x9F\x98\x80 ";
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    StopMatcher m(stops);
    std::string emitted;
    bool stopped = false;
    for (size_t at = 0; at < text.size() && !stopped;) {
      const size_t len = std::min<size_t>(text.size() - at, 1 + rng() % 6);
      const auto r = m.push(std::string_view(text).substr(at, len));
      at += len;
      emitted += r.text;
      ASSERT_EQ(answer.compare(0, emitted.size(), emitted), 0) << "trial " << trial << ": " << emitted;
      ASSERT_EQ(incomplete_utf8_tail(emitted), 0u) << "trial " << trial;
      stopped = r.stop.has_value();
    }
    EXPECT_TRUE(stopped);
    EXPECT_EQ(emitted, answer) << "trial " << trial;
  }
}

TEST(Utf8Tail, CountsOnlyCompletableFragments) {
  EXPECT_EQ(incomplete_utf8_tail(""), 0u);
  EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\xC3"), 1u);
  EXPECT_EQ(incomplete_utf8_tail("\xC3\xA9"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\xE2\x82"), 2u);
  EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\x80\x80\x80"), 0u);  // no lead byte
  EXPECT_EQ(incomplete_utf8_tail("\xFF"), 0u);
  std::string s = "x\xF0\x9F";
  finish_utf8(s);
  EXPECT_EQ(s, "x\xEF\xBF\xBD");
}

}  // namespace
}  // namespace hearth::sampling

// gateway/clock.h (RFC 3339, UTC days) and gateway/digest.h (published vectors).
#include <gtest/gtest.h>

#include "core/error.h"
#include "gateway/clock.h"
#include "gateway/digest.h"

namespace hearth::gateway {
namespace {

using namespace std::chrono;

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  const TimePoint t = sys_days{year{2026} / November / 28} + hours{7} + minutes{5} + seconds{9} + milliseconds{42};
  EXPECT_EQ(format_rfc3339(t), "2026-11-28T07:05:09.042Z");
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
}

TEST(Rfc3339, ParsesDatesFractionsAndOffsets) {
  const TimePoint midnight = sys_days{year{2026} / November / 28};
  EXPECT_EQ(parse_rfc3339("2026-11-28"), midnight);
  EXPECT_EQ(parse_rfc3339("2026-11-28T00:00:00Z"), midnight);
  EXPECT_EQ(parse_rfc3339("2026-11-28t01:30:00z"), midnight + hours{1} + minutes{30});
  EXPECT_EQ(parse_rfc3339("2026-11-28T02:00:00+02:00"), midnight);  // 02:00 at UTC+2 is midnight UTC
  EXPECT_EQ(parse_rfc3339("2026-11-27T22:00:00-02:00"), midnight);
  EXPECT_EQ(parse_rfc3339("2026-11-28T00:00:00.5Z"), midnight + milliseconds{500});
}

TEST(Rfc3339, RefusesOtherTextSayingWhatItExpects) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-28T25:00:00Z", "2026-11-28T10:00:00",
                          "2026-11-28T10:00:00.Z", "2026-11-28T10:00:00+0200"}) {
    try {
      parse_rfc3339(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("YYYY-MM-DD"), std::string::npos) << e.what();
    }
  }
}

TEST(UtcDay, CountsDaysSinceTheEpoch) {
  EXPECT_EQ(utc_day(sys_days{year{1970} / January / 2}), 1);
  const TimePoint day_end = sys_days{year{2026} / November / 28} + hours{23} + minutes{59} + seconds{59};
  EXPECT_EQ(utc_day(day_end) + 1, utc_day(day_end + seconds{1}));
  EXPECT_EQ(format_utc_day(utc_day(day_end)), "2026-11-28");
}

TEST(Digest, Sha256PublishedVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, RandomHexAndConstantTimeEqual) {
  const std::string a = random_hex(16), b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(constant_time_equal(a, a));
  EXPECT_FALSE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace hearth::gateway

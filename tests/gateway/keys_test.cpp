// gateway/keys.h: hashed key records, authentication, model patterns and
// the key file.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <set>

#include "core/error.h"
#include "gateway/digest.h"
#include "gateway/keys.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

const std::string kAlice = "hk-alice-0123456789abcdef";
const std::string kBob = "hk-bob-fedcba9876543210xyz";

TEST(Keys, RecordsKeepOnlyASaltedHash) {
  const KeyRecord a = make_key_record("alice", kAlice);
  const KeyRecord a2 = make_key_record("alice", kAlice);
  EXPECT_EQ(a.salt.size(), 32u);
  EXPECT_NE(a.salt, a2.salt);      // a fresh salt each time...
  EXPECT_NE(a.sha256, a2.sha256);  // ...so equal keys do not hash alike
  EXPECT_EQ(a.sha256, sha256_hex(a.salt + kAlice));  // the documented construction
  EXPECT_EQ(key_record_json(a).dump().find(kAlice), std::string::npos);
  EXPECT_THROW(make_key_record("short", "abc"), FormatError);
  EXPECT_THROW(make_key_record("", kAlice), FormatError);
}

TEST(Keys, AuthenticateFindsTheRightRecord) {
  const KeyStore store({make_key_record("alice", kAlice), make_key_record("bob", kBob)});
  ASSERT_NE(store.authenticate(kAlice), nullptr);
  EXPECT_EQ(store.authenticate(kAlice)->id, "alice");
  EXPECT_EQ(store.authenticate(kBob)->id, "bob");
  EXPECT_EQ(store.authenticate(kAlice + "x"), nullptr);
  EXPECT_EQ(store.authenticate(kAlice.substr(0, kAlice.size() - 1)), nullptr);
  EXPECT_EQ(store.authenticate(""), nullptr);
  EXPECT_THROW(KeyStore({make_key_record("a", kAlice), make_key_record("a", kBob)}), FormatError);
}

TEST(Keys, ModelPatterns) {
  EXPECT_TRUE(model_pattern_matches("*", "anything"));
  EXPECT_TRUE(model_pattern_matches("*", ""));
  EXPECT_TRUE(model_pattern_matches("llama-*", "llama-3.1-8b"));
  EXPECT_FALSE(model_pattern_matches("llama-*", "mistral-7b"));
  EXPECT_TRUE(model_pattern_matches("*-8b", "llama-3.1-8b"));
  EXPECT_TRUE(model_pattern_matches("gpt-?.5", "gpt-5.5"));
  EXPECT_FALSE(model_pattern_matches("gpt-?.5", "gpt-55.5"));
  EXPECT_TRUE(model_pattern_matches("a*b*c", "axxbyyc"));
  EXPECT_FALSE(model_pattern_matches("a*b*c", "axxbyy"));
  EXPECT_FALSE(model_pattern_matches("exact", "exact-not"));

  const KeyRecord limited = make_key_record("t", kAlice, {"llama-*", "gpt-5.5"});
  EXPECT_TRUE(key_allows_model(limited, "llama-70b"));
  EXPECT_TRUE(key_allows_model(limited, "gpt-5.5"));
  EXPECT_FALSE(key_allows_model(limited, "claude"));
  EXPECT_TRUE(key_allows_model(make_key_record("all", kBob), "claude"));
}

TEST(Keys, FileRoundTripAndErrors) {
  const auto dir = hearth::test::temp_dir("keys");
  const auto path = dir / "keys.json";
  KeyStore({make_key_record("alice", kAlice, {"llama-*"}, {50'000, 2.5}), make_key_record("bob", kBob)}).save(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // hashes, but still not for everyone

  const KeyStore back = KeyStore::load(path);
  ASSERT_EQ(back.keys().size(), 2u);
  const KeyRecord* a = back.authenticate(kAlice);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->routes, std::vector<std::string>{"llama-*"});
  EXPECT_EQ(a->budget.tokens_per_day, 50'000);
  EXPECT_DOUBLE_EQ(a->budget.usd_per_day, 2.5);
  EXPECT_EQ(back.authenticate(kBob)->budget.tokens_per_day, 0);

  const auto expect_error = [&](const std::string& text, const std::string& message) {
    std::ofstream(dir / "bad.json", std::ios::trunc) << text;
    try {
      KeyStore::load(dir / "bad.json");
      ADD_FAILURE() << "accepted " << text;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  const std::string salt(32, 'a'), hash(64, 'b');
  expect_error("{nope", "not JSON");
  expect_error(R"({"key": []})", "expected {\"keys\"");
  expect_error(R"({"keys": [{"id": "x"}]})", "keys[0]: needs a string \"salt\"");
  expect_error(R"({"keys": [{"id": "x", "salt": "zz", "sha256": ")" + hash + "\"}]}", "\"salt\" must be 32");
  expect_error(R"({"keys": [{"id": "x", "salt": ")" + salt + R"(", "sha256": ")" + hash +
                   R"(", "budget": {"usd_per_day": "lots"}}]})",
               "budget.usd_per_day");
  expect_error(R"({"keys": [{"id": "x", "salt": ")" + salt + R"(", "sha256": ")" + hash + R"(", "routes": "*"}]})",
               "\"routes\" must be an array");
  EXPECT_THROW(KeyStore::load(dir / "missing.json"), IoError);
  std::filesystem::remove_all(dir);
}

TEST(Keys, NewKeysAreLongRandomBase62) {
  const std::string a = new_gateway_key(), b = new_gateway_key();
  ASSERT_EQ(a.size(), 3u + 32u);
  EXPECT_EQ(a.substr(0, 3), "hk-");
  EXPECT_NE(a, b);
  for (const char c : a.substr(3)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
  // Every character of the alphabet turns up over many draws (no truncated alphabet).
  const std::string many = random_base62(62 * 200);
  EXPECT_EQ(std::set<char>(many.begin(), many.end()).size(), 62u);
}

TEST(Keys, IdsAreLabelSafe) {
  EXPECT_NO_THROW(check_key_id("team-a"));
  EXPECT_NO_THROW(check_key_id("Ops_2.prod"));
  EXPECT_THROW(check_key_id(""), FormatError);
  EXPECT_THROW(check_key_id("team a"), FormatError);
  EXPECT_THROW(check_key_id("x\"y"), FormatError);
  EXPECT_THROW(check_key_id(std::string(65, 'a')), FormatError);
}

TEST(Keys, AddAndRemove) {
  KeyStore store({make_key_record("alice", kAlice)});
  store.add(make_key_record("bob", kBob));
  EXPECT_EQ(store.authenticate(kBob)->id, "bob");
  EXPECT_THROW(store.add(make_key_record("bob", kAlice)), FormatError);
  EXPECT_TRUE(store.remove("alice"));
  EXPECT_FALSE(store.remove("alice"));
  EXPECT_EQ(store.authenticate(kAlice), nullptr);
  ASSERT_EQ(store.keys().size(), 1u);
}

}  // namespace
}  // namespace hearth::gateway

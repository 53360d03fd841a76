// gateway/key_file.h: the key file followed while the gateway runs — a
// change takes effect, a broken file keeps the keys in force, the budgets
// hear of every load before a new key can be used.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "gateway/key_file.h"
#include "gateway/key_gate.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

const std::string kFileAlice = "hk-alice-0123456789abcdef";
const std::string kFileBob = "hk-bob-0123456789abcdefgh";

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("gw-key-file");
    path_ = dir_ / "keys.json";
    KeyStore({make_key_record("alice", kFileAlice)}).save(path_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_, path_;
};

TEST_F(KeyFileTest, AKeyAddedOrRemovedTakesEffectAtTheNextCheck) {
  KeyFile f(path_, std::chrono::seconds(0));  // check on every call
  EXPECT_NE(f.current()->authenticate(kFileAlice), nullptr);
  EXPECT_EQ(f.current()->authenticate(kFileBob), nullptr);

  KeyStore s = KeyStore::load(path_);
  s.add(make_key_record("bob", kFileBob));
  s.save(path_);
  EXPECT_NE(f.current()->authenticate(kFileBob), nullptr);
  EXPECT_FALSE(f.refresh());  // unchanged since: no reload

  s.remove("alice");
  s.save(path_);
  EXPECT_EQ(f.current()->authenticate(kFileAlice), nullptr);
  EXPECT_NE(f.current()->authenticate(kFileBob), nullptr);
}

TEST_F(KeyFileTest, ChecksAtMostOncePerInterval) {
  KeyFile f(path_, std::chrono::hours(1));
  KeyStore s = KeyStore::load(path_);
  s.add(make_key_record("bob", kFileBob));
  s.save(path_);
  EXPECT_EQ(f.current()->authenticate(kFileBob), nullptr);  // not looked at yet
  EXPECT_TRUE(f.refresh());                             // what the next check does
  EXPECT_NE(f.current()->authenticate(kFileBob), nullptr);
}

TEST_F(KeyFileTest, ABrokenOrMissingFileKeepsTheKeysInForce) {
  KeyFile f(path_, std::chrono::seconds(0));
  std::ofstream(path_, std::ios::trunc) << R"({"keys": [{"id": "x"}]})";
  EXPECT_FALSE(f.refresh());
  EXPECT_NE(f.current()->authenticate(kFileAlice), nullptr);
  std::ofstream(path_, std::ios::trunc) << "{not json";
  EXPECT_NE(f.current()->authenticate(kFileAlice), nullptr);
  std::filesystem::remove(path_);
  EXPECT_NE(f.current()->authenticate(kFileAlice), nullptr);
  // Fixed: it loads again.
  KeyStore({make_key_record("bob", kFileBob)}).save(path_);
  EXPECT_EQ(f.current()->authenticate(kFileAlice), nullptr);
  EXPECT_NE(f.current()->authenticate(kFileBob), nullptr);
}

TEST_F(KeyFileTest, OnLoadHearsTheKeysInForceThenEveryReload) {
  KeyFile f(path_, std::chrono::seconds(0));
  std::vector<std::vector<std::string>> loads;
  f.on_load([&](const KeyStore& s) {
    std::vector<std::string> ids;
    for (const auto& k : s.keys()) ids.push_back(k.id);
    loads.push_back(ids);
  });
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0], std::vector<std::string>{"alice"});
  KeyStore s = KeyStore::load(path_);
  s.add(make_key_record("bob", kFileBob, {}, BudgetLimit{100, 0}));
  s.save(path_);
  EXPECT_NE(f.current()->authenticate(kFileBob), nullptr);
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[1], (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(KeyFileTest, AMissingFileStopsTheStart) {
  EXPECT_THROW(KeyFile(dir_ / "none.json"), IoError);
}

TEST_F(KeyFileTest, ACallerKeepsItsKeyAcrossAReload) {
  KeysConfig kc;
  kc.path = path_.string();
  const KeyGate gate = KeyGate::from_config(kc);
  server::HttpRequest r;
  r.headers["authorization"] = "Bearer " + kFileAlice;
  const Caller c = gate.identify(r);
  ASSERT_FALSE(c.refused());
  KeyStore({make_key_record("bob", kFileBob)}).save(path_);
  gate.file()->refresh();
  EXPECT_EQ(c.id(), "alice");  // still readable: the caller holds its store
  EXPECT_EQ(gate.identify(r).status, 401);
}

}  // namespace
}  // namespace hearth::gateway

// `hearth gateway keys add|list|remove` as an operator runs them: the key
// printed once is the one the file authenticates, the file keeps only
// salted hashes (mode 0600), list never shows them, and mistakes are
// explained with exit 1.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gateway/keys.h"
#include "test_data.h"

namespace hearth::test {
namespace {

using Json = nlohmann::json;

TEST(GatewayKeysCli, AddPrintsTheKeyOnceAndStoresOnlyItsHash) {
  const auto dir = temp_dir("gw-keys-cli");
  const std::string file = (dir / "keys.json").string();
  const RunResult a = run_hearth({"gateway", "keys", "add", "--file", file, "--id", "team-a", "--routes",
                                  "llama-*, gpt-*", "--tokens-per-day", "1000", "--usd-per-day", "2.5", "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Json j = Json::parse(a.out);
  const std::string key = j["key"];
  EXPECT_EQ(j["id"], "team-a");
  EXPECT_EQ(j["routes"], (Json{"llama-*", "gpt-*"}));
  EXPECT_EQ(j["budget"]["tokens_per_day"], 1000);
  EXPECT_EQ(j["budget"]["usd_per_day"], 2.5);
  EXPECT_EQ(key.size(), 35u);

  const RunResult b = run_hearth({"gateway", "keys", "add", "--file", file, "--id", "team-b"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("added key \"team-b\""), std::string::npos) << b.out;
  EXPECT_NE(b.err.find("shown only once"), std::string::npos) << b.err;
  const std::string key_b = b.out.substr(b.out.rfind("hk-"), 35);

  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = read_text(file);
  EXPECT_EQ(text.find(key), std::string::npos);
  EXPECT_EQ(text.find(key_b), std::string::npos);
  const gateway::KeyStore store = gateway::KeyStore::load(file);
  ASSERT_NE(store.authenticate(key), nullptr);
  EXPECT_EQ(store.authenticate(key)->id, "team-a");
  EXPECT_EQ(store.authenticate(key)->budget.tokens_per_day, 1000);
  ASSERT_NE(store.authenticate(key_b), nullptr);
  EXPECT_EQ(store.authenticate(key_b)->id, "team-b");
  std::filesystem::remove_all(dir);
}

TEST(GatewayKeysCli, ListShowsIdsRoutesBudgetsNeverHashesAndRemoveDeletes) {
  const auto dir = temp_dir("gw-keys-cli");
  const std::string file = (dir / "keys.json").string();
  ASSERT_EQ(run_hearth({"gateway", "keys", "add", "--file", file, "--id", "a", "--routes", "m-*"}).exit_code, 0);
  ASSERT_EQ(run_hearth({"gateway", "keys", "add", "--file", file, "--id", "b", "--usd-per-day", "5"}).exit_code, 0);
  const RunResult l = run_hearth({"gateway", "keys", "list", "--file", file, "--json"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  const Json j = Json::parse(l.out);
  ASSERT_EQ(j["keys"].size(), 2u);
  EXPECT_EQ(j["keys"][0], (Json{{"id", "a"}, {"routes", {"m-*"}}, {"budget", {{"tokens_per_day", 0}, {"usd_per_day", 0.0}}}}));
  EXPECT_EQ(j["keys"][1]["budget"]["usd_per_day"], 5.0);
  const RunResult t = run_hearth({"gateway", "keys", "list", "--file", file});
  EXPECT_NE(t.out.find("$5.00/day"), std::string::npos) << t.out;
  for (const std::string& out : {l.out, t.out}) {
    EXPECT_EQ(out.find("sha256"), std::string::npos);
    EXPECT_EQ(out.find("salt"), std::string::npos);
  }

  const RunResult r = run_hearth({"gateway", "keys", "remove", "--file", file, "--id", "a", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out), (Json{{"file", file}, {"removed", "a"}, {"keys", 1}}));
  const gateway::KeyStore left = gateway::KeyStore::load(file);
  ASSERT_EQ(left.keys().size(), 1u);
  EXPECT_EQ(left.keys()[0].id, "b");
  std::filesystem::remove_all(dir);
}

TEST(GatewayKeysCli, MistakesAreExplained) {
  const auto dir = temp_dir("gw-keys-cli");
  const std::string file = (dir / "keys.json").string();
  ASSERT_EQ(run_hearth({"gateway", "keys", "add", "--file", file, "--id", "a"}).exit_code, 0);
  const auto fails_with = [&](const std::vector<std::string>& args, const std::string& message) {
    const RunResult r = run_hearth(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  };
  fails_with({"gateway", "keys", "add", "--file", file, "--id", "a"}, "exists already");
  fails_with({"gateway", "keys", "add", "--file", file, "--id", "no spaces"}, "letters, digits");
  fails_with({"gateway", "keys", "add", "--file", file, "--id", "c", "--usd-per-day", "-1"}, "0 (no cap) or more");
  fails_with({"gateway", "keys", "remove", "--file", file, "--id", "zz"}, "no key has the id \"zz\" (ids: a)");
  fails_with({"gateway", "keys", "list", "--file", (dir / "none.json").string()}, "hearth gateway keys add");
  fails_with({"gateway", "keys", "add", "--file", file}, "--id is required");
  fails_with({"gateway"}, "--config is required");
  EXPECT_EQ(gateway::KeyStore::load(file).keys().size(), 1u);  // nothing written by a failed command
  std::filesystem::remove_all(dir);
}

TEST(GatewayKeysCli, HelpOnEachCommand) {
  for (const std::string sub : {"add", "list", "remove"}) {
    const RunResult r = run_hearth({"gateway", "keys", sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("--file"), std::string::npos) << sub;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << sub;
  }
  const RunResult k = run_hearth({"gateway", "keys", "--help"});
  EXPECT_NE(k.out.find("add"), std::string::npos);
  EXPECT_NE(k.out.find("remove"), std::string::npos);
  const RunResult g = run_hearth({"gateway", "--help"});
  EXPECT_NE(g.out.find("keys"), std::string::npos);
}

TEST(GatewayKeysCli, CheckLoadsTheKeyFile) {
  const auto dir = temp_dir("gw-keys-cli");
  const std::string file = (dir / "keys.json").string();
  const std::string config = (dir / "gw.toml").string();
  std::ofstream(config) << "[[nodes]]\nname = \"a\"\nurl = \"http://127.0.0.1:4501\"\n[keys]\npath = \"" << file << "\"\n";
  const RunResult missing = run_hearth({"gateway", "--check", "--config", config});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(file + ": cannot open the key file"), std::string::npos) << missing.err;
  ASSERT_EQ(run_hearth({"gateway", "keys", "add", "--file", file, "--id", "a"}).exit_code, 0);
  const RunResult ok = run_hearth({"gateway", "--check", "--config", config});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("API keys: 1 in " + file + " (every request needs one)"), std::string::npos) << ok.out;
  const Json j = Json::parse(run_hearth({"gateway", "--check", "--json", "--config", config}).out);
  EXPECT_EQ(j["keys"], (Json{{"path", file}, {"keys", 1}, {"required", true}}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::test

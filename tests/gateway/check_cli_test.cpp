// `hearth gateway --check` as a user runs it: a valid config summarised
// (text and --json), a broken one explained with file:line:column, exit 1.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_data.h"

namespace hearth::test {
namespace {

std::string write(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

const char* kConfig = R"(listen = "127.0.0.1:4400"
[[nodes]]
name = "a"
url = "http://127.0.0.1:4501"
[[clouds]]
name = "burst"
url = "http://127.0.0.1:4600/v1"
api_key_env = "HEARTH_TEST_SURELY_UNSET_KEY"
[[routes]]
model = "*"
cloud = "on_failure"
[audit]
path = "audit.jsonl"
)";

TEST(GatewayCheckCli, ValidConfigIsSummarisedWithWarnings) {
  const auto dir = temp_dir("gw-check");
  const std::string path = write(dir, "gw.toml", kConfig);
  const RunResult r = run_hearth({"gateway", "--check", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok — listen 127.0.0.1:4400, cache memory, 1 node(s), 1 cloud(s), 1 route(s)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("route \"*\": cloud on_failure"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning: cloud \"burst\": HEARTH_TEST_SURELY_UNSET_KEY is not set here"), std::string::npos);

  const RunResult j = run_hearth({"gateway", "--check", "--json", "--config", path});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto js = nlohmann::json::parse(j.out);
  EXPECT_EQ(js["ok"], true);
  EXPECT_EQ(js["nodes"], 1);
  EXPECT_EQ(js["warnings"].size(), 1u);
  EXPECT_EQ(js["upstream"], (nlohmann::json{{"workers", 128}, {"idle_connections", 64}, {"idle_timeout_s", 4.0}}));
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, UpstreamLimitsAreShownAndBadOnesExplained) {
  const auto dir = temp_dir("gw-check");
  const std::string ok =
      write(dir, "ok.toml", std::string(kConfig) + "[upstream]\nworkers = 16\nidle_connections = 8\nidle_timeout = 2.5\n");
  const RunResult r = run_hearth({"gateway", "--check", "--config", ok});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("upstream: 16 worker(s); keep-alive: up to 8 idle connection(s) per upstream, closed after 2.5 s idle"),
            std::string::npos)
      << r.out;
  const std::string bad = write(dir, "bad.toml", std::string(kConfig) + "[upstream]\nidle_timeout = -1\n");
  const RunResult b = run_hearth({"gateway", "--check", "--config", bad});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_EQ(b.err, "hearth: error: " + bad + ":15:16: upstream.idle_timeout: must be more than 0 seconds (and at most 10^7)\n");
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, BrokenConfigIsExplainedWithLineAndColumn) {
  const auto dir = temp_dir("gw-check");
  const std::string path = write(dir, "gw.toml", std::string(kConfig) + "[[routes]]\nmodel = \"x\"\ncloud = \"maybe\"\n");
  const RunResult r = run_hearth({"gateway", "--check", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "hearth: error: " + path +
                       ":16:9: routes[1].cloud: must be \"never\", \"on_failure\", \"on_overload\" or \"always\"\n");
  const RunResult missing = run_hearth({"gateway", "--check", "--config", (dir / "nope.toml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.toml: cannot open the gateway configuration"), std::string::npos) << missing.err;
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, CloudsWithoutAnAuditLogAreRefused) {
  const auto dir = temp_dir("gw-check");
  std::string text = kConfig;
  text = text.substr(0, text.find("[audit]"));
  const std::string path = write(dir, "gw.toml", text);
  for (const bool check : {true, false}) {
    std::vector<std::string> args = {"gateway", "--config", path};
    if (check) args.push_back("--check");
    const RunResult r = run_hearth(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "hearth: error: " + path +
                         ": [[clouds]] are configured but no audit log: every request sent to a cloud is audited "
                         "first; add\n[audit]\npath = \"audit.jsonl\"\n");
  }
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, ABadRedactionRuleOrPriceFileIsExplained) {
  const auto dir = temp_dir("gw-check");
  const std::string bad_rule =
      write(dir, "rule.toml", std::string(kConfig) + "[redaction]\nrules = [\"postcode\"]\n");
  const RunResult r = run_hearth({"gateway", "--check", "--config", bad_rule});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("postcode"), std::string::npos) << r.err;
  const std::string no_prices = write(dir, "prices.toml", std::string(kConfig) + "prices = \"" +
                                                              (dir / "none.json").string() + "\"\n");
  const RunResult p = run_hearth({"gateway", "--check", "--config", no_prices});
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_NE(p.err.find("none.json"), std::string::npos) << p.err;
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, ANodeKeyMustBeSetAndIsNeverShown) {
  const auto dir = temp_dir("gw-check");
  std::string text = kConfig;
  text.replace(text.find("[[clouds]]"), 0, "api_key_env = \"HEARTH_TEST_NODE_KEY\"\n");
  const std::string path = write(dir, "gw.toml", text);
  ::unsetenv("HEARTH_TEST_NODE_KEY");
  const RunResult unset = run_hearth({"gateway", "--check", "--config", path});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_EQ(unset.err, "hearth: error: node \"a\": the environment variable HEARTH_TEST_NODE_KEY (its api_key_env) is "
                       "not set; export the node's API key in it\n");
  ::setenv("HEARTH_TEST_NODE_KEY", "node-secret-value", 1);
  const RunResult set = run_hearth({"gateway", "--check", "--config", path});
  const RunResult json = run_hearth({"gateway", "--check", "--json", "--config", path});
  ::unsetenv("HEARTH_TEST_NODE_KEY");
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("node \"a\": sends the API key in $HEARTH_TEST_NODE_KEY"), std::string::npos) << set.out;
  for (const RunResult* r : {&set, &json}) {
    EXPECT_EQ((r->out + r->err).find("node-secret-value"), std::string::npos) << "the key itself is never printed";
  }
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, StartRefusedWhenACloudKeyIsMissing) {
  const auto dir = temp_dir("gw-check");
  const std::string path = write(dir, "gw.toml", kConfig);
  const RunResult r = run_hearth({"gateway", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the environment variable HEARTH_TEST_SURELY_UNSET_KEY (its api_key_env) is not set"),
            std::string::npos)
      << r.err;
  std::filesystem::remove_all(dir);
}

TEST(GatewayCheckCli, HelpNamesTheOptions) {
  const RunResult r = run_hearth({"gateway", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--config"), std::string::npos);
  EXPECT_NE(r.out.find("--check"), std::string::npos);
}

}  // namespace
}  // namespace hearth::test

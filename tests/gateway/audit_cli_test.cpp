// `hearth audit verify|query` through the real binary: an intact log, the
// tampering a user would try (one byte of a middle record, a deleted line,
// reordered lines, a truncated tail), and the query filters and totals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit_fixture.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using hearth::test::run_hearth;
using namespace hearth::gateway::test;

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("audit-cli");
    write_log(log_path(), 3);  // 6 records
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string log_path() const { return (dir_ / "audit.jsonl").string(); }

  // verify must exit 1 and name `line` and `reason`, in text and in JSON.
  void expect_tampered(uint64_t line, const std::string& reason) {
    const auto text = run_hearth({"audit", "verify", log_path()});
    EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
    EXPECT_NE(text.out.find("line " + std::to_string(line) + ": " + reason), std::string::npos) << text.out;
    const auto js = run_hearth({"audit", "verify", log_path(), "--json"});
    EXPECT_EQ(js.exit_code, 1);
    const auto j = nlohmann::json::parse(js.out);
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["bad_line"], line);
    EXPECT_NE(j["reason"].get<std::string>().find(reason), std::string::npos) << js.out;
  }

  std::filesystem::path dir_;
};

TEST_F(AuditCli, IntactLogVerifies) {
  const auto r = run_hearth({"audit", "verify", log_path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok, 6 records"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(run_hearth({"audit", "verify", log_path(), "--json"}).out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["records"], 6);
}

TEST_F(AuditCli, OneByteOfAMiddleRecordChanged) {
  std::string text = read_all(log_path());
  const auto lines = read_lines(log_path());
  // Line 3's completion_tokens (0) becomes 1, byte for byte in place.
  const size_t line3 = lines[0].size() + 1 + lines[1].size() + 1;
  const size_t at = text.find("\"completion_tokens\":0", line3) + 20;
  ASSERT_LT(at, line3 + lines[2].size());
  text[at] = '1';
  write_all(log_path(), text);
  expect_tampered(3, "hash mismatch");
}

TEST_F(AuditCli, DeletedLine) {
  auto lines = read_lines(log_path());
  lines.erase(lines.begin() + 3);
  write_lines(log_path(), lines);
  expect_tampered(4, "broken chain");
}

TEST_F(AuditCli, ReorderedLines) {
  auto lines = read_lines(log_path());
  std::swap(lines[1], lines[4]);
  write_lines(log_path(), lines);
  expect_tampered(2, "broken chain");
}

TEST_F(AuditCli, TruncatedTail) {
  const std::string text = read_all(log_path());
  write_all(log_path(), text.substr(0, text.size() - 40));
  expect_tampered(6, "torn line");
}

TEST_F(AuditCli, QueryFiltersAndSummarises) {
  const auto r = run_hearth({"audit", "query", log_path(), "--key", "team-a"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Pairs 0 and 2 belong to team-a: prompt 10 + 12, output 20 + 22, $0.001 + $0.003.
  EXPECT_NE(r.out.find("4 records: 2 requests, 2 completed; tokens 22 prompt + 42 output; cost $0.004000"),
            std::string::npos)
      << r.out;

  const auto js = run_hearth({"audit", "query", log_path(), "--since", "2026-11-28T10:02:00Z", "--until",
                              "2026-11-28T10:04:00Z", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const auto j = nlohmann::json::parse(js.out);
  ASSERT_EQ(j["records"].size(), 2u);  // minutes 2 and 3: pair 1
  EXPECT_EQ(j["records"][0]["seq"], 3);
  EXPECT_EQ(j["records"][1]["type"], "completion");
  EXPECT_EQ(j["records"][1]["ref"], 3);
  EXPECT_EQ(j["summary"]["completion_tokens"], 21);

  const auto none = nlohmann::json::parse(run_hearth({"audit", "query", log_path(), "--model", "other", "--json"}).out);
  EXPECT_TRUE(none["records"].empty());
  EXPECT_EQ(none["summary"]["requests"], 0);
}

TEST_F(AuditCli, ErrorsSayWhatToDo) {
  const auto bad_time = run_hearth({"audit", "query", log_path(), "--since", "last week"});
  EXPECT_EQ(bad_time.exit_code, 1);
  EXPECT_NE(bad_time.err.find("hearth: error: not an RFC 3339 time: \"last week\""), std::string::npos)
      << bad_time.err;

  const auto missing = run_hearth({"audit", "verify", (dir_ / "nope.jsonl").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot open the audit log"), std::string::npos) << missing.err;

  auto lines = read_lines(log_path());
  lines[1] = "{broken";
  write_lines(log_path(), lines);
  const auto damaged = run_hearth({"audit", "query", log_path()});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.err.find(":2: bad JSON"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.err.find("hearth audit verify"), std::string::npos) << damaged.err;
}

TEST_F(AuditCli, HelpListsTheSubcommands) {
  const auto r = run_hearth({"audit", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("verify"), std::string::npos);
  EXPECT_NE(r.out.find("query"), std::string::npos);
  const auto q = run_hearth({"audit", "query", "--help"});
  EXPECT_NE(q.out.find("--since"), std::string::npos) << q.out;
  const auto none = run_hearth({"audit"});
  EXPECT_NE(none.exit_code, 0);
}

}  // namespace
}  // namespace hearth::gateway

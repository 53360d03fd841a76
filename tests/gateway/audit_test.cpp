// gateway/audit.h: the hash chain as documented (checked independently of
// the writer), reopening, crash tails, tampering, threads, and queries.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "audit_fixture.h"
#include "core/error.h"
#include "gateway/digest.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using namespace hearth::gateway::test;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = hearth::test::temp_dir("audit"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path log_path() const { return dir_ / "audit.jsonl"; }
  std::filesystem::path dir_;
};

// The hash rule of audit_record.h, recomputed from the raw line text.
std::string documented_hash(const std::string& line) {
  const size_t at = line.rfind(",\"hash\":");
  return sha256_hex(line.substr(0, at) + "}");
}

TEST_F(AuditLogTest, RecordsChainAsDocumented) {
  write_log(log_path(), 3);
  const auto lines = read_lines(log_path());
  ASSERT_EQ(lines.size(), 6u);
  std::string prev(kAuditGenesis);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["seq"], i + 1);
    EXPECT_EQ(j["prev_hash"], prev) << "line " << i + 1;
    EXPECT_EQ(j["hash"], documented_hash(lines[i])) << "line " << i + 1;
    EXPECT_EQ(j["type"], i % 2 == 0 ? "request" : "completion");
    if (i % 2 == 1) {
      EXPECT_EQ(j["ref"], i);  // the completion points at its request
    }
    prev = j["hash"];
  }
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["time"], "2026-11-28T10:00:00.000Z");
  EXPECT_EQ(first["key_id"], "team-a");
  EXPECT_EQ(first["cloud_model"], "gpt-5.5");
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 6u);
}

// A log written by an independent implementation of the documented format
// (tests/data/gateway/README.md) verifies, and hearth appends after it.
TEST_F(AuditLogTest, IndependentlyWrittenLogVerifiesAndContinues) {
  std::filesystem::copy_file(hearth::test::data_path("gateway/audit_independent.jsonl"), log_path());
  AuditVerdict v = verify_audit_log(log_path());
  EXPECT_TRUE(v.ok) << "line " << v.bad_line << ": " << v.reason;
  EXPECT_EQ(v.records, 4u);
  {
    AuditLog log(log_path());
    EXPECT_EQ(log.last_seq(), 4u);
    EXPECT_EQ(log.append_request(entry("team-c", "llama", 1, 0, 0)), 5u);
  }
  v = verify_audit_log(log_path());
  EXPECT_TRUE(v.ok) << "line " << v.bad_line << ": " << v.reason;
  EXPECT_EQ(v.records, 5u);
  const AuditQueryResult q = query_audit_log(log_path(), {});
  EXPECT_EQ(q.summary.completion_tokens, 400);
  EXPECT_NEAR(q.summary.cost_usd, 0.013, 1e-12);
}

TEST_F(AuditLogTest, RedactionCountsAreRecordedNotText) {
  AuditEntry e = entry("team-a", "llama", 5, 0, 0);
  e.redactions = {{"email", 2}, {"phone", 1}};
  {
    AuditLog log(log_path());
    log.append_request(e);
  }
  const auto j = nlohmann::json::parse(read_lines(log_path()).at(0));
  EXPECT_EQ(j["redactions"], (nlohmann::json{{"email", 2}, {"phone", 1}}));
  EXPECT_TRUE(verify_audit_log(log_path()).ok);
}

TEST_F(AuditLogTest, AppendIsInTheFileWhenItReturns) {
  AuditLog log(log_path());
  EXPECT_EQ(log.append_request(entry("k", "m", 1, 0, 0)), 1u);
  EXPECT_EQ(read_lines(log_path()).size(), 1u);  // read through another handle
  EXPECT_EQ(log.append_request(entry("k", "m", 1, 0, 0)), 2u);
  EXPECT_EQ(read_lines(log_path()).size(), 2u);
}

TEST_F(AuditLogTest, ReopeningContinuesTheChain) {
  write_log(log_path(), 2);
  {
    AuditLog log(log_path());
    EXPECT_EQ(log.last_seq(), 4u);
    const uint64_t seq = log.append_request(entry("team-c", "llama", 1, 0, 0));
    EXPECT_EQ(seq, 5u);
    log.append_completion(seq, entry("team-c", "llama", 1, 2, 0.5));
  }
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_TRUE(v.ok) << "line " << v.bad_line << ": " << v.reason;
  EXPECT_EQ(v.records, 6u);
}

TEST_F(AuditLogTest, TornTailIsReportedAndAppendingRefused) {
  write_log(log_path(), 2);
  std::string text = read_all(log_path());
  write_all(log_path(), text.substr(0, text.size() - 15));  // a write cut short
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, 4u);
  EXPECT_NE(v.reason.find("torn"), std::string::npos) << v.reason;
  EXPECT_EQ(v.records, 3u);
  try {
    AuditLog log(log_path());
    FAIL() << "a log with a torn tail was reopened for appending";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("torn"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hearth audit verify"), std::string::npos) << e.what();
  }
}

TEST_F(AuditLogTest, CorruptLastRecordRefusesAppending) {
  write_log(log_path(), 2);
  auto lines = read_lines(log_path());
  lines.back()[lines.back().find("\"ok\"") + 1] = 'O';
  write_lines(log_path(), lines);
  EXPECT_THROW(AuditLog log(log_path()), FormatError);
}

TEST_F(AuditLogTest, CompletionMustReferToARecordInTheLog) {
  AuditLog log(log_path());
  EXPECT_THROW(log.append_completion(1, entry("k", "m", 1, 1, 0)), Error);
  const uint64_t seq = log.append_request(entry("k", "m", 1, 0, 0));
  EXPECT_THROW(log.append_completion(seq + 1, entry("k", "m", 1, 1, 0)), Error);
  EXPECT_EQ(log.append_completion(seq, entry("k", "m", 1, 1, 0)), 2u);
}

struct Tamper {
  const char* name;
  void (*edit)(std::vector<std::string>&);
  uint64_t bad_line;
  const char* reason;
};

class AuditTamperTest : public AuditLogTest, public ::testing::WithParamInterface<Tamper> {};

TEST_P(AuditTamperTest, VerifyNamesTheLine) {
  write_log(log_path(), 3);  // 6 records
  auto lines = read_lines(log_path());
  GetParam().edit(lines);
  write_lines(log_path(), lines);
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.bad_line, GetParam().bad_line);
  EXPECT_NE(v.reason.find(GetParam().reason), std::string::npos) << v.reason;
  EXPECT_EQ(v.records, GetParam().bad_line - 1);
}

INSTANTIATE_TEST_SUITE_P(
    Edits, AuditTamperTest,
    ::testing::Values(
        Tamper{"OneByteOfAMiddleRecord",
               [](auto& l) { l[2][l[2].find("\"prompt_tokens\":") + 16] = '9'; }, 3, "hash mismatch"},
        Tamper{"KeyIdRewritten", [](auto& l) { l[3].replace(l[3].find("team-b"), 6, "team-x"); }, 4, "hash mismatch"},
        Tamper{"LineDeleted", [](auto& l) { l.erase(l.begin() + 2); }, 3, "broken chain"},
        Tamper{"LinesReordered", [](auto& l) { std::swap(l[2], l[3]); }, 3, "broken chain"},
        Tamper{"FirstLineDeleted", [](auto& l) { l.erase(l.begin()); }, 1, "genesis"},
        Tamper{"NotJson", [](auto& l) { l[1] = "{\"seq\": 2, oops"; }, 2, "bad JSON"},
        Tamper{"EmptyLine", [](auto& l) { l.insert(l.begin() + 4, ""); }, 5, "bad JSON"},
        Tamper{"SpacingChanged", [](auto& l) { l[4].insert(l[4].find(",\"time\"") + 1, " "); }, 5, "canonical"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(AuditLogTest, ResealedRecordWithASkippedSeqIsAGap) {
  // A forger who recomputes hashes still cannot skip a seq unnoticed.
  AuditRecord a;
  a.seq = 1;
  a.time = "2026-11-28T10:00:00.000Z";
  a.type = "request";
  a.prev_hash = kAuditGenesis;
  const std::string first = seal_audit_record(a);
  AuditRecord b = a;
  b.seq = 3;
  b.prev_hash = a.hash;
  write_lines(log_path(), {first, seal_audit_record(b)});
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_EQ(v.bad_line, 2u);
  EXPECT_NE(v.reason.find("seq gap: expected seq 2, found 3"), std::string::npos) << v.reason;
}

TEST_F(AuditLogTest, ThreadsAppendOneChain) {
  constexpr int kThreads = 8, kEach = 40;
  {
    AuditLog log(log_path());
    std::vector<std::thread> threads;
    std::vector<std::vector<uint64_t>> seqs(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) seqs[t].push_back(log.append_request(entry("k" + std::to_string(t), "m", i, 0, 0)));
      });
    }
    for (auto& th : threads) th.join();
    std::set<uint64_t> all;
    for (const auto& s : seqs) all.insert(s.begin(), s.end());
    EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
    EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kEach));
  }
  const AuditVerdict v = verify_audit_log(log_path());
  EXPECT_TRUE(v.ok) << "line " << v.bad_line << ": " << v.reason;
  EXPECT_EQ(v.records, static_cast<uint64_t>(kThreads * kEach));
}

TEST_F(AuditLogTest, QueryFiltersAndSums) {
  write_log(log_path(), 4);  // minutes 0..7; pairs alternate team-a, team-b
  const AuditQueryResult all = query_audit_log(log_path(), {});
  EXPECT_EQ(all.records.size(), 8u);
  EXPECT_EQ(all.summary.requests, 4u);
  EXPECT_EQ(all.summary.completions, 4u);
  EXPECT_EQ(all.summary.prompt_tokens, 10 + 11 + 12 + 13);  // final counts only, not the request records'
  EXPECT_EQ(all.summary.completion_tokens, 20 + 21 + 22 + 23);
  EXPECT_NEAR(all.summary.cost_usd, 0.010, 1e-12);

  AuditFilter by_key;
  by_key.key_id = "team-a";  // pairs 0 and 2
  const AuditQueryResult a = query_audit_log(log_path(), by_key);
  ASSERT_EQ(a.records.size(), 4u);
  EXPECT_EQ(a.summary.prompt_tokens, 10 + 12);
  EXPECT_NEAR(a.summary.cost_usd, 0.001 + 0.003, 1e-12);

  AuditFilter window;  // [minute 2, minute 6): pairs 1 and 2
  window.since = at_minute(2);
  window.until = at_minute(6);
  const AuditQueryResult w = query_audit_log(log_path(), window);
  ASSERT_EQ(w.records.size(), 4u);
  EXPECT_EQ(w.records.front().seq, 3u);
  EXPECT_EQ(w.records.back().seq, 6u);

  AuditFilter cloud_model;  // matches the cloud model name too
  cloud_model.model = "gpt-5.5";
  EXPECT_EQ(query_audit_log(log_path(), cloud_model).records.size(), 8u);
  AuditFilter none;
  none.route = "other-*";
  EXPECT_TRUE(query_audit_log(log_path(), none).records.empty());
}

TEST_F(AuditLogTest, QueryRefusesADamagedLineNamingIt) {
  write_log(log_path(), 2);
  auto lines = read_lines(log_path());
  lines[2] = "garbage";
  write_lines(log_path(), lines);
  try {
    query_audit_log(log_path(), {});
    FAIL() << "query read a damaged log";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("audit.jsonl:3: bad JSON"), std::string::npos) << e.what();
  }
}

TEST_F(AuditLogTest, MissingFileIsAnIoError) {
  EXPECT_THROW(verify_audit_log(dir_ / "nope.jsonl"), IoError);
  EXPECT_THROW(AuditLog(dir_ / "no-such-dir" / "audit.jsonl"), IoError);
}

}  // namespace
}  // namespace hearth::gateway

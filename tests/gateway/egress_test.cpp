// gateway/egress.h: the cloud door end to end on the real pieces — redaction
// before hashing and auditing, the audit record on disk before begin
// returns, budgets refusing at the cap with nothing audited, and a failed
// audit write holding nothing back.
#include <gtest/gtest.h>

#include "audit_fixture.h"
#include "gateway/digest.h"
#include "gateway/egress.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;
using namespace hearth::gateway::test;

class EgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("egress");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    budgets_.set_limit("team-a", {0, 0.04});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Json body() {
    return Json::parse(R"({"model": "llama", "max_tokens": 1000,
                           "messages": [{"role": "user", "content": "I am jane@corp.example, help"}]})");
  }
  static EgressRequest request() { return {"team-a", "*", "llama", "burst", "gpt-5.5", 100, 1000}; }

  std::filesystem::path dir_;
  std::unique_ptr<AuditLog> audit_;
  Redactor redactor_{builtin_redaction_rules()};
  PriceTable prices_{std::vector<CloudPrice>{{"gpt-5.5", 5.0, 30.0}}};
  Budgets budgets_{std::make_shared<MemoryBudgetStore>()};
};

TEST_F(EgressTest, RedactsReservesAndAuditsBeforeReturning) {
  const Egress egress{redactor_, prices_, budgets_, *audit_};
  Json b = body();
  CloudTicket t = begin_cloud_request(egress, request(), b);
  EXPECT_EQ(b["messages"][0]["content"], "I am [REDACTED:email], help");
  // On disk already, before anything is sent: the redacted body's hash, the
  // counts, never the address.
  const auto lines = read_lines(dir_ / "audit.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  const Json rec = Json::parse(lines[0]);
  EXPECT_EQ(rec["type"], "request");
  EXPECT_EQ(rec["redactions"], (Json{{"email", 1}}));
  EXPECT_EQ(rec["request_hash"], sha256_hex(b.dump()));
  EXPECT_EQ(lines[0].find("jane@corp.example"), std::string::npos);
  // Worst case held: 100 + 1000 tokens, $0.0005 + $0.03.
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 30'500);

  finish_cloud_request(egress, t, 100, 200, "ok");  // $0.0005 + $0.006
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 6'500);
  const Json done = Json::parse(read_lines(dir_ / "audit.jsonl").at(1));
  EXPECT_EQ(done["type"], "completion");
  EXPECT_EQ(done["ref"], 1);
  EXPECT_EQ(done["completion_tokens"], 200);
  EXPECT_NEAR(done["cost_usd"].get<double>(), 0.0065, 1e-12);
  EXPECT_TRUE(verify_audit_log(dir_ / "audit.jsonl").ok);
}

TEST_F(EgressTest, BudgetCapRefusesWithNothingAudited) {
  const Egress egress{redactor_, prices_, budgets_, *audit_};
  for (int i = 0; i < 2; ++i) {  // $0.0305 held, $0.0065 kept, each time
    Json b = body();
    CloudTicket t = begin_cloud_request(egress, request(), b);
    finish_cloud_request(egress, t, 100, 200, "ok");
  }
  Json b = body();
  try {
    begin_cloud_request(egress, request(), b);  // $0.013 + $0.0305 > $0.04
    FAIL() << "the budget cap let a request through";
  } catch (const BudgetExceeded& e) {
    EXPECT_NE(std::string(e.what()).find("daily budget"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_lines(dir_ / "audit.jsonl").size(), 4u);
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 13'000);

  EgressRequest cheap = request();  // a smaller request still fits
  cheap.max_tokens = 100;
  Json b2 = body();
  CloudTicket t = begin_cloud_request(egress, cheap, b2);
  finish_cloud_request(egress, t, 0, 0, "cloud answered 502 before the first byte");
  const Json failed = Json::parse(read_lines(dir_ / "audit.jsonl").back());
  EXPECT_EQ(failed["outcome"], "cloud answered 502 before the first byte");
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 13'000);
}

TEST_F(EgressTest, UnpricedCloudModelIsRefusedBeforeAnything) {
  const Egress egress{redactor_, prices_, budgets_, *audit_};
  EgressRequest r = request();
  r.cloud_model = "gpt-unknown";
  Json b = body();
  EXPECT_THROW(begin_cloud_request(egress, r, b), FormatError);
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 0);
  EXPECT_EQ(audit_->last_seq(), 0u);
}

TEST_F(EgressTest, FailedAuditWriteReleasesTheReservation) {
  AuditLog full("/dev/full");  // every write fails with ENOSPC
  const Egress egress{redactor_, prices_, budgets_, full};
  Json b = body();
  EXPECT_THROW(begin_cloud_request(egress, request(), b), IoError);
  EXPECT_EQ(budgets_.used_today("team-a").micro_usd, 0);
  // And the log refuses further appends (its tail may be torn).
  EXPECT_THROW(full.append_request(entry("k", "m", 1, 0, 0)), IoError);
}

}  // namespace
}  // namespace hearth::gateway

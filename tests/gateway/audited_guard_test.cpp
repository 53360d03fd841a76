// gateway/audited_guard.h over the real pieces: what a cloud would be sent
// is the redacted, audited body (its hash in the log), a spent budget
// refuses with 429 and a broken audit log with 503 (nothing to send either
// way), the answer's usage (JSON or the last SSE usage) settles the budget
// and the completion record, and make_audited_guard follows the config.
#include <gtest/gtest.h>

#include <filesystem>

#include "audit_fixture.h"
#include "gateway/audited_guard.h"
#include "gateway/cloud_usage.h"
#include "gateway/digest.h"
#include "gateway/keys.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;
using namespace hearth::gateway::test;

CloudRequest chat(const std::string& body) {
  return {"burst", "/v1/chat/completions", "llama", "gpt-5.5", "*", "", body, nullptr};
}

class AuditedGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("audited-guard");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    // $1 per completion token, prompts free: the cost is the completion count.
    guard_ = std::make_unique<AuditedCloudGuard>(Egress{redactor_, prices_, budgets_, *audit_}, 50);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<Json> records() const {
    std::vector<Json> out;
    for (const auto& l : read_lines(dir_ / "audit.jsonl")) out.push_back(Json::parse(l));
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<AuditLog> audit_;
  Redactor redactor_{builtin_redaction_rules()};
  PriceTable prices_{std::vector<CloudPrice>{{"gpt-5.5", 0.0, 1e6}}};
  Budgets budgets_{std::make_shared<MemoryBudgetStore>()};
  std::unique_ptr<AuditedCloudGuard> guard_;
};

TEST_F(AuditedGuardTest, SendsTheRedactedAuditedBodyAndRecordsTheUsage) {
  CloudRequest r = chat(R"({"model":"gpt-5.5","max_tokens":8,"messages":[{"role":"user","content":"mail jane@corp.example"}]})");
  const CloudVerdict v = guard_->before_send(r);
  ASSERT_TRUE(v.allowed) << v.reason;
  EXPECT_EQ(Json::parse(r.body)["messages"][0]["content"], "mail [REDACTED:email]");
  EXPECT_EQ(r.body.find("jane@"), std::string::npos);
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);  // on disk before anything was sent
  EXPECT_EQ(recs[0]["request_hash"], sha256_hex(r.body));
  EXPECT_EQ(recs[0]["redactions"], (Json{{"email", 1}}));
  EXPECT_EQ(budgets_.used_today("").micro_usd, 8'000'000);  // 8 completion tokens held at $1

  guard_->after_response(r, 200, R"({"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}})");
  recs = records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1]["type"], "completion");
  EXPECT_EQ(recs[1]["prompt_tokens"], 7);
  EXPECT_EQ(recs[1]["completion_tokens"], 3);
  EXPECT_EQ(recs[1]["outcome"], "ok");
  EXPECT_EQ(budgets_.used_today("").micro_usd, 3'000'000);
  EXPECT_EQ(verify_audit_log(dir_ / "audit.jsonl").ok, true);
}

TEST_F(AuditedGuardTest, AMissingCapIsSetToTheDefaultAndReserved) {
  CloudRequest r = chat(R"({"model":"gpt-5.5","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(guard_->before_send(r).allowed);
  EXPECT_EQ(Json::parse(r.body)["max_tokens"], 50);
  EXPECT_EQ(budgets_.used_today("").micro_usd, 50'000'000);
  // The cloud failed: nothing used, the outcome says why.
  guard_->after_response(r, 0, "");
  EXPECT_EQ(budgets_.used_today("").micro_usd, 0);
  EXPECT_EQ(records().at(1)["outcome"], "no response");
}

TEST_F(AuditedGuardTest, AStreamsUsageChunkIsChargedAndRecorded) {
  CloudRequest r = chat(R"({"model":"gpt-5.5","max_tokens":20,"stream":true,"stream_options":{"include_usage":true},"messages":[]})");
  ASSERT_TRUE(guard_->before_send(r).allowed);
  const CloudCharge charge = guard_->after_response(
      r, 200,
      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6}}\n\ndata: [DONE]\n\n");
  EXPECT_EQ(charge.tokens, 15);
  EXPECT_DOUBLE_EQ(charge.usd, 6.0);
  const auto recs = records();
  EXPECT_EQ(recs.at(1)["prompt_tokens"], 9);
  EXPECT_EQ(recs.at(1)["completion_tokens"], 6);
  EXPECT_EQ(recs.at(1)["outcome"], "ok");
  EXPECT_EQ(budgets_.used_today("").tokens, 15);
}

TEST_F(AuditedGuardTest, AnAnswerWithoutUsageIsChargedTheReservedWorstCase) {
  // 35 bytes of body: a prompt estimate of 9 tokens (one per 4 bytes, rounded up); 20 completion tokens reserved.
  const std::string body = R"({"model":"gpt-5.5","max_tokens":20})";
  CloudRequest r = chat(body);
  ASSERT_TRUE(guard_->before_send(r).allowed);
  const BudgetAmount held = budgets_.used_today("");
  EXPECT_EQ(held.tokens, 9 + 20);
  const CloudCharge charge = guard_->after_response(r, 200, "data: {\"choices\":[]}\n\ndata: [DONE]\n\n");
  EXPECT_EQ(charge.tokens, 29);
  EXPECT_DOUBLE_EQ(charge.usd, 20.0);
  // Nothing given back: the budget keeps the whole hold, and the record says so.
  EXPECT_EQ(budgets_.used_today("").tokens, held.tokens);
  EXPECT_EQ(budgets_.used_today("").micro_usd, held.micro_usd);
  const auto recs = records();
  EXPECT_EQ(recs.at(1)["outcome"], "usage unknown");
  EXPECT_EQ(recs.at(1)["prompt_tokens"], 9);
  EXPECT_EQ(recs.at(1)["completion_tokens"], 20);
  // An error answer is not charged.
  CloudRequest failed = chat(body);
  ASSERT_TRUE(guard_->before_send(failed).allowed);
  EXPECT_EQ(guard_->after_response(failed, 500, "{}").tokens, 0);
  EXPECT_EQ(budgets_.used_today("").tokens, held.tokens);
  EXPECT_EQ(records().at(3)["outcome"], "HTTP 500");
}

TEST_F(AuditedGuardTest, ABudgetStopsTrafficExactlyAtItsCapWith429) {
  budgets_.set_limit("", {0, 12.0});  // three answers of 4 completion tokens
  const std::string body = R"({"model":"gpt-5.5","max_tokens":4,"messages":[{"role":"user","content":"hi"}]})";
  for (int i = 0; i < 3; ++i) {
    CloudRequest r = chat(body);
    ASSERT_TRUE(guard_->before_send(r).allowed) << "request " << i;
    guard_->after_response(r, 200, R"({"usage":{"prompt_tokens":1,"completion_tokens":4}})");
  }
  CloudRequest over = chat(body);
  const CloudVerdict v = guard_->before_send(over);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.status, 429);
  EXPECT_NE(v.reason.find("daily budget"), std::string::npos) << v.reason;
  EXPECT_EQ(over.guard_state, nullptr);
  EXPECT_EQ(records().size(), 6u);  // the refused request was not audited (not sent)
}

TEST_F(AuditedGuardTest, AnAuditWriteFailureRefusesWith503) {
  // A real failing write: /dev/full opens (an empty device) and every write
  // to it fails with ENOSPC, as a full disk would.
  AuditLog full_log("/dev/full");
  AuditedCloudGuard g(Egress{redactor_, prices_, budgets_, full_log}, 50);
  CloudRequest r = chat(R"({"model":"gpt-5.5","max_tokens":4,"messages":[]})");
  const CloudVerdict v = g.before_send(r);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.status, 503);
  EXPECT_NE(v.reason.find("not sent"), std::string::npos) << v.reason;
  EXPECT_EQ(budgets_.used_today("").micro_usd, 0);  // the hold was released
}

TEST_F(AuditedGuardTest, RefusesABodyThatIsNotJsonAndAnUnpricedModelWith400) {
  CloudRequest bad = chat("not json");
  EXPECT_EQ(guard_->before_send(bad).status, 400);
  CloudRequest unpriced = chat(R"({"model":"x","max_tokens":4})");
  unpriced.cloud_model = "nobody-prices-this";
  const CloudVerdict v = guard_->before_send(unpriced);
  EXPECT_EQ(v.status, 400);
  EXPECT_NE(v.reason.find("nobody-prices-this"), std::string::npos) << v.reason;
  EXPECT_TRUE(records().empty());
}

TEST(CloudUsage, ReadsJsonAndTheLastSseUsage) {
  const CloudUsage j = read_cloud_usage(R"({"usage":{"prompt_tokens":5,"completion_tokens":9}})");
  EXPECT_TRUE(j.known);
  EXPECT_EQ(j.prompt_tokens, 5);
  EXPECT_EQ(j.completion_tokens, 9);
  const CloudUsage s = read_cloud_usage(
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n");
  EXPECT_TRUE(s.known);
  EXPECT_EQ(s.prompt_tokens, 2);
  EXPECT_EQ(s.completion_tokens, 3);
  const CloudUsage a = read_cloud_usage(R"({"usage":{"input_tokens":4,"output_tokens":6}})");
  EXPECT_EQ(a.prompt_tokens + a.completion_tokens, 10);
  EXPECT_FALSE(read_cloud_usage("data: {\"choices\":[]}\n\ndata: [DONE]\n\n").known);
  EXPECT_FALSE(read_cloud_usage("garbage").known);
}

TEST(AuditedGuardConfig, BuildsFromTheConfigAndRequiresAuditForClouds) {
  const auto dir = hearth::test::temp_dir("audited-guard-config");
  const std::string base = "[[clouds]]\nname = \"burst\"\nurl = \"http://127.0.0.1:1/v1\"\napi_key_env = \"K\"\n";
  const GatewayConfig none = parse_config(base, "gw.toml");
  try {
    require_cloud_audit(none, "gw.toml");
    ADD_FAILURE() << "clouds without [audit] must be refused";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("[audit]\npath = \"audit.jsonl\""), std::string::npos) << e.what();
  }
  const GatewayConfig c = parse_config(base + "[audit]\npath = \"" + (dir / "a.jsonl").string() +
                                           "\"\n[redaction]\nrules = [\"email\"]\n[[redaction.custom]]\n"
                                           "name = \"employee\"\npattern = \"EMP-[0-9]{6}\"\n"
                                           "[budgets]\ntokens_per_day = 1000\nmax_tokens = 16\n",
                                       "gw.toml");
  EXPECT_NO_THROW(require_cloud_audit(c, "gw.toml"));
  EXPECT_EQ(c.budgets.tokens_per_day, 1000);
  auto guard = make_audited_guard(c);
  CloudRequest r{"burst", "/v1/chat/completions", "m", "GPT-5.5", "*", "",
                 R"({"messages":[{"role":"user","content":"EMP-123456 at a@b.example from 10.0.0.1"}]})", nullptr};
  const CloudVerdict v = guard->before_send(r);
  ASSERT_TRUE(v.allowed) << v.reason;  // GPT-5.5 is in the built-in prices
  const Json sent = Json::parse(r.body);
  // Only the enabled built-in (email) and the custom rule: the IPv4 stays.
  EXPECT_EQ(sent["messages"][0]["content"], "[REDACTED:employee] at [REDACTED:email] from 10.0.0.1");
  EXPECT_EQ(sent["max_tokens"], 16);
  guard->after_response(r, 200, R"({"usage":{"prompt_tokens":1,"completion_tokens":1}})");
  EXPECT_EQ(verify_audit_log(dir / "a.jsonl").records, 2u);
  EXPECT_THROW(parse_config(base + "[budgets]\nusd_per_day = \"lots\"\n", "gw.toml"), FormatError);
  std::filesystem::remove_all(dir);
}

TEST(AuditedGuardConfig, EachKeyHasItsOwnBudgetFromTheKeyFile) {
  const auto dir = hearth::test::temp_dir("audited-guard-keys");
  // Key "capped" may spend $3 a day on GPT-5.5; "free" has no cap; requests
  // without a key fall under [budgets] (none here).
  KeyStore({make_key_record("capped", "hk-capped-000000000000000", {}, {0, 3.0}),
            make_key_record("free", "hk-free-0000000000000000000")})
      .save(dir / "keys.json");
  const GatewayConfig c = parse_config(
      "[[clouds]]\nname = \"burst\"\nurl = \"http://127.0.0.1:1/v1\"\napi_key_env = \"K\"\n[audit]\npath = \"" +
          (dir / "a.jsonl").string() + "\"\n[keys]\npath = \"" + (dir / "keys.json").string() + "\"\n",
      "gw.toml");
  auto guard = make_audited_guard(c);
  const auto ask = [&](const std::string& key_id) {
    // 200,000 completion tokens of GPT-5.5 cost more than $3 (built-in prices).
    CloudRequest r{"burst", "/v1/chat/completions", "m", "GPT-5.5", "*", key_id,
                   R"({"max_tokens":200000,"messages":[]})", nullptr};
    const CloudVerdict v = guard->before_send(r);
    if (v.allowed) guard->after_response(r, 200, R"({"usage":{"prompt_tokens":1,"completion_tokens":1}})");
    return v;
  };
  const CloudVerdict capped = ask("capped");
  EXPECT_EQ(capped.status, 429);
  EXPECT_NE(capped.reason.find("\"capped\""), std::string::npos) << capped.reason;
  EXPECT_TRUE(ask("free").allowed);
  EXPECT_TRUE(ask("").allowed);
  const auto q = query_audit_log(dir / "a.jsonl", {});
  std::vector<std::string> ids;
  for (const auto& r : q.records) ids.push_back(r.entry.key_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"free", "free", "", ""}));  // request + completion each
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway

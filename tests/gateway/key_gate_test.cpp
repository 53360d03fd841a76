// gateway/key_gate.h: which key a request presents, who it is, and what it
// may use — and the same through Gateway::handle, the way a client meets it:
// 401 and 403 in each dialect's error shape, /v1/models filtered by the
// key's routes, /health and /metrics open, and the per-key metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "gateway/gateway.h"
#include "gateway/key_gate.h"
#include "gateway/keys.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;
using server::HttpReply;
using server::HttpRequest;

const std::string kGateAlice = "hk-alice-0123456789abcdefABCDEF";
const std::string kGateBob = "hk-bob-fedcba9876543210xyzXYZ";

HttpRequest request(const std::string& method, const std::string& path, std::map<std::string, std::string> headers = {},
                    std::string body = {}) {
  HttpRequest r;
  r.method = method;
  r.path = path;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::map<std::string, std::string> bearer(const std::string& key) { return {{"authorization", "Bearer " + key}}; }

std::shared_ptr<const KeyStore> two_keys() {
  return std::make_shared<const KeyStore>(
      std::vector<KeyRecord>{make_key_record("alice", kGateAlice, {"llama-*"}), make_key_record("bob", kGateBob)});
}

TEST(KeyGate, PresentedKeyFromEitherDialectsHeader) {
  EXPECT_EQ(presented_key(request("POST", "/", bearer(kGateAlice))), kGateAlice);
  EXPECT_EQ(presented_key(request("POST", "/", {{"x-api-key", kGateBob}})), kGateBob);
  // Authorization wins when both are sent.
  EXPECT_EQ(presented_key(request("POST", "/", {{"authorization", "Bearer " + kGateAlice}, {"x-api-key", kGateBob}})), kGateAlice);
  // Not a bearer token: the x-api-key (here none) is used.
  EXPECT_EQ(presented_key(request("POST", "/", {{"authorization", "Basic abc"}})), "");
  EXPECT_EQ(presented_key(request("POST", "/", {{"authorization", "Bearer "}})), "");
  EXPECT_EQ(presented_key(request("POST", "/")), "");
}

TEST(KeyGate, IdentifiesTheCallerOrSaysWhyNot) {
  const KeyGate open;
  EXPECT_FALSE(open.enabled());
  EXPECT_FALSE(open.identify(request("POST", "/")).refused());
  EXPECT_EQ(open.identify(request("POST", "/", bearer("anything"))).id(), "");

  const KeyGate gate(two_keys(), true);
  const Caller none = gate.identify(request("POST", "/"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.code, "missing_api_key");
  EXPECT_NE(none.message.find("Authorization: Bearer KEY"), std::string::npos) << none.message;
  const Caller wrong = gate.identify(request("POST", "/", bearer(kGateAlice + "x")));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.code, "invalid_api_key");
  EXPECT_EQ(wrong.message.find(kGateAlice), std::string::npos);  // the key is never echoed
  const Caller alice = gate.identify(request("POST", "/", bearer(kGateAlice)));
  ASSERT_FALSE(alice.refused());
  EXPECT_EQ(alice.id(), "alice");
  EXPECT_EQ(gate.identify(request("POST", "/", {{"x-api-key", kGateBob}})).id(), "bob");

  // Optional keys: none passes as "", a wrong one is still refused.
  const KeyGate optional(two_keys(), false);
  const Caller anonymous = optional.identify(request("POST", "/"));
  EXPECT_FALSE(anonymous.refused());
  EXPECT_EQ(anonymous.id(), "");
  EXPECT_EQ(optional.identify(request("POST", "/", bearer("hk-nobody-000000000000000"))).status, 401);
}

TEST(KeyGate, RoutesLimitTheModels) {
  const KeyGate gate(two_keys(), true);
  const Caller alice = gate.identify(request("POST", "/", bearer(kGateAlice)));
  EXPECT_FALSE(gate.may_use(alice, "llama-3").refused());
  const Caller denied = gate.may_use(alice, "gpt-5");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.code, "model_not_allowed");
  EXPECT_NE(denied.message.find("\"alice\""), std::string::npos) << denied.message;
  EXPECT_NE(denied.message.find("\"gpt-5\""), std::string::npos) << denied.message;
  EXPECT_NE(denied.message.find("llama-*"), std::string::npos) << denied.message;
  EXPECT_TRUE(gate.allows(gate.identify(request("POST", "/", bearer(kGateBob))), "gpt-5"));  // no routes: every model
  EXPECT_TRUE(gate.allows(Caller{}, "gpt-5"));
}

// A gateway over one node that serves two models (nothing listens on its
// port: a request that gets past the key check fails upstream with 502/503).
class GatewayKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("gw-keys");
    KeyStore({make_key_record("alice", kGateAlice, {"llama-*"}), make_key_record("bob", kGateBob)}).save(dir_ / "keys.json");
    GatewayConfig c;
    NodeConfig n;
    n.name = "n";
    n.url = parse_url("http://127.0.0.1:1");
    n.models = {"llama-x", "gpt-y"};
    c.nodes.push_back(n);
    c.keys.path = (dir_ / "keys.json").string();
    c.upstream.workers = 2;
    gw_ = std::make_unique<Gateway>(c, nullptr, nullptr);
  }
  void TearDown() override {
    gw_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The reply, waiting for a deferred one.
  HttpReply call(const HttpRequest& r) {
    HttpReply reply = gw_->handle(r);
    if (!reply.deferred) return reply;
    std::promise<HttpReply> done;
    reply.deferred([&](HttpReply real) { done.set_value(std::move(real)); });
    return done.get_future().get();
  }
  std::string metrics() { return call(request("GET", "/metrics")).body; }

  std::filesystem::path dir_;
  std::unique_ptr<Gateway> gw_;
};

std::string chat(const std::string& model) {
  return Json{{"model", model}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump();
}

std::string header(const HttpReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST_F(GatewayKeysTest, NoOrAWrongKeyIs401InTheDialectsShape) {
  const HttpReply none = call(request("POST", "/v1/chat/completions", {}, chat("llama-x")));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer");
  const Json oai = Json::parse(none.body);
  EXPECT_EQ(oai["error"]["type"], "invalid_request_error");
  EXPECT_EQ(oai["error"]["code"], "missing_api_key");
  EXPECT_NE(oai["error"]["message"].get<std::string>().find("x-api-key: KEY"), std::string::npos);

  const HttpReply wrong = call(request("POST", "/v1/messages", {{"x-api-key", "hk-wrong-0000000000000000"}},
                                       R"({"model":"llama-x","max_tokens":4,"messages":[]})"));
  EXPECT_EQ(wrong.status, 401);
  const Json anthropic = Json::parse(wrong.body);
  EXPECT_EQ(anthropic["type"], "error");
  EXPECT_EQ(anthropic["error"]["type"], "authentication_error");
  EXPECT_NE(anthropic["error"]["message"].get<std::string>().find("not valid"), std::string::npos);

  // The key is checked before the body: a caller without one learns nothing of it.
  EXPECT_EQ(call(request("POST", "/v1/embeddings", {}, "not json")).status, 401);
  EXPECT_EQ(call(request("POST", "/v1/embeddings", bearer(kGateBob), "not json")).status, 400);
}

TEST_F(GatewayKeysTest, AModelOutsideTheKeysRoutesIs403NamingBoth) {
  const HttpReply r = call(request("POST", "/v1/chat/completions", bearer(kGateAlice), chat("gpt-y")));
  EXPECT_EQ(r.status, 403);
  const Json oai = Json::parse(r.body);
  EXPECT_EQ(oai["error"]["type"], "permission_error");
  EXPECT_EQ(oai["error"]["code"], "model_not_allowed");
  const std::string message = oai["error"]["message"];
  EXPECT_NE(message.find("\"gpt-y\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"alice\""), std::string::npos) << message;
  const HttpReply a = call(request("POST", "/v1/messages", {{"x-api-key", kGateAlice}},
                                   R"({"model":"gpt-y","max_tokens":4,"messages":[]})"));
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(Json::parse(a.body)["error"]["type"], "permission_error");
  // A model it may use gets past the check (and fails upstream: nothing listens).
  const int passed = call(request("POST", "/v1/chat/completions", bearer(kGateAlice), chat("llama-x"))).status;
  EXPECT_TRUE(passed == 502 || passed == 503) << passed;
}

TEST_F(GatewayKeysTest, ModelsListsWhatTheKeyMayUseHealthAndMetricsAreOpen) {
  const auto ids = [&](const HttpReply& r) {
    std::vector<std::string> out;
    const Json list = Json::parse(r.body);
    for (const auto& m : list["data"]) out.push_back(m["id"]);
    return out;
  };
  EXPECT_EQ(call(request("GET", "/v1/models")).status, 401);
  EXPECT_EQ(ids(call(request("GET", "/v1/models", bearer(kGateAlice)))), std::vector<std::string>{"llama-x"});
  EXPECT_EQ(ids(call(request("GET", "/v1/models", {{"x-api-key", kGateBob}}))), (std::vector<std::string>{"gpt-y", "llama-x"}));
  EXPECT_EQ(call(request("GET", "/health")).status, 200);
  EXPECT_EQ(call(request("GET", "/metrics")).status, 200);
}

TEST_F(GatewayKeysTest, MetricsCountRequestsPerKeyAndRefusals) {
  call(request("POST", "/v1/chat/completions", bearer(kGateAlice), chat("llama-x")));
  call(request("POST", "/v1/chat/completions", bearer(kGateAlice), chat("llama-x")));
  call(request("POST", "/v1/chat/completions", bearer(kGateBob), chat("gpt-y")));
  call(request("POST", "/v1/chat/completions", bearer(kGateAlice), chat("gpt-y")));  // 403
  call(request("POST", "/v1/chat/completions", {}, chat("gpt-y")));              // 401
  call(request("GET", "/v1/models"));                                           // 401
  const std::string m = metrics();
  EXPECT_NE(m.find("hearth_gateway_key_requests_total{key=\"alice\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_gateway_key_requests_total{key=\"bob\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_gateway_key_refusals_total{status=\"401\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("hearth_gateway_key_refusals_total{status=\"403\"} 1\n"), std::string::npos) << m;
}

TEST(GatewayMetricsKeys, SpendAndTokensPerKeyWithEscapedLabels) {
  GatewayMetrics m;
  m.key_request("team-a");
  m.key_spend("team-a", 120, 0.25);
  m.key_spend("team-a", 30, 0.5);
  m.key_spend("odd\"id\\", 1, 0);
  const std::string text = m.render({}, 0, 0);
  EXPECT_NE(text.find("hearth_gateway_key_requests_total{key=\"team-a\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hearth_gateway_key_cloud_tokens_total{key=\"team-a\"} 150\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hearth_gateway_key_cloud_spend_usd_total{key=\"team-a\"} 0.75\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hearth_gateway_key_cloud_tokens_total{key=\"odd\\\"id\\\\\"} 1\n"), std::string::npos) << text;
}

TEST(GatewayKeysStart, AMissingOrBrokenKeyFileStopsTheGateway) {
  const auto dir = hearth::test::temp_dir("gw-keys-start");
  GatewayConfig c;
  c.keys.path = (dir / "missing.json").string();
  EXPECT_THROW({ Gateway g(c, nullptr, nullptr); }, IoError);
  std::ofstream(dir / "bad.json") << R"({"keys": [{"id": "x"}]})";
  c.keys.path = (dir / "bad.json").string();
  EXPECT_THROW({ Gateway g(c, nullptr, nullptr); }, FormatError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway

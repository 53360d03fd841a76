// https upstreams (UpstreamCall over TLS, and the Gateway's failover, breakers
// and health checks on top) against a loopback TLS server whose self-signed
// certificate is generated at test time (tls_server.h):
//   - trusted through ca_file; refused by the system store (and then failed
//     over to the next node, counted by the breaker and the health check);
//   - tls_verify = false; a certificate for another host;
//   - keep-alive reuse over TLS; SSE handed over chunk by chunk;
//   - a server that never finishes the handshake times out within connect_timeout;
//     a plain http server behind an https URL fails it clearly.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "gateway/gateway.h"
#include "relay_expect.h"
#include "gateway/tls_context.h"
#include "gateway/upstream_call.h"
#include "test_data.h"
#include "tls_server.h"

namespace hearth::gateway {
namespace {

namespace net = boost::asio;
using Json = nlohmann::json;
using test::TlsServer;

const std::string kAnswer = R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"over tls"},"finish_reason":"stop"}]})";

// The chat answer, and a model list for the health check's GET /v1/models.
TlsServer::Reply answer(const test::SeenRequest& r) {
  if (r.target == "/v1/models") return {{test::json_response(R"({"object":"list","data":[{"id":"m"}]})")}};
  return {{test::json_response(kAnswer)}};
}

class GatewayTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("gw-tls");
    cert_ = test::make_self_signed(dir_, "loopback", "IP:127.0.0.1,DNS:localhost");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Url url_of(const TlsServer& s, const std::string& host = "127.0.0.1") {
    return parse_url("https://" + host + ":" + std::to_string(s.port()) + "/v1");
  }
  TlsOptions trusting() const { return TlsOptions{true, cert_.cert.string()}; }

  static UpstreamRequest post() {
    UpstreamRequest r;
    r.path = "/v1/chat/completions";
    r.body = R"({"model":"m"})";
    return r;
  }
  // One complete exchange; its body, or the error.
  static std::string call_once(const Url& url, TlsContext& tls, ConnectionPool* pool = nullptr, bool* reused = nullptr) {
    UpstreamCall call(url, Seconds(2), Seconds(2), pool, &tls);
    if (!call.start(post())) return "error: " + call.error();
    if (reused) *reused = call.reused();
    std::string body;
    while (call.next(body)) {
    }
    return call.failed() ? "error: " + call.error() : body;
  }

  std::filesystem::path dir_;
  test::CertFiles cert_;
};

TEST_F(GatewayTlsTest, CaFileTrustsTheUpstreamsOwnCertificate) {
  TlsServer server(cert_, answer);
  TlsContext tls(trusting());
  EXPECT_EQ(call_once(url_of(server), tls), kAnswer);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/v1/chat/completions");
  EXPECT_EQ(seen[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].body, R"({"model":"m"})");
  EXPECT_EQ(seen[0].sni, "");  // no SNI for an IP address (RFC 6066)
  // By DNS name too (SNI + hostname check against the certificate's DNS entry).
  EXPECT_EQ(call_once(url_of(server, "localhost"), tls), kAnswer);
  ASSERT_EQ(server.seen().size(), 2u);
  EXPECT_EQ(server.seen()[1].sni, "localhost");
}

TEST_F(GatewayTlsTest, TheSystemStoreRefusesASelfSignedCertificateBeforeAnyRequestByte) {
  TlsServer server(cert_, answer);
  TlsContext system_store(TlsOptions{});
  const std::string r = call_once(url_of(server), system_store);
  EXPECT_NE(r.find("TLS handshake with https://127.0.0.1:" + std::to_string(server.port()) +
                   " failed: certificate verify failed: self-signed certificate"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("set ca_file"), std::string::npos) << r;  // says what to do
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.handshakes(), 0);
  EXPECT_TRUE(server.seen().empty());
}

TEST_F(GatewayTlsTest, TlsVerifyFalseAcceptsAnyCertificate) {
  TlsServer server(cert_, answer);
  TlsContext unverified(TlsOptions{false, ""});
  EXPECT_EQ(call_once(url_of(server), unverified), kAnswer);
}

TEST_F(GatewayTlsTest, ACertificateForAnotherHostIsRefused) {
  const test::CertFiles other = test::make_self_signed(dir_, "other", "DNS:other.example");
  TlsServer server(other, answer);
  TlsContext tls(TlsOptions{true, other.cert.string()});  // trusted CA, wrong name
  const std::string by_ip = call_once(url_of(server), tls);
  EXPECT_NE(by_ip.find("certificate verify failed: IP address mismatch"), std::string::npos) << by_ip;
  const std::string by_name = call_once(url_of(server, "localhost"), tls);
  EXPECT_NE(by_name.find("certificate verify failed: hostname mismatch"), std::string::npos) << by_name;
  EXPECT_TRUE(server.seen().empty());
}

TEST_F(GatewayTlsTest, KeepAliveReusesTheTlsConnection) {
  TlsServer server(cert_, answer);
  TlsContext tls(trusting());
  ConnectionPool pool;
  const Url url = url_of(server);
  bool reused = true;
  EXPECT_EQ(call_once(url, tls, &pool, &reused), kAnswer);
  EXPECT_FALSE(reused);
  EXPECT_EQ(pool.idle(pool_key(url)), 1u);
  EXPECT_EQ(pool_key(url), "https://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(call_once(url, tls, &pool, &reused), kAnswer);
  EXPECT_TRUE(reused);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(server.seen().size(), 2u);
  // A connection made under other TLS settings is not handed to this context.
  TlsContext unverified(TlsOptions{false, ""});
  EXPECT_EQ(call_once(url, unverified, &pool, &reused), kAnswer);
  EXPECT_FALSE(reused);
  EXPECT_EQ(server.handshakes(), 2);
}

TEST_F(GatewayTlsTest, StreamsEachSseChunkAsItArrives) {
  TlsServer server(cert_, [](const test::SeenRequest&) {
    return TlsServer::Reply{{test::sse_head() + test::chunked_part("data: 1\n\n"),
                             test::chunked_part("data: [DONE]\n\n") + test::kLastChunk},
                            std::chrono::milliseconds(150)};
  });
  TlsContext tls(trusting());
  UpstreamCall call(url_of(server), Seconds(2), Seconds(2), nullptr, &tls);
  ASSERT_TRUE(call.start(post())) << call.error();
  EXPECT_EQ(call.header("content-type"), "text/event-stream");
  test::expect_events_one_at_a_time(call);
}

TEST_F(GatewayTlsTest, AHandshakeThatNeverEndsTimesOutWithinTheConnectTimeout) {
  // Accepts the TCP connection and never answers the ClientHello.
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  const Url url = parse_url("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  TlsContext tls(trusting());
  UpstreamCall call(url, Seconds(0.3), Seconds(5), nullptr, &tls);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(call.start(post()));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));  // bounded by 0.3 s, not by first_byte
  EXPECT_NE(call.error().find("TLS handshake with " + url.origin() + " timed out"), std::string::npos) << call.error();
}

TEST_F(GatewayTlsTest, APlainHttpServerOnAnHttpsUrlFailsTheHandshakeClearly) {
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  std::thread server([&] {
    net::ip::tcp::socket s(ioc);
    acceptor.accept(s);
    boost::system::error_code ec;
    net::write(s, net::buffer(std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")), ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  const Url url = parse_url("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  TlsContext tls(trusting());
  UpstreamCall call(url, Seconds(2), Seconds(2), nullptr, &tls);
  EXPECT_FALSE(call.start(post()));
  server.join();
  EXPECT_EQ(call.error().rfind("TLS handshake with " + url.origin() + " failed: ", 0), 0u) << call.error();
}

// ---- the Gateway on top -------------------------------------------------------

server::HttpRequest chat_request() {
  server::HttpRequest r;
  r.method = "POST";
  r.path = "/v1/chat/completions";
  r.body = Json{{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}.dump();
  return r;
}

server::HttpReply handle(Gateway& gw, const server::HttpRequest& r) {
  server::HttpReply reply = gw.handle(r);
  if (!reply.deferred) return reply;
  std::promise<server::HttpReply> done;
  reply.deferred([&](server::HttpReply real) { done.set_value(std::move(real)); });
  return done.get_future().get();
}

NodeConfig node(const std::string& name, const Url& url, TlsOptions tls, int weight) {
  NodeConfig n;
  n.name = name;
  n.url = url;
  n.tls = std::move(tls);
  n.models = {"m"};
  n.weight = weight;
  return n;
}

TEST_F(GatewayTlsTest, AFailedHandshakeFailsOverLikeAConnectFailureAndCounts) {
  TlsServer untrusted(cert_, answer);
  TlsServer trusted(cert_, answer);
  GatewayConfig c;
  c.health.failures = 1;
  // "a" is tried first (the higher weight) and its certificate is not trusted by the system store.
  c.nodes.push_back(node("a", url_of(untrusted), TlsOptions{}, 2));
  c.nodes.push_back(node("b", url_of(trusted), trusting(), 1));
  c.nodes[1].models.clear();  // learnt by the health check below (until then: tried for any model)
  c.upstream.workers = 2;
  Gateway gw(c, nullptr, nullptr);

  const server::HttpReply r = handle(gw, chat_request());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, kAnswer);
  EXPECT_TRUE(untrusted.seen().empty());
  EXPECT_EQ(untrusted.handshakes(), 0);
  EXPECT_EQ(trusted.seen().size(), 1u);
  const auto status = gw.pool().status();
  EXPECT_EQ(status[0].breaker, CircuitBreaker::State::open);  // the failed handshake counted
  EXPECT_EQ(status[1].breaker, CircuitBreaker::State::closed);
  const std::string metrics = handle(gw, server::HttpRequest{"GET", "/metrics", {}, {}, {}}).body;
  EXPECT_NE(metrics.find("hearth_gateway_upstream_requests_total{connection=\"new\"} 1"), std::string::npos) << metrics;

  // The health check over https: "a" fails it, "b" passes.
  // b's model list is learnt only from a passing check (its configured list is empty).
  auto b_learnt = [&] { return gw.pool().status()[1].models == std::vector<std::string>{"m"}; };
  gw.start_health_checks();  // checks a, then b, at once
  for (int i = 0; i < 250 && !b_learnt(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(b_learnt());
  EXPECT_TRUE(gw.pool().status()[1].healthy);
  EXPECT_FALSE(gw.pool().status()[0].healthy);  // checked before b
}

TEST_F(GatewayTlsTest, EveryNodeRefusingItsCertificateIs502NamingTheFailure) {
  TlsServer untrusted(cert_, answer);
  GatewayConfig c;
  c.nodes.push_back(node("b", url_of(untrusted), TlsOptions{}, 1));
  c.upstream.workers = 2;
  Gateway gw(c, nullptr, nullptr);
  const server::HttpReply r = handle(gw, chat_request());
  EXPECT_EQ(r.status, 502);
  const std::string message = Json::parse(r.body)["error"]["message"];
  EXPECT_NE(message.find("certificate verify failed: self-signed certificate"), std::string::npos) << message;
  EXPECT_NE(message.find("(node b)"), std::string::npos) << message;
}

TEST_F(GatewayTlsTest, KeepAliveThroughTheGatewayIsCountedAsReused) {
  TlsServer server(cert_, answer);
  GatewayConfig c;
  c.nodes.push_back(node("a", url_of(server), trusting(), 1));
  c.upstream.workers = 2;
  Gateway gw(c, nullptr, nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(handle(gw, chat_request()).status, 200);
    // The worker pools the connection just after it delivered the reply: give it that moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string metrics = handle(gw, server::HttpRequest{"GET", "/metrics", {}, {}, {}}).body;
  EXPECT_NE(metrics.find("hearth_gateway_upstream_requests_total{connection=\"reused\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hearth_gateway_upstream_requests_total{connection=\"new\"} 1"), std::string::npos) << metrics;
  EXPECT_EQ(server.handshakes(), 1);
}

}  // namespace
}  // namespace hearth::gateway

// UpstreamCall against a scripted loopback server: chunks handed over as
// they arrive (not buffered), refused connections, first-byte timeouts and
// bodies that break off.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gateway/upstream_call.h"
#include "relay_expect.h"

namespace hearth::gateway {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Accepts one connection on a free port, reads the request head, then
// writes each part after its delay and closes (unless hold_open).
class ScriptedServer {
 public:
  struct Part {
    std::string bytes;
    int delay_ms = 0;
  };
  explicit ScriptedServer(std::vector<Part> parts, bool hold_open = false)
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, parts = std::move(parts), hold_open] {
      tcp::socket s(ioc_);
      acceptor_.accept(s);
      net::streambuf buf;
      boost::system::error_code ec;
      net::read_until(s, buf, "\r\n\r\n", ec);
      for (const auto& p : parts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(p.delay_ms));
        net::write(s, net::buffer(p.bytes), ec);
      }
      if (hold_open) std::this_thread::sleep_for(std::chrono::milliseconds(600));
    });
  }
  ~ScriptedServer() { thread_.join(); }
  Url url() const { return Url{"127.0.0.1", acceptor_.local_endpoint().port(), ""}; }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

UpstreamRequest post() {
  UpstreamRequest r;
  r.path = "/v1/chat/completions";
  r.body = "{}";
  return r;
}

TEST(GatewayUpstreamCall, HandsOverEachChunkAsItArrives) {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n"},
                         {"data: [DONE]\n\n", 150}});
  UpstreamCall call(server.url(), Seconds(2), Seconds(2));
  ASSERT_TRUE(call.start(post())) << call.error();
  EXPECT_EQ(call.status(), 200);
  EXPECT_EQ(call.header("content-type"), "text/event-stream");
  test::expect_events_one_at_a_time(call);
}

TEST(GatewayUpstreamCall, RefusedConnectionSaysSo) {
  Url url;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    url = Url{"127.0.0.1", a.local_endpoint().port(), ""};
  }  // closed: nothing listens there now
  UpstreamCall call(url, Seconds(1), Seconds(1));
  EXPECT_FALSE(call.start(post()));
  EXPECT_NE(call.error().find("cannot connect to 127.0.0.1:"), std::string::npos) << call.error();
}

TEST(GatewayUpstreamCall, SilentUpstreamTimesOutBeforeTheFirstByte) {
  ScriptedServer server({}, /*hold_open=*/true);
  UpstreamCall call(server.url(), Seconds(1), Seconds(0.2));
  EXPECT_FALSE(call.start(post()));
  EXPECT_NE(call.error().find("sent no response"), std::string::npos) << call.error();
}

TEST(GatewayUpstreamCall, BodyShorterThanItsLengthIsABrokenBody) {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":"}});
  UpstreamCall call(server.url(), Seconds(1), Seconds(1));
  ASSERT_TRUE(call.start(post())) << call.error();
  std::string body;
  while (call.next(body)) {
  }
  EXPECT_TRUE(call.failed());
  EXPECT_NE(call.error().find("broke off"), std::string::npos) << call.error();
  EXPECT_EQ(body, "{\"a\":");
}

TEST(GatewayUpstreamCall, TargetJoinsTheBaseWithoutDoublingV1) {
  EXPECT_EQ(upstream_target(Url{"h", 1, ""}, "/v1/models"), "/v1/models");
  EXPECT_EQ(upstream_target(Url{"h", 1, "/v1"}, "/v1/chat/completions"), "/v1/chat/completions");
  EXPECT_EQ(upstream_target(Url{"h", 1, "/openai/v1"}, "/v1/embeddings"), "/openai/v1/embeddings");
  EXPECT_EQ(upstream_target(Url{"h", 1, "/proxy"}, "/v1/models"), "/proxy/v1/models");
}

}  // namespace
}  // namespace hearth::gateway

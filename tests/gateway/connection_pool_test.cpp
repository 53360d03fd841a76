// Upstream keep-alive (ConnectionPool + UpstreamCall) against a loopback
// HTTP/1.1 server scripted per connection and request: a connection is
// reused after a complete response, never after `Connection: close` or a
// partial read; a pooled connection the server closed is retried once on a
// fresh one only when no byte of the response came back; idle connections
// expire; the cap per upstream holds; a dead node's connections are dropped.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/connection_pool.h"
#include "gateway/upstream_call.h"
#include "gateway/upstream_connection.h"

namespace hearth::gateway {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// What the server does with request `request` (0-based) on connection
// `connection` (0-based, in accept order): write `bytes`, then close the
// connection when close_after, else wait for the next request on it.
struct Answer {
  std::string bytes;
  bool close_after = false;
};

Answer ok(const std::string& body, const std::string& extra_headers = "") {
  return {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n" + extra_headers + "\r\n" + body};
}

// One thread per connection; counts connections and requests.
class KeepAliveServer {
 public:
  using Script = std::function<Answer(int connection, int request)>;
  explicit KeepAliveServer(Script script)
      : script_(std::move(script)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accepting_ = std::thread([this] { accept_loop(); });
  }
  ~KeepAliveServer() { stop(); }

  // Stops listening and cuts every open connection (a node that died).
  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocked accept()
    accepting_.join();
    {
      std::lock_guard lock(mu_);
      for (auto& s : sockets_) ::shutdown(s.native_handle(), SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    boost::system::error_code ec;
    acceptor_.close(ec);
  }

  Url url() const { return Url{"127.0.0.1", port_, ""}; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  void accept_loop() {
    while (!stopped_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopped_) return;
      const int no = connections_++;
      std::lock_guard lock(mu_);
      sockets_.push_back(std::move(s));
      tcp::socket& mine = sockets_.back();
      threads_.emplace_back([this, &mine, no] { serve(mine, no); });
    }
  }

  // Reads requests (head + Content-Length body) and answers each per the script.
  void serve(tcp::socket& s, int connection) {
    net::streambuf buf;
    for (int request = 0;; ++request) {
      boost::system::error_code ec;
      const size_t head = net::read_until(s, buf, "\r\n\r\n", ec);
      if (ec) return;
      std::string text(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + static_cast<long>(head));
      buf.consume(head);
      size_t length = 0;
      if (const auto at = text.find("Content-Length: "); at != std::string::npos) length = std::stoul(text.substr(at + 16));
      if (buf.size() < length) net::read(s, buf, net::transfer_exactly(length - buf.size()), ec);
      if (ec) return;
      buf.consume(length);
      ++requests_;
      const Answer a = script_(connection, request);
      net::write(s, net::buffer(a.bytes), ec);
      if (ec || a.close_after) {
        s.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  Script script_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread accepting_;
  std::mutex mu_;
  std::list<tcp::socket> sockets_;  // stable addresses for the connection threads
  std::vector<std::thread> threads_;
  std::atomic<int> connections_{0}, requests_{0};
  std::atomic<bool> stopped_{false};
};

UpstreamRequest post() {
  UpstreamRequest r;
  r.path = "/v1/chat/completions";
  r.body = "{\"model\":\"m\"}";
  return r;
}

// One whole call: start, read the body to its end. Returns the body ("" and
// the error in *error when it failed).
std::string call_once(const Url& url, ConnectionPool& pool, bool* reused = nullptr, std::string* error = nullptr) {
  UpstreamCall call(url, Seconds(2), Seconds(2), &pool);
  std::string body;
  if (call.start(post())) {
    while (call.next(body)) {
    }
  }
  if (reused) *reused = call.reused();
  if (error) *error = call.error();
  return call.failed() ? "" : body;
}

TEST(GatewayConnectionPool, ReusesTheConnectionAfterACompleteResponse) {
  KeepAliveServer server([](int c, int r) { return ok("{\"c\":" + std::to_string(c) + ",\"r\":" + std::to_string(r) + "}"); });
  ConnectionPool pool;
  bool reused = true;
  EXPECT_EQ(call_once(server.url(), pool, &reused), "{\"c\":0,\"r\":0}");
  EXPECT_FALSE(reused);
  EXPECT_EQ(pool.idle(server.url().authority()), 1u);
  EXPECT_EQ(call_once(server.url(), pool, &reused), "{\"c\":0,\"r\":1}");  // the same connection, its second request
  EXPECT_TRUE(reused);
  EXPECT_EQ(call_once(server.url(), pool, &reused), "{\"c\":0,\"r\":2}");
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 3);
}

TEST(GatewayConnectionPool, WithoutAPoolEveryCallHasItsOwnConnection) {
  KeepAliveServer server([](int c, int) { return ok("{\"c\":" + std::to_string(c) + "}"); });
  for (int i = 0; i < 2; ++i) {
    UpstreamCall call(server.url(), Seconds(2), Seconds(2));
    ASSERT_TRUE(call.start(post())) << call.error();
    std::string body;
    while (call.next(body)) {
    }
    EXPECT_EQ(body, "{\"c\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST(GatewayConnectionPool, ConnectionCloseIsNotPooled) {
  KeepAliveServer server([](int c, int) {
    Answer a = ok("{\"c\":" + std::to_string(c) + "}", "Connection: close\r\n");
    a.close_after = true;
    return a;
  });
  ConnectionPool pool;
  EXPECT_EQ(call_once(server.url(), pool), "{\"c\":0}");
  EXPECT_EQ(pool.idle(server.url().authority()), 0u);
  bool reused = true;
  EXPECT_EQ(call_once(server.url(), pool, &reused), "{\"c\":1}");
  EXPECT_FALSE(reused);
  EXPECT_EQ(server.connections(), 2);
}

TEST(GatewayConnectionPool, APartlyReadResponseIsNotPooled) {
  KeepAliveServer server([](int c, int) { return ok("{\"c\":" + std::to_string(c) + ",\"pad\":\"" + std::string(100000, 'x') + "\"}"); });
  ConnectionPool pool;
  {
    UpstreamCall call(server.url(), Seconds(2), Seconds(2), &pool);
    ASSERT_TRUE(call.start(post())) << call.error();
    std::string some;
    ASSERT_TRUE(call.next(some));  // part of the body; the caller gives up (its client left)
  }
  EXPECT_EQ(pool.idle(server.url().authority()), 0u);
  const std::string body = call_once(server.url(), pool);
  EXPECT_EQ(body.substr(0, 7), "{\"c\":1,");  // a new connection answered
  EXPECT_EQ(server.connections(), 2);
}

TEST(GatewayConnectionPool, AStaleConnectionIsRetriedOnceOnAFreshOneWhenNoByteCameBack) {
  // Connection 0 answers its first request, then closes on the second
  // without a byte (as a server whose idle timeout struck just then).
  KeepAliveServer server([](int c, int r) {
    if (c == 0 && r == 1) return Answer{"", true};
    return ok("{\"c\":" + std::to_string(c) + "}");
  });
  ConnectionPool pool;
  EXPECT_EQ(call_once(server.url(), pool), "{\"c\":0}");
  bool reused = true;
  std::string error;
  EXPECT_EQ(call_once(server.url(), pool, &reused, &error), "{\"c\":1}") << error;
  EXPECT_FALSE(reused);  // answered on the fresh connection
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 3);  // the first, the one lost with the stale connection, its one retry
}

TEST(GatewayConnectionPool, APartialAnswerOnAPooledConnectionIsNotRetried) {
  // The second request on connection 0 gets half a status line, then the
  // connection closes: the server may have acted on it, so no second try.
  KeepAliveServer server([](int c, int r) {
    if (c == 0 && r == 1) return Answer{"HTTP/1.1 200 O", true};
    return ok("{\"c\":" + std::to_string(c) + "}");
  });
  ConnectionPool pool;
  EXPECT_EQ(call_once(server.url(), pool), "{\"c\":0}");
  UpstreamCall call(server.url(), Seconds(2), Seconds(2), &pool);
  EXPECT_FALSE(call.start(post()));
  EXPECT_NE(call.error().find("sent no response"), std::string::npos) << call.error();
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 2);
}

TEST(GatewayConnectionPool, AFreshConnectionClosedWithoutAnswerIsNotRetried) {
  KeepAliveServer server([](int, int) { return Answer{"", true}; });
  ConnectionPool pool;
  UpstreamCall call(server.url(), Seconds(2), Seconds(2), &pool);
  EXPECT_FALSE(call.start(post()));  // the gateway's failover (the next node) takes it from here
  EXPECT_NE(call.error().find("sent no response"), std::string::npos) << call.error();
  EXPECT_EQ(server.requests(), 1);
}

TEST(GatewayConnectionPool, IdleConnectionsExpire) {
  KeepAliveServer server([](int c, int) { return ok("{\"c\":" + std::to_string(c) + "}"); });
  ConnectionPoolLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(50);
  ConnectionPool pool(limits);
  EXPECT_EQ(call_once(server.url(), pool), "{\"c\":0}");
  EXPECT_EQ(pool.idle(server.url().authority()), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  pool.close_expired();
  EXPECT_EQ(pool.idle(server.url().authority()), 0u);
  bool reused = true;
  EXPECT_EQ(call_once(server.url(), pool, &reused), "{\"c\":1}");
  EXPECT_FALSE(reused);
}

TEST(GatewayConnectionPool, AnExpiredConnectionIsNotTakenEvenBeforeASweep) {
  KeepAliveServer server([](int c, int) { return ok("{\"c\":" + std::to_string(c) + "}"); });
  ConnectionPoolLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(50);
  ConnectionPool pool(limits);
  EXPECT_EQ(call_once(server.url(), pool), "{\"c\":0}");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(pool.take(server.url().authority()), nullptr);
  EXPECT_EQ(pool.idle(server.url().authority()), 0u);
}

TEST(GatewayConnectionPool, KeepsAtMostTheCapPerUpstream) {
  KeepAliveServer server([](int c, int) { return ok("{\"c\":" + std::to_string(c) + "}"); });
  ConnectionPoolLimits limits;
  limits.max_idle_per_upstream = 2;
  ConnectionPool pool(limits);
  {
    // Three calls in flight at once: three connections.
    UpstreamCall a(server.url(), Seconds(2), Seconds(2), &pool), b(server.url(), Seconds(2), Seconds(2), &pool),
        c(server.url(), Seconds(2), Seconds(2), &pool);
    for (UpstreamCall* call : {&a, &b, &c}) {
      ASSERT_TRUE(call->start(post())) << call->error();
      std::string body;
      while (call->next(body)) {
      }
    }
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(pool.idle(server.url().authority()), 2u);
}

TEST(GatewayConnectionPool, ADeadNodesConnectionsAreDroppedAndTheCallFailsToConnect) {
  ConnectionPool pool;
  Url url;
  {
    KeepAliveServer server([](int, int) { return ok("{}"); });
    url = server.url();
    EXPECT_EQ(call_once(url, pool), "{}");
    EXPECT_EQ(pool.idle(url.authority()), 1u);
    server.stop();  // the node dies: its listener and connections go
  }
  std::string error;
  EXPECT_EQ(call_once(url, pool, nullptr, &error), "");
  EXPECT_NE(error.find("cannot connect to"), std::string::npos) << error;
  EXPECT_EQ(pool.idle(url.authority()), 0u);
}

TEST(GatewayConnectionPool, DropClosesEveryIdleConnectionOfThatUpstream) {
  KeepAliveServer server([](int, int) { return ok("{}"); });
  ConnectionPool pool;
  EXPECT_EQ(call_once(server.url(), pool), "{}");
  pool.drop("127.0.0.1:1");  // another upstream: untouched
  EXPECT_EQ(pool.idle(server.url().authority()), 1u);
  pool.drop(server.url().authority());
  EXPECT_EQ(pool.idle(server.url().authority()), 0u);
}

}  // namespace
}  // namespace hearth::gateway

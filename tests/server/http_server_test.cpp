// The HTTP server over real sockets: a handler or a body source that throws
// fails its own request (a 500 while nothing of the reply went out, else the
// stream is cut short) and the server goes on serving. Before, the exception
// left io_context::run and `hearth serve` exited (session 12 found one such
// crash: a JSON dump of invalid UTF-8 in a stream).
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace hearth::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Pulls `chunks` one at a time, then throws.
class ThrowingSource : public BodySource {
 public:
  explicit ThrowingSource(int chunks) : chunks_(chunks) {}
  void start(std::function<void()> ready) override { ready_ = std::move(ready); }
  bool pull(std::string& out) override {
    if (chunks_-- <= 0) throw std::runtime_error("the source broke");
    out += "data: chunk\n\n";
    ready_();  // more next time
    return true;
  }
  void cancel() override {}

 private:
  int chunks_;
  std::function<void()> ready_;
};

HttpReply handle(const HttpRequest& req) {
  if (req.path == "/throws") throw std::runtime_error("the handler broke");
  HttpReply r;
  if (req.path == "/buffered-source-throws") {
    r.source = std::make_shared<ThrowingSource>(1);
  } else if (req.path == "/stream-throws-at-once") {
    r.source = std::make_shared<ThrowingSource>(0);
    r.streamed = true;
  } else if (req.path == "/stream-throws-later") {
    r.source = std::make_shared<ThrowingSource>(2);
    r.streamed = true;
    r.content_type = "text/event-stream";
  } else {
    r.body = "ok";
  }
  return r;
}

struct Reply {
  int status = 0;
  std::string body;
  bool complete = false;  // the response parsed whole (false: the connection was cut)
};

Reply get(uint16_t port, const std::string& path) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req(http::verb::get, path, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  beast::error_code ec;
  http::read(stream, buf, parser, ec);
  Reply r;
  r.status = static_cast<int>(parser.get().result_int());
  r.body = parser.get().body();
  r.complete = !ec && parser.is_done();
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.port = 0;
    server_ = std::make_unique<HttpServer>(config);
    thread_ = std::thread([this] { server_->run(handle); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, AHandlerThatThrowsGetsA500AndTheServerGoesOn) {
  const Reply r = get(port(), "/throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(r.complete);
  EXPECT_NE(r.body.find("the handler broke"), std::string::npos) << r.body;
  EXPECT_EQ(get(port(), "/ok").body, "ok");
}

TEST_F(HttpServerTest, ABufferedSourceThatThrowsGetsA500) {
  const Reply r = get(port(), "/buffered-source-throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("the source broke"), std::string::npos) << r.body;
  EXPECT_EQ(get(port(), "/ok").body, "ok");
}

TEST_F(HttpServerTest, AStreamThatThrowsBeforeItsFirstByteGetsA500) {
  const Reply r = get(port(), "/stream-throws-at-once");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(get(port(), "/ok").body, "ok");
}

TEST_F(HttpServerTest, AStreamThatThrowsLaterIsCutShortAndTheServerGoesOn) {
  const Reply r = get(port(), "/stream-throws-later");
  EXPECT_EQ(r.status, 200);  // the status went out with the first chunk
  EXPECT_NE(r.body.find("data: chunk"), std::string::npos) << r.body;
  EXPECT_EQ(get(port(), "/ok").body, "ok");
  EXPECT_EQ(get(port(), "/ok").status, 200);
}

}  // namespace
}  // namespace hearth::server

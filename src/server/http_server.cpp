#include "server/http_server.h"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <optional>

#include "core/error.h"
#include "server/api_error.h"

namespace hearth::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

HttpRequest to_request(const http::request<http::string_body>& in) {
  HttpRequest r;
  r.method = std::string(in.method_string().data(), in.method_string().size());
  const std::string target(in.target().data(), in.target().size());
  r.path = target.substr(0, target.find('?'));
  for (const auto& f : in) {
    std::string name(f.name_string().data(), f.name_string().size());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    r.headers[name] = std::string(f.value().data(), f.value().size());
  }
  r.body = in.body();
  return r;
}

// One client connection: read a request, hand it to the handler, write the
// reply; repeat while keep-alive. A streamed reply is pulled from its
// BodySource whenever the source rings, one write in flight at a time; a
// failed write or a closed socket cancels the source (the scheduler then
// frees the sequence's KV cells).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // open: the count of live connections (the I/O thread's only), this one included.
  Connection(tcp::socket socket, net::io_context& ioc, const Limits& limits, const Handler& handler,
             const ErrorShaper& shape_error, size_t& open)
      : stream_(std::move(socket)), ioc_(ioc), limits_(limits), handler_(handler), shape_error_(shape_error),
        open_(open) {
    ++open_;
  }

  ~Connection() {
    if (source_ && !source_done_) source_->cancel();
    --open_;
  }

  // Over the connection cap the client gets a 503 with Retry-After at once
  // (no request is read or handled) and the connection closes.
  void start() {
    if (open_ > limits_.max_connections) {
      return reject(ApiError(503, "server_error",
                             "too many open connections (the limit is " + std::to_string(limits_.max_connections) +
                                 "); retry shortly",
                             {}, "too_many_connections"));
    }
    read_request();
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    parser_->header_limit(limits_.max_header_bytes);
    stream_.expires_after(limits_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reject(ApiError(413, "invalid_request_error",
                             "the request body is larger than the limit of " +
                                 std::to_string(limits_.max_body_bytes) + " bytes",
                             {}, "request_too_large"));
    }
    if (ec == http::error::header_limit) {
      return reject(ApiError(431, "invalid_request_error",
                             "the request headers are larger than the limit of " +
                                 std::to_string(limits_.max_header_bytes) + " bytes"));
    }
    if (ec == http::error::bad_target || ec == http::error::bad_method || ec == http::error::bad_version ||
        ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_content_length ||
        ec == http::error::bad_chunk || ec == http::error::bad_line_ending) {
      return reject(ApiError(400, "invalid_request_error", "malformed HTTP request: " + ec.message()));
    }
    if (ec) return close();  // end of stream, timeout, reset
    // No deadline while the reply is generated (a request may wait in the
    // queue); each write sets its own.
    stream_.expires_never();
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    guarded([&] { respond(handler_(to_request(req))); });
  }

  // Runs f; an exception out of it (the handler, a body source) fails this
  // request alone (HttpServer::run).
  template <typename F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }

  void fail(const std::string& what) {
    std::fprintf(stderr, "hearth: request failed: %s\n", what.c_str());
    if (source_) {
      try {
        source_->cancel();
      } catch (const std::exception&) {
      }
      source_.reset();
    }
    if (reply_started_ || writing_) return close();  // part of the reply is out: cut it short
    keep_alive_ = false;
    streamed_ = false;
    pending_.clear();
    body_.clear();
    reject(ApiError(500, "server_error", "internal error: " + what));
  }

  // Sends a complete reply, starts pulling a sourced one, or waits (on no
  // thread) for a deferred one, which comes back here on this connection's
  // thread.
  void respond(HttpReply reply) {
    if (reply.deferred) {
      auto later = std::move(reply.deferred);
      later([self = shared_from_this()](HttpReply r) {
        net::post(self->ioc_, [self, r = std::move(r)]() mutable {
          self->guarded([&] { self->respond(std::move(r)); });
        });
      });
      return;
    }
    if (!reply.source) return send(std::move(reply));
    source_ = reply.source;
    streamed_ = reply.streamed;
    if (streamed_) {
      pending_ = "HTTP/1.1 200 OK\r\nContent-Type: " + reply.content_type + "\r\nCache-Control: no-cache\r\n";
      for (const auto& [k, v] : reply.headers) pending_ += k + ": " + v + "\r\n";  // e.g. the gateway's x-hearth-cache
      pending_ += "Connection: close\r\n\r\n";
    }
    watch_for_disconnect();
    std::weak_ptr<Connection> weak = shared_from_this();
    source_->start([weak, &ioc = ioc_] {
      net::post(ioc, [weak] {
        if (auto self = weak.lock()) self->guarded([&] { self->pump(); });
      });
    });
    pump();
  }

  // Error before the request could be read whole: answer, then close.
  void reject(const ApiError& e) {
    keep_alive_ = false;
    if (!shape_error_) return send(error_reply(e, static_cast<int>(limits_.retry_after.count())));
    std::string path;
    if (parser_) {  // the request line is parsed before any limit is checked
      const auto target = parser_->get().target();
      path = std::string(target.data(), target.size());
      path = path.substr(0, path.find('?'));
    }
    send(shape_error_(path, e));
  }

  void send(HttpReply reply) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), 11);
    res->set(http::field::server, "hearth");
    res->set(http::field::content_type, reply.content_type);
    for (const auto& [k, v] : reply.headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    stream_.expires_after(limits_.write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!self->keep_alive_) return self->shutdown();
      self->source_.reset();
      self->source_done_ = self->streamed_ = self->reply_started_ = false;
      ++self->request_no_;
      self->read_request();
    });
  }

  // Pulls what the source has ready; writes it (streamed) or keeps it
  // until the body is complete (buffered).
  void pump() {
    if (!source_ || source_done_ || writing_ || closed_) return;
    std::string chunk;
    source_done_ = !source_->pull(chunk);
    if (!streamed_) {
      body_ += chunk;
      if (source_done_) {
        HttpReply r;
        r.status = source_->status();
        r.body = std::move(body_);
        body_.clear();
        send(std::move(r));
      }
      return;
    }
    pending_ += chunk;
    if (pending_.empty()) {
      // The source may end with an empty pull (its last bytes went out in
      // an earlier write): the stream is complete, close it.
      if (source_done_) shutdown();
      return;
    }
    writing_ = reply_started_ = true;
    auto data = std::make_shared<std::string>(std::move(pending_));
    pending_.clear();
    stream_.expires_after(limits_.write_timeout);
    net::async_write(stream_, net::buffer(*data), [self = shared_from_this(), data](beast::error_code ec, size_t) {
      self->writing_ = false;
      self->stream_.expires_never();
      if (ec) {
        self->source_->cancel();
        return self->close();
      }
      if (self->source_done_) return self->shutdown();
      self->guarded([&] { self->pump(); });
    });
  }

  // While a reply is being generated nobody reads the socket; a wait for
  // "readable" fires when the client closes it (or sends more), and a peek
  // tells which. A closed client cancels the generation.
  void watch_for_disconnect() {
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), no = request_no_](beast::error_code ec) {
      if (no != self->request_no_ || !self->source_ || self->source_done_ || self->closed_) return;
      char c;
      const ssize_t n = ec ? 0 : ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        self->source_->cancel();
        self->close();
      }
    });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    // Drain what the client still sends (e.g. the rest of an oversize
    // body) so closing does not reset the connection before it reads the
    // reply; stops at EOF, an error or the read timeout.
    drain();
  }

  void drain() {
    stream_.expires_after(limits_.read_timeout);
    auto buf = std::make_shared<std::array<char, 16384>>();
    stream_.async_read_some(net::buffer(*buf), [self = shared_from_this(), buf](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  net::io_context& ioc_;
  const Limits& limits_;
  const Handler& handler_;
  const ErrorShaper& shape_error_;
  size_t& open_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  std::shared_ptr<BodySource> source_;
  bool streamed_ = false, source_done_ = false, writing_ = false, closed_ = false;
  bool reply_started_ = false;  // bytes of the current reply went out (a 500 can no longer replace it)
  uint64_t request_no_ = 0;  // requests served on this connection (stale waits check it)
  std::string pending_, body_;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(const ServerConfig& c) : config(c), acceptor(ioc) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) std::make_shared<Connection>(std::move(socket), ioc, config.limits, handler, shape_error, open)->start();
      accept();
    });
  }

  ServerConfig config;
  net::io_context ioc{1};
  tcp::acceptor acceptor;
  Handler handler;
  ErrorShaper shape_error;
  size_t open = 0;  // live connections
};

HttpServer::HttpServer(const ServerConfig& config) : impl_(std::make_unique<Impl>(config)) {
  beast::error_code ec;
  const auto addr = net::ip::make_address(config.host, ec);
  if (ec) throw Error("--host " + config.host + " is not an IP address (" + ec.message() + ")");
  const tcp::endpoint ep(addr, config.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw IoError("cannot listen on " + config.host + ":" + std::to_string(config.port) + ": " + ec.message());
  }
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run(Handler handler, ErrorShaper shape_error) {
  impl_->handler = std::move(handler);
  impl_->shape_error = std::move(shape_error);
  net::signal_set signals(impl_->ioc, SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code, int) {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->ioc.stop();
  });
  impl_->accept();
  // Connections catch what their handlers throw (Connection::guarded); this
  // is the last resort for anything else: logged, and serving goes on.
  for (;;) {
    try {
      impl_->ioc.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hearth: error in the HTTP server: %s\n", e.what());
    }
  }
}

void HttpServer::stop() {
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->ioc.stop();
  });
}

}  // namespace hearth::server

// One open HTTP/1.1 connection to an upstream, plain TCP or TLS over TCP,
// with the io_context its operations run on (UpstreamCall blocks its worker
// thread by running that io_context until the one pending operation
// completes, so a connection carries its own: it may be used by any worker,
// one at a time). Pooled between requests by ConnectionPool (connection_pool.h).
//
// The two kinds share one code path: callers write each operation once, as
// a generic lambda given to visit(), and the variant picks the stream (no
// allocation, no virtual call; a plain connection never touches OpenSSL).
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <variant>

namespace hearth::gateway {

class TlsContext;

struct UpstreamConnection {
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // tls: null for http://; else the upstream's context (must outlive the connection).
  explicit UpstreamConnection(TlsContext* tls = nullptr);
  ~UpstreamConnection();  // a TLS connection says close_notify (bounded: kCloseTimeout); then closes

  // The longest a TLS close waits for the peer's close_notify: a dead or
  // silent peer must not hold a worker (or the pool's sweep) for long.
  static constexpr std::chrono::milliseconds kCloseTimeout{250};

  boost::asio::io_context ioc{1};
  const TlsContext* tls;  // which context made it: a pooled TLS connection serves only that one
  std::variant<Plain, Tls> stream;  // Tls exactly when tls is set
  std::chrono::steady_clock::time_point idle_since;  // set when it went back to the pool

  // Runs fn(stream) with the stream as its real type.
  template <typename Fn>
  decltype(auto) visit(Fn&& fn) {
    return std::visit(std::forward<Fn>(fn), stream);
  }
  // The TCP layer under either kind: deadlines and the socket.
  boost::beast::tcp_stream& tcp() {
    return visit([](auto& s) -> boost::beast::tcp_stream& { return boost::beast::get_lowest_layer(s); });
  }

  // Whether the peer still looks alive while idle: no EOF, no error and no
  // unexpected bytes waiting (a server may only send anything after a request;
  // over TLS a close_notify is such bytes).
  bool idle_and_open();
};

}  // namespace hearth::gateway

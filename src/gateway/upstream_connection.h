// One open HTTP/1.1 connection to an upstream, with the io_context its
// operations run on (UpstreamCall blocks its worker thread by running that
// io_context until the one pending operation completes, so a connection
// carries its own: it may be used by any worker, one at a time).
// Pooled between requests by ConnectionPool (connection_pool.h).
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <chrono>

namespace hearth::gateway {

struct UpstreamConnection {
  boost::asio::io_context ioc{1};
  boost::beast::tcp_stream stream{ioc};
  std::chrono::steady_clock::time_point idle_since;  // set when it went back to the pool

  // Whether the peer still looks alive while idle: no EOF, no error and no
  // unexpected bytes waiting (a server may only send anything after a request).
  bool idle_and_open();

  ~UpstreamConnection();  // shuts the socket down and closes it
};

}  // namespace hearth::gateway

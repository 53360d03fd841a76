// Idle keep-alive connections to upstreams, per upstream (keyed by its
// host:port), so that a proxied request skips the TCP connect (and the
// set-up of its io_context). UpstreamCall takes one before connecting and
// gives it back only after it read a response completely from a server that
// did not say `Connection: close`; anything else is closed, never pooled.
//
// Limits: at most max_idle_per_upstream idle connections per upstream (a
// surplus one is closed); one idle for idle_timeout is closed — at the next
// take()/give_back() of its upstream or at close_expired() (the gateway's
// health loop calls it each interval). The default timeout, 4 s, is below
// the 5 s keep-alive idle timeout of common servers (Node.js, uvicorn), so
// the gateway normally closes an idle connection before the server does;
// a server that closes first is caught by the liveness peek in take() or,
// in the narrow race left, by UpstreamCall's one retry on a fresh connection.
// Thread-safe (one mutex, held only to move pointers; sockets are closed
// outside it).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::gateway {

struct UpstreamConnection;

struct ConnectionPoolLimits {
  size_t max_idle_per_upstream = 64;  // idle connections kept per upstream; 0 disables pooling
  std::chrono::milliseconds idle_timeout{4000};
};

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ConnectionPool(ConnectionPoolLimits limits = {});
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // The most recently idled connection to `upstream` that is still open
  // and within its idle timeout, or null (the caller then connects).
  // Expired or closed ones met on the way are closed.
  std::unique_ptr<UpstreamConnection> take(const std::string& upstream);

  // Keeps a connection whose last response was read completely and which
  // may be reused; closes it when the upstream already has its cap.
  void give_back(const std::string& upstream, std::unique_ptr<UpstreamConnection> connection);

  // Closes every idle connection to `upstream` (it refused a connection or
  // failed its health check: its pooled sockets are dead too).
  void drop(const std::string& upstream);

  // Closes the connections idle for longer than the timeout.
  void close_expired();

  size_t idle(const std::string& upstream) const;  // for tests and metrics

  const ConnectionPoolLimits& limits() const { return limits_; }

 private:
  using Stack = std::vector<std::unique_ptr<UpstreamConnection>>;  // oldest first

  ConnectionPoolLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Stack, std::less<>> idle_;
};

}  // namespace hearth::gateway

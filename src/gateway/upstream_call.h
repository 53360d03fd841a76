// One HTTP/1.1 request to an upstream (a node or a cloud), made from a
// gateway worker thread, with a deadline on every step: the TCP connect and,
// for https, the TLS handshake (both within connect_timeout), the response head (first_byte) and each later read of
// the body (first_byte again: the longest silence tolerated mid-stream).
// The body is read chunk by chunk as it arrives, so SSE passes through
// without being buffered. Blocking for its caller; each step runs the
// connection's own small io_context so Beast's per-operation deadlines apply.
//
// Keep-alive (with a ConnectionPool): start() first takes an idle pooled
// connection to the upstream. When that one turns out stale (the server
// closed it while idle: the send fails, or EOF/reset comes before a single
// byte of the response) the request is sent once more on a fresh
// connection — only then, because with no byte back the server cannot have
// answered it; a timeout or any response byte is never retried here (the
// caller's failover decides). The destructor gives the connection back to
// the pool only when the response was read completely, nothing followed
// it, and the server did not say `Connection: close`; a call abandoned
// mid-body closes its connection. A refused connect drops the upstream's
// pooled connections (they are dead too).
//
// https (url.tls): the same steps over TLS (tls_context.h); a failed
// handshake (an unverifiable certificate, a wrong host, no TLS on the port)
// fails start() like a refused connect, so the caller fails over, and its
// error() says what failed. Pooled TLS connections are kept under
// pool_key(url) and serve only the TlsContext that made them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config.h"
#include "gateway/connection_pool.h"

namespace hearth::gateway {

struct UpstreamRequest {
  std::string method = "POST";
  std::string path;  // e.g. "/v1/chat/completions" (joined onto the upstream's base)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Type, Content-Length
};

// Base + path, without doubling a "/v1" the base already ends with.
std::string upstream_target(const Url& url, const std::string& path);

// The ConnectionPool key of an upstream: host:port for http, https://host:port for https.
std::string pool_key(const Url& url);

class TlsContext;

class UpstreamCall {
 public:
  // pool: where to take an idle connection from and give it back to; null:
  // a fresh connection, closed at the end. tls: the upstream's context,
  // required exactly when url.tls (std::logic_error otherwise). Both must
  // outlive the call.
  UpstreamCall(const Url& url, Seconds connect_timeout, Seconds first_byte_timeout, ConnectionPool* pool = nullptr,
               TlsContext* tls = nullptr);
  ~UpstreamCall();  // pools or closes the connection (see above)
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Connects, sends, reads the response head. False (error() says why) on
  // a refused connection, a timeout or a broken response.
  bool start(const UpstreamRequest& request);
  int status() const;
  std::string header(const std::string& name) const;

  // Appends the next body bytes that arrived to `out`. Returns true while
  // more may come; after false, failed() tells a broken body (reset,
  // timeout, truncated) from a complete one. `out` may have grown either way.
  bool next(std::string& out);
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  // Whether the response went out on a pooled connection (after a stale
  // one, on the fresh connection: false). For tests and metrics.
  bool reused() const;

 private:
  bool fail(std::string why);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool failed_ = false;
  std::string error_;
};

}  // namespace hearth::gateway

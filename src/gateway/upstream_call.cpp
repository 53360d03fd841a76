#include "gateway/upstream_call.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <limits>
#include <optional>
#include <stdexcept>

#include "gateway/tls_context.h"
#include "gateway/upstream_connection.h"

namespace hearth::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string upstream_target(const Url& url, const std::string& path) {
  const bool base_v1 = url.base.size() >= 3 && url.base.compare(url.base.size() - 3, 3, "/v1") == 0;
  if (base_v1 && path.rfind("/v1/", 0) == 0) return url.base + path.substr(3);
  return url.base + path;
}

std::string pool_key(const Url& url) { return url.tls ? url.origin() : url.authority(); }

struct UpstreamCall::Impl {
  Impl(const Url& u, Seconds c, Seconds f, ConnectionPool* p, TlsContext* t)
      : url(u), who(u.authority()), tls_key(u.tls ? pool_key(u) : ""), connect_timeout(c), first_byte(f), pool(p), tls(t) {
    if (url.tls != (tls != nullptr)) throw std::logic_error("UpstreamCall: a TlsContext is needed exactly for https");
  }

  template <typename D>
  static std::chrono::steady_clock::duration ticks(D d) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

  // Runs the one pending operation to completion (or its deadline).
  void run() {
    conn->ioc.restart();
    conn->ioc.run();
  }

  // A new response parser (and an empty buffer) for one exchange.
  void reset_parser() {
    parser.emplace();
    // Streams are long (each chunk is bounded by its buffer). Not boost::none:
    // Boost 1.74 compares a length with the empty optional and refuses every body.
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    buffer.clear();
  }

  // Why a step failed, for error(); empty when it did not.
  std::string connect();
  std::string handshake();
  std::string exchange(const UpstreamRequest& request);
  // After a failed exchange: the server closed a pooled connection before
  // it sent any byte of the response (and not by our deadline).
  bool stale() const { return !timed_out && !parser->got_some() && buffer.size() == 0; }

  Url url;
  std::string who;  // host:port: the Host header and the name in messages
  std::string tls_key;  // https: the pool key (pool_key())

  // The pool key, and the Host header (without the scheme's default port):
  // references, so plain http allocates nothing more per request.
  const std::string& key() const { return url.tls ? tls_key : who; }
  const std::string& host_header() const { return url.port == (url.tls ? 443 : 80) ? url.host : who; }
  Seconds connect_timeout, first_byte;
  ConnectionPool* pool;
  TlsContext* tls;
  std::unique_ptr<UpstreamConnection> conn;
  bool reused = false;
  bool timed_out = false;  // the last failed step ran into its deadline
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  bool done = false;
};

std::string UpstreamCall::Impl::connect() {
  conn = std::make_unique<UpstreamConnection>(tls);
  reused = false;
  beast::error_code ec;
  tcp::resolver resolver(conn->ioc);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) return "cannot resolve " + who + ": " + ec.message();
  // One deadline for the connect and the TLS handshake after it.
  conn->tcp().expires_after(ticks(connect_timeout));
  conn->tcp().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run();
  if (ec) {
    if (pool) pool->drop(key());  // it refused us: its idle connections are dead too
    return "cannot connect to " + who + ": " + ec.message();
  }
  // A proxy relays each request as soon as it has it: no Nagle delay on a
  // request written in more than one piece over a kept-alive connection.
  conn->tcp().socket().set_option(tcp::no_delay(true), ec);
  return tls ? handshake() : "";
}

std::string UpstreamCall::Impl::handshake() {
  auto& s = std::get<UpstreamConnection::Tls>(conn->stream);
  try {
    tls->prepare(s.native_handle(), url.host);
  } catch (const std::exception& e) {
    return "TLS with " + url.origin() + ": " + e.what();
  }
  beast::error_code ec;
  s.async_handshake(net::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  run();
  if (!ec) return "";
  if (ec == beast::error::timeout) return "TLS handshake with " + url.origin() + " timed out";
  return "TLS handshake with " + url.origin() + " failed: " + tls->failure(s.native_handle(), ec);
}

std::string UpstreamCall::Impl::exchange(const UpstreamRequest& request) {
  reset_parser();
  timed_out = false;
  http::request<http::string_body> req(http::string_to_verb(request.method), upstream_target(url, request.path), 11);
  req.set(http::field::host, host_header());
  req.set(http::field::user_agent, "hearth-gateway");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || request.method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = request.body;
  }
  req.keep_alive(pool != nullptr);
  req.prepare_payload();
  beast::error_code ec;
  conn->tcp().expires_after(ticks(first_byte));
  conn->visit([&](auto& s) { http::async_write(s, req, [&](beast::error_code e, size_t) { ec = e; }); });
  run();
  timed_out = ec == beast::error::timeout;
  if (ec) return "cannot send to " + who + ": " + ec.message();

  conn->tcp().expires_after(ticks(first_byte));
  conn->visit([&](auto& s) { http::async_read_header(s, buffer, *parser, [&](beast::error_code e, size_t) { ec = e; }); });
  run();
  timed_out = ec == beast::error::timeout;
  if (ec) return who + " sent no response: " + ec.message();
  done = parser->is_done();
  return "";
}

UpstreamCall::UpstreamCall(const Url& url, Seconds connect_timeout, Seconds first_byte_timeout, ConnectionPool* pool,
                           TlsContext* tls)
    : impl_(std::make_unique<Impl>(url, connect_timeout, first_byte_timeout, pool, tls)) {
  impl_->reset_parser();  // status() and header() answer (empty) even before start()
}

UpstreamCall::~UpstreamCall() {
  auto& m = *impl_;
  // Reusable only after a complete response with nothing after it, from a
  // server that keeps the connection open; everything else closes here.
  const bool reusable = m.pool && m.conn && m.done && !failed_ && m.parser && m.parser->keep_alive() &&
                        m.buffer.size() == 0;
  if (reusable) m.pool->give_back(m.key(), std::move(m.conn));
}

bool UpstreamCall::fail(std::string why) {
  failed_ = true;
  error_ = std::move(why);
  return false;
}

bool UpstreamCall::reused() const { return impl_->reused; }

bool UpstreamCall::start(const UpstreamRequest& request) {
  auto& m = *impl_;
  if (m.pool) {
    m.conn = m.pool->take(m.key());
    if (m.conn && m.conn->tls != m.tls) m.conn.reset();  // made for another upstream's TLS settings
    if (m.conn) {
      m.reused = true;
      const std::string why = m.exchange(request);
      if (why.empty()) return true;
      if (!m.stale()) return fail(why);
      // Closed by the server while idle: nothing came back, so nothing was
      // answered; once more on a fresh connection below.
    }
  }
  std::string why = m.connect();
  if (why.empty()) why = m.exchange(request);
  return why.empty() ? true : fail(why);
}

int UpstreamCall::status() const { return static_cast<int>(impl_->parser->get().result_int()); }

std::string UpstreamCall::header(const std::string& name) const {
  const auto& h = impl_->parser->get();
  const auto it = h.find(name);
  return it == h.end() ? "" : std::string(it->value());
}

bool UpstreamCall::next(std::string& out) {
  auto& m = *impl_;
  if (m.done || failed_) return false;
  // Reads until some body bytes arrived: one read may carry only a chunk
  // header. Returns at once with what came, so SSE events are not held back.
  char buf[16384];
  while (true) {
    auto& body = m.parser->get().body();
    body.data = buf;
    body.size = sizeof buf;
    beast::error_code ec;
    m.conn->tcp().expires_after(Impl::ticks(m.first_byte));
    m.conn->visit([&](auto& s) { http::async_read_some(s, m.buffer, *m.parser, [&](beast::error_code e, size_t) { ec = e; }); });
    m.run();
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = sizeof buf - m.parser->get().body().size;
    out.append(buf, n);
    if (ec) return fail("the response from " + m.who + " broke off: " + ec.message());
    if (m.parser->is_done()) {
      m.done = true;
      return false;
    }
    if (n > 0) return true;
  }
}

}  // namespace hearth::gateway

#include "gateway/upstream_call.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <limits>
#include <optional>

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

struct UpstreamCall::Impl {
  Impl(const Url& u, Seconds c, Seconds f) : url(u), connect_timeout(c), first_byte(f) {}

  template <typename D>
  static std::chrono::steady_clock::duration ticks(D d) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

  // Runs the one pending operation to completion (or its deadline).
  void run() {
    ioc.restart();
    ioc.run();
  }

  Url url;
  Seconds connect_timeout, first_byte;
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  bool done = false;
};

UpstreamCall::UpstreamCall(const Url& url, Seconds connect_timeout, Seconds first_byte_timeout)
    : impl_(std::make_unique<Impl>(url, connect_timeout, first_byte_timeout)) {
  // Streams are long (each chunk is bounded by its buffer). Not boost::none:
  // Boost 1.74 compares a length with the empty optional and refuses every body.
  impl_->parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

UpstreamCall::~UpstreamCall() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  impl_->stream.socket().close(ec);
}

bool UpstreamCall::start(const UpstreamRequest& request) {
  auto& m = *impl_;
  const std::string who = m.url.authority();
  beast::error_code ec;
  tcp::resolver resolver(m.ioc);
  const auto endpoints = resolver.resolve(m.url.host, std::to_string(m.url.port), ec);
  if (ec) return failed_ = true, error_ = "cannot resolve " + who + ": " + ec.message(), false;

  m.stream.expires_after(Impl::ticks(m.connect_timeout));
  m.stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  m.run();
  if (ec) return failed_ = true, error_ = "cannot connect to " + who + ": " + ec.message(), false;

  http::request<http::string_body> req(http::string_to_verb(request.method), upstream_target(m.url, request.path), 11);
  req.set(http::field::host, who);
  req.set(http::field::user_agent, "hearth-gateway");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || request.method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = request.body;
  }
  req.prepare_payload();
  m.stream.expires_after(Impl::ticks(m.first_byte));
  http::async_write(m.stream, req, [&](beast::error_code e, size_t) { ec = e; });
  m.run();
  if (ec) return failed_ = true, error_ = "cannot send to " + who + ": " + ec.message(), false;

  m.stream.expires_after(Impl::ticks(m.first_byte));
  http::async_read_header(m.stream, m.buffer, m.parser, [&](beast::error_code e, size_t) { ec = e; });
  m.run();
  if (ec) return failed_ = true, error_ = who + " sent no response: " + ec.message(), false;
  m.done = m.parser.is_done();
  return true;
}

int UpstreamCall::status() const { return static_cast<int>(impl_->parser.get().result_int()); }

std::string UpstreamCall::header(const std::string& name) const {
  const auto& h = impl_->parser.get();
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
    auto& body = m.parser.get().body();
    body.data = buf;
    body.size = sizeof buf;
    beast::error_code ec;
    m.stream.expires_after(Impl::ticks(m.first_byte));
    http::async_read_some(m.stream, m.buffer, m.parser, [&](beast::error_code e, size_t) { ec = e; });
    m.run();
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = sizeof buf - m.parser.get().body().size;
    out.append(buf, n);
    if (ec) {
      failed_ = true;
      error_ = "the response from " + m.url.authority() + " broke off: " + ec.message();
      return false;
    }
    if (m.parser.is_done()) {
      m.done = true;
      return false;
    }
    if (n > 0) return true;
  }
}

}  // namespace hearth::gateway

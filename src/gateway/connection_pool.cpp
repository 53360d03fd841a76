#include "gateway/connection_pool.h"

#include <sys/socket.h>

#include <cerrno>

#include "gateway/tls_context.h"
#include "gateway/upstream_connection.h"

namespace hearth::gateway {
namespace {

// Built in place (the stream types cannot move between variants).
std::variant<UpstreamConnection::Plain, UpstreamConnection::Tls> make_stream(boost::asio::io_context& ioc,
                                                                             TlsContext* tls) {
  using V = std::variant<UpstreamConnection::Plain, UpstreamConnection::Tls>;
  if (tls) return V(std::in_place_type<UpstreamConnection::Tls>, ioc, tls->native());
  return V(std::in_place_type<UpstreamConnection::Plain>, ioc);
}

}  // namespace

UpstreamConnection::UpstreamConnection(TlsContext* context) : tls(context), stream(make_stream(ioc, context)) {}

bool UpstreamConnection::idle_and_open() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  char c;
  const ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

UpstreamConnection::~UpstreamConnection() {
  boost::system::error_code ec;
  auto& socket = tcp().socket();
  if (auto* s = std::get_if<Tls>(&stream); s && socket.is_open()) {
    // close_notify, then the peer's one until the deadline (which closes the socket).
    tcp().expires_after(kCloseTimeout);
    s->async_shutdown([](boost::system::error_code) {});
    ioc.restart();
    ioc.run();
  }
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

ConnectionPool::ConnectionPool(ConnectionPoolLimits limits) : limits_(limits) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<UpstreamConnection> ConnectionPool::take(const std::string& upstream) {
  Stack dead;  // closed after the lock is released
  std::unique_ptr<UpstreamConnection> found;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mu_);
    const auto it = idle_.find(upstream);
    if (it == idle_.end()) return nullptr;
    Stack& stack = it->second;
    // The newest first: it is the least likely to have been closed by the server.
    while (!stack.empty() && !found) {
      auto c = std::move(stack.back());
      stack.pop_back();
      if (now - c->idle_since <= limits_.idle_timeout && c->idle_and_open()) {
        found = std::move(c);
      } else {
        dead.push_back(std::move(c));
      }
    }
  }
  return found;
}

void ConnectionPool::give_back(const std::string& upstream, std::unique_ptr<UpstreamConnection> connection) {
  if (!connection) return;
  connection->idle_since = Clock::now();
  std::unique_ptr<UpstreamConnection> surplus;
  std::lock_guard lock(mu_);
  if (limits_.max_idle_per_upstream == 0) return;  // `connection` closes on return
  Stack& stack = idle_[upstream];
  if (stack.size() >= limits_.max_idle_per_upstream) {
    surplus = std::move(stack.front());  // the oldest goes
    stack.erase(stack.begin());
  }
  stack.push_back(std::move(connection));
}

void ConnectionPool::drop(const std::string& upstream) {
  Stack dead;
  std::lock_guard lock(mu_);
  const auto it = idle_.find(upstream);
  if (it != idle_.end()) dead.swap(it->second);
}

void ConnectionPool::close_expired() {
  Stack dead;
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  for (auto& [name, stack] : idle_) {
    // Oldest first: the expired ones are a prefix.
    size_t n = 0;
    while (n < stack.size() && now - stack[n]->idle_since > limits_.idle_timeout) ++n;
    for (size_t i = 0; i < n; ++i) dead.push_back(std::move(stack[i]));
    stack.erase(stack.begin(), stack.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

size_t ConnectionPool::idle(const std::string& upstream) const {
  std::lock_guard lock(mu_);
  const auto it = idle_.find(upstream);
  return it == idle_.end() ? 0 : it->second.size();
}

}  // namespace hearth::gateway

#include "gateway/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cmath>
#include <csignal>
#include <cstdio>

namespace hearth::gateway {
namespace {

timeval to_timeval(Seconds s) {
  const double whole = std::floor(s.count());
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(whole);
  tv.tv_usec = static_cast<suseconds_t>((s.count() - whole) * 1e6);
  return tv;
}

// A reply that is an error, as text; "" otherwise.
std::string error_of(const redisReply* r) {
  if (r->type != REDIS_REPLY_ERROR) return "";
  return std::string(r->str, r->len);
}

}  // namespace

RedisReply::~RedisReply() {
  if (r_) freeReplyObject(r_);
}

struct RedisConnection {
  redisContext* c = nullptr;
  ~RedisConnection() {
    if (c) redisFree(c);
  }
  // The command's reply; nullptr after an I/O error (then `c->errstr` says why).
  redisReply* run(const std::vector<std::string>& argv) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    return static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
  }
};

namespace {

// Connects, bounds every later command by `timeout`, authenticates and
// selects the db. Returns the connection, or throws RedisError saying why.
std::unique_ptr<RedisConnection> open(const RedisEndpoint& e, Seconds timeout) {
  const timeval tv = to_timeval(timeout);
  auto conn = std::make_unique<RedisConnection>();
  conn->c = e.socket.empty() ? redisConnectWithTimeout(e.host.c_str(), e.port, tv)
                             : redisConnectUnixWithTimeout(e.socket.c_str(), tv);
  if (!conn->c) throw RedisError("cannot allocate a Redis connection");
  if (conn->c->err) throw RedisError(std::string("cannot connect: ") + conn->c->errstr);
  if (redisSetTimeout(conn->c, tv) != REDIS_OK) throw RedisError("cannot set the command timeout");
  auto setup = [&](const std::vector<std::string>& argv, const char* what) {
    redisReply* raw = conn->run(argv);
    if (!raw) throw RedisError(std::string(what) + ": " + conn->c->errstr);
    RedisReply r(raw);
    if (const std::string err = error_of(r.get()); !err.empty()) throw RedisError(std::string(what) + ": " + err);
  };
  if (!e.password.empty()) {
    setup(e.user.empty() ? std::vector<std::string>{"AUTH", e.password} : std::vector<std::string>{"AUTH", e.user, e.password},
          "AUTH failed (check the password in the URL)");
  }
  if (e.db != 0) setup({"SELECT", std::to_string(e.db)}, "SELECT of the db failed");
  return conn;
}

}  // namespace

RedisPool::RedisPool(RedisEndpoint endpoint, Seconds timeout, std::string role, std::string while_down)
    : endpoint_(std::move(endpoint)), timeout_(timeout), role_(std::move(role)), while_down_(std::move(while_down)) {
  // hiredis writes with write(2): a server that went away must be an error
  // on that connection (EPIPE), not a SIGPIPE that ends the gateway.
  std::signal(SIGPIPE, SIG_IGN);
}

RedisPool::~RedisPool() = default;

std::unique_ptr<RedisConnection> RedisPool::borrow() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (std::chrono::steady_clock::now() < retry_at_) fail(last_error_);
  }
  try {
    return open(endpoint_, timeout_);
  } catch (const RedisError& e) {
    {
      std::lock_guard lock(mu_);
      retry_at_ = std::chrono::steady_clock::now() + kRetryAfter;
      last_error_ = e.what();
    }
    fail(e.what());
  }
}

void RedisPool::give_back(std::unique_ptr<RedisConnection> c) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

void RedisPool::fail(const std::string& why) {
  const std::string message = "redis " + role_ + " at " + endpoint_.describe() + ": " + why;
  if (!down_.exchange(true)) {
    std::fprintf(stderr, "hearth gateway: %s; %s until it is back\n", message.c_str(), while_down_.c_str());
  }
  throw RedisError(message);
}

void RedisPool::succeeded() {
  if (down_.load(std::memory_order_relaxed) && down_.exchange(false)) {
    std::fprintf(stderr, "hearth gateway: redis %s at %s is back\n", role_.c_str(), endpoint_.describe().c_str());
  }
}

RedisReply RedisPool::command(const std::vector<std::string>& argv) {
  std::unique_ptr<RedisConnection> c = borrow();
  redisReply* raw = c->run(argv);
  if (!raw) {
    // The connection is dropped with `c`; the idle ones most likely share
    // its fate (a restarted server), so they go too. No retry: the command
    // may have run (a timeout), and counters must not be changed twice.
    const std::string why = std::string(argv[0]) + ": " + c->c->errstr;
    {
      std::lock_guard lock(mu_);
      idle_.clear();
    }
    fail(why);
  }
  RedisReply r(raw);
  if (const std::string err = error_of(r.get()); !err.empty()) {
    give_back(std::move(c));  // the connection is fine; the command was refused
    fail(argv[0] + " was refused: " + err);
  }
  give_back(std::move(c));
  succeeded();
  return r;
}

std::string redis_probe(const RedisEndpoint& endpoint, Seconds timeout) {
  try {
    auto c = open(endpoint, timeout);
    redisReply* raw = c->run({"PING"});
    if (!raw) return std::string("PING: ") + c->c->errstr;
    RedisReply r(raw);
    return error_of(r.get());
  } catch (const RedisError& e) {
    return e.what();
  }
}

}  // namespace hearth::gateway

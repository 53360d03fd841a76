// A small pool of hiredis connections to one Redis server, shared by the
// Redis cache and the Redis budget store.
//
// hiredis contexts are not thread-safe, so every command borrows a
// connection for its duration (one thread at a time) and hands it back;
// idle connections are kept for reuse (at most kMaxIdle, more are closed).
// Connect and every command are bounded by `timeout` (redisSetTimeout). A
// connection that failed (I/O error, timeout, protocol error) is dropped and
// the next command connects afresh: the pool reconnects by itself once the
// server is back. After a failed connect, commands fail at once for
// kRetryAfter — no connect storm and no added latency while Redis is down.
//
// Constructing a pool ignores SIGPIPE process-wide (hiredis writes with
// write(2); a vanished server must be an error, not the end of the process).
//
// Outages are logged on stderr once each: the first failure after a
// success ("<role> at <server> is unavailable: <why>; <while_down>") and the
// first success after failures ("... is back").
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "gateway/config.h"
#include "gateway/redis_url.h"

struct redisContext;
struct redisReply;

namespace hearth::gateway {

// Redis could not run a command: unreachable, timed out, or an error reply
// (the message says which, and names the server).
class RedisError : public IoError {
 public:
  using IoError::IoError;
};

// One reply, freed on scope exit. get() is never null.
class RedisReply {
 public:
  explicit RedisReply(redisReply* r) : r_(r) {}
  ~RedisReply();
  RedisReply(RedisReply&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  RedisReply(const RedisReply&) = delete;
  RedisReply& operator=(const RedisReply&) = delete;
  RedisReply& operator=(RedisReply&&) = delete;
  const redisReply* get() const { return r_; }

 private:
  redisReply* r_;
};

struct RedisConnection;  // one hiredis context (redis_client.cpp)

class RedisPool {
 public:
  static constexpr size_t kMaxIdle = 16;
  static constexpr std::chrono::milliseconds kRetryAfter{500};

  // role: what uses the server, for log lines ("cache", "budget store");
  // while_down: what that role does meanwhile ("requests are answered uncached").
  // Connects lazily: a server down at start is an outage like any other.
  RedisPool(RedisEndpoint endpoint, Seconds timeout, std::string role, std::string while_down);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Runs one command; each argument is passed binary-safe. Throws RedisError.
  RedisReply command(const std::vector<std::string>& argv);

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  std::unique_ptr<RedisConnection> borrow();
  void give_back(std::unique_ptr<RedisConnection> c);
  [[noreturn]] void fail(const std::string& why);
  void succeeded();

  RedisEndpoint endpoint_;
  Seconds timeout_;
  std::string role_, while_down_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::chrono::steady_clock::time_point retry_at_{};  // no connect attempt before this
  std::string last_error_;
  std::atomic<bool> down_{false};
};

// "" when the server answers PING (after AUTH and SELECT) within `timeout`,
// else why not — for `hearth gateway --check`.
std::string redis_probe(const RedisEndpoint& endpoint, Seconds timeout);

}  // namespace hearth::gateway

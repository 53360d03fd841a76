// A real redis-server for the Redis store tests, on a free loopback port,
// without persistence (--save "" --appendonly no). Started by the
// constructor (a port taken before redis binds it: another one, three times
// in all), killed by stop() or the destructor; start() again brings it back
// (empty) on the same port, as a restarted server would be.
// redis-server must be on PATH (Debian's redis-server; `make deps` installs
// it): without it the test fails, saying so — it is never skipped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace hearth::gateway::test {

class RedisServer {
 public:
  RedisServer();  // throws std::runtime_error saying what is missing or went wrong
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void start();  // on port(); waits until it answers PING
  void stop();   // SIGKILL and reap: an outage, as abrupt as a crash

  uint16_t port() const { return port_; }
  std::string url(int db = 0) const { return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db); }

 private:
  bool start_once();  // false when redis-server exited at start (its port was taken)

  std::string binary_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace hearth::gateway::test

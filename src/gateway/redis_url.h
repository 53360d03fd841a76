// Where a Redis server is: the `url` of [cache] and [budgets].
//
//   redis://[[user]:password@]host[:port][/db]   TCP; port 6379, db 0 by default
//   unix:/path/to/redis.sock[?db=N]              a Unix socket (unix:///path too)
//
// The password is sent with AUTH (AUTH user password when a user is given,
// Redis 6 ACLs), the db with SELECT, on every new connection.
#pragma once

#include <cstdint>
#include <string>

namespace hearth::gateway {

struct RedisEndpoint {
  std::string host;        // empty for a Unix socket
  uint16_t port = 6379;
  std::string socket;      // Unix socket path; empty for TCP
  int db = 0;
  std::string user;        // empty: AUTH with the password alone
  std::string password;    // empty: no AUTH

  // For messages: host:port/db or unix:/path?db=N, never the password.
  std::string describe() const;
};

// Throws FormatError naming what is wrong and the accepted forms.
RedisEndpoint parse_redis_url(const std::string& text);

}  // namespace hearth::gateway

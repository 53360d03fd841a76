// The HTTP/1.1 server: Boost.Beast over Boost.Asio, one I/O thread for all
// connections (every handler is quick: parsing, tokenizing, queueing; the
// model runs on the scheduler's engine thread; a reply that must wait for a
// model to load comes back later through HttpReply::deferred). Limits from
// ServerConfig.
#pragma once

#include <cstdint>
#include <memory>

#include "server/config.h"
#include "server/http_types.h"

namespace hearth::server {

class HttpServer {
 public:
  // Binds and listens (port 0: any free port). Throws IoError with the
  // address when it cannot.
  explicit HttpServer(const ServerConfig& config);
  ~HttpServer();

  uint16_t port() const;

  // Serves with `handler` until SIGINT or SIGTERM. Objects that ring a
  // BodySource's ready bell must be destroyed before the server.
  void run(Handler handler);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server

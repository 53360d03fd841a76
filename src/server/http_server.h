// The HTTP/1.1 server: Boost.Beast over Boost.Asio, one I/O thread for all
// connections (every handler is quick: parsing, tokenizing, queueing; the
// model runs on the scheduler's engine thread; a reply that must wait for a
// model to load comes back later through HttpReply::deferred). Limits from
// ServerConfig.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <memory>

#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"

namespace hearth::server {

using ErrorShaper = std::function<HttpReply(const std::string& path, const ApiError& e)>;

class HttpServer {
 public:
  // Binds and listens (port 0: any free port). Throws IoError with the
  // address when it cannot.
  explicit HttpServer(const ServerConfig& config);
  ~HttpServer();

  uint16_t port() const;

  // Serves with `handler` until SIGINT or SIGTERM. Objects that ring a
  // BodySource's ready bell must be destroyed before the server.
  // shape_error: how to answer a request refused before it reached the
  // handler (413, 431, malformed), given its path ("" when unparsed), so
  // the error comes in the shape of the path's API dialect; unset: OpenAI's.
  // A handler or a BodySource that throws fails its own request only: the
  // client gets a 500 in the path's shape if nothing of the reply was sent
  // yet, else the connection closes (a stream cut short); the error is
  // logged and the server goes on serving.
  void run(Handler handler, ErrorShaper shape_error = {});

  // Makes run() return (from any thread), as SIGINT and SIGTERM do.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server

// What a handler sees and returns. Every route has the one signature
//   HttpReply handler(const HttpRequest&)
// A reply is either complete (status, headers, body) or carries a pull-based
// BodySource that the connection drains as it becomes ready.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hearth::server {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // target without the query string
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // How long the request waited for its model to be loaded before a handler
  // saw it (server/model_route.h; zero when the model was loaded already):
  // Ollama's load_duration, part of its total_duration.
  std::chrono::nanoseconds model_load_wait{0};

  // The header's value, or "" when absent. name: lower case.
  const std::string& header(const std::string& name) const;
};

// A body produced over time (token streaming). The connection calls
// start(ready) once; `ready` may be called from any thread whenever pull()
// has something new, and the connection then calls pull() on its own
// thread. pull() appends what is ready to `out` and returns false once the
// body is complete. cancel() is called when the client goes away.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual void start(std::function<void()> ready) = 0;
  virtual bool pull(std::string& out) = 0;
  virtual void cancel() = 0;
  // Status of a buffered (non-streamed) body, read once pull() returned false.
  virtual int status() const { return 200; }
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the body comes from here. streamed: sent as it is produced
  // (with content_type, e.g. text/event-stream or application/x-ndjson;
  // connection closed at the end); else buffered and sent whole once
  // complete.
  std::shared_ptr<BodySource> source;
  bool streamed = false;
  // Set: the reply is not known yet (its model is still loading). The
  // connection calls it once with `deliver`, which must then be called
  // exactly once, from any thread, with the real reply; the connection
  // waits without blocking its thread.
  std::function<void(std::function<void(HttpReply)> deliver)> deferred;
};

using Handler = std::function<HttpReply(const HttpRequest&)>;

}  // namespace hearth::server

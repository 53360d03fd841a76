// Every limit of the HTTP server in one place. Each limit has its own
// answer when exceeded (the status code noted beside it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth::server {

struct Limits {
  size_t max_body_bytes = 8u << 20;          // request body; over it: 413
  uint32_t max_header_bytes = 16u << 10;     // request line + headers; over it: 431
  std::chrono::seconds read_timeout{30};     // to receive one whole request (and keep-alive idle); then the connection closes
  std::chrono::seconds write_timeout{60};    // to send one response or one stream chunk; then the request is cancelled
  size_t max_stop_strings = 16;              // `stop` entries; over it: 400
  size_t max_stop_bytes = 256;               // each stop string; over it: 400
  int32_t max_top_logprobs = 20;             // `top_logprobs`; over it: 400
  std::chrono::seconds retry_after{1};       // told to clients when the queue is full (503)
  int64_t max_choices = 16;                  // `n` of a completion; over it: 400
  size_t max_embedding_inputs = 2048;        // inputs of one embeddings request; over it: 400
  size_t embedding_inputs_in_flight = 8;     // inputs of one embeddings request queued at a time
  size_t max_connections = 256;              // open client connections; over it: 503 + Retry-After, then close
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4327;
  std::string api_key;  // empty: no authentication (loopback, or --no-auth)
  Limits limits;
};

}  // namespace hearth::server

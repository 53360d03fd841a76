// An upstream's address: http://HOST[:PORT][/BASE] or https://HOST[:PORT][/BASE]
// (default port 80, or 443 for https). An https upstream's TLS settings
// (ca_file, tls_verify) live in its config entry (config.h) and become a
// TlsContext (tls_context.h).
#pragma once

#include <cstdint>
#include <string>

namespace hearth::gateway {

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string base;  // path prefix without a trailing '/', e.g. "/v1" or ""
  bool tls = false;  // https://

  // host:port, for the Host header and plain-http pool keys.
  std::string authority() const { return host + ":" + std::to_string(port); }
  // scheme://host:port, for messages.
  std::string origin() const { return (tls ? "https://" : "http://") + authority(); }
};

// Throws FormatError saying what is wrong.
Url parse_url(const std::string& text);

}  // namespace hearth::gateway

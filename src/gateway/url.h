// An upstream's address: http://HOST[:PORT][/BASE]. Only plain HTTP today
// (nodes and test clouds on a private network); https is refused with a
// clear error until the gateway links a TLS library.
#pragma once

#include <cstdint>
#include <string>

namespace hearth::gateway {

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string base;  // path prefix without a trailing '/', e.g. "/v1" or ""

  // host:port, for messages and the Host header.
  std::string authority() const { return host + ":" + std::to_string(port); }
};

// Throws FormatError (or UnsupportedError for https) saying what is wrong.
Url parse_url(const std::string& text);

}  // namespace hearth::gateway

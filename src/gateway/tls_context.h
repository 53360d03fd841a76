// The client side of TLS towards one https upstream: an OpenSSL context made
// once at start (reading a CA store is slow) and shared by every connection
// to that upstream (an SSL_CTX may make SSL objects on several threads).
//
// Policy, like curl/nginx/Envoy defaults:
//   - TLS 1.2 or later;
//   - the server's certificate is verified (tls_verify = true, the default)
//     against the system CA store (OpenSSL's default paths: the Debian
//     package ca-certificates), or — when ca_file is set — against that PEM
//     bundle INSTEAD of the system store (a private CA does not widen trust
//     to every public CA, and a public cloud needs no ca_file);
//   - the certificate must name the host of the URL (a DNS name in its
//     subjectAltName, or the IP address for an IP URL); SNI carries a DNS host.
//   - tls_verify = false: no check at all (encrypted, not authenticated);
//     the CLI warns about it at start and in --check.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without it

#include <boost/asio/ssl.hpp>

#include <string>

#include "gateway/config.h"

namespace hearth::gateway {

class TlsContext {
 public:
  // Throws Error naming ca_file when it cannot be read or holds no PEM certificate.
  explicit TlsContext(const TlsOptions& options);

  boost::asio::ssl::context& native() { return ctx_; }
  bool verifies() const { return options_.verify; }

  // Sets up one connection's SSL object before its handshake: SNI (for a
  // DNS name; RFC 6066 forbids an IP there) and the host the certificate
  // must be valid for. Throws Error when OpenSSL refuses the host.
  void prepare(SSL* ssl, const std::string& host) const;

  // Why a handshake failed, for messages: "certificate verify failed:
  // self-signed certificate; ..." with what to do, else OpenSSL's reason.
  std::string failure(SSL* ssl, const boost::system::error_code& ec) const;

 private:
  TlsOptions options_;
  boost::asio::ssl::context ctx_;
};

}  // namespace hearth::gateway

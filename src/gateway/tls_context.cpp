#include "gateway/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include "core/error.h"

namespace hearth::gateway {

namespace ssl = boost::asio::ssl;

TlsContext::TlsContext(const TlsOptions& options) : options_(options), ctx_(ssl::context::tls_client) {
  SSL_CTX* ctx = ctx_.native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) throw Error("OpenSSL refused TLS 1.2 as the minimum version");
  if (!options_.verify) {
    ctx_.set_verify_mode(ssl::verify_none);
    return;
  }
  ctx_.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (options_.ca_file.empty()) {
    ctx_.set_default_verify_paths(ec);
    if (ec) throw Error("cannot load the system CA store (install the ca-certificates package): " + ec.message());
    return;
  }
  ctx_.load_verify_file(options_.ca_file, ec);
  if (ec) {
    throw Error("ca_file \"" + options_.ca_file + "\" holds no usable PEM certificate (" + ec.message() +
                "); give the PEM file of the CA that signed the upstream's certificate");
  }
}

void TlsContext::prepare(SSL* ssl, const std::string& host) const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) throw Error("OpenSSL refused \"" + host + "\" as the SNI name");
  if (!options_.verify) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : SSL_set1_host(ssl, host.c_str());
  if (ok != 1) throw Error("OpenSSL refused \"" + host + "\" as the name to verify the certificate against");
}

std::string TlsContext::failure(SSL* ssl, const boost::system::error_code& ec) const {
  const long verify = SSL_get_verify_result(ssl);
  if (options_.verify && verify != X509_V_OK) {
    std::string why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    why += options_.ca_file.empty() ? "; set ca_file to the PEM file of its CA when the upstream uses a private CA"
                                    : "; the certificate is not signed by a CA in ca_file \"" + options_.ca_file +
                                          "\", or does not name this host";
    return why;
  }
  return ec.message();
}

}  // namespace hearth::gateway

#include "tls_server.h"

// GCC 12 under -fsanitize flags Boost 1.74's request parser (a boost::none
// "may be used uninitialized"): a false positive inside Beast, not this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace hearth::gateway::test {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

void add_ext(X509* x, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(x, ext.get(), -1) == 1, "X509_add_ext");
}

void write_pem(const std::filesystem::path& path, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  const int ok = write(f);
  std::fclose(f);
  check(ok == 1, "PEM_write");
}

}  // namespace

CertFiles make_self_signed(const std::filesystem::path& dir, const std::string& name, const std::string& san) {
  PKey key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  Cert x(X509_new());
  check(X509_set_version(x.get(), 2) == 1, "X509_set_version");
  static std::atomic<long> serial{1};
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  check(X509_set_pubkey(x.get(), key.get()) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  check(X509_set_issuer_name(x.get(), subject) == 1, "X509_set_issuer_name");
  add_ext(x.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x.get(), NID_subject_key_identifier, "hash");
  add_ext(x.get(), NID_subject_alt_name, san);
  check(X509_sign(x.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
  CertFiles out{dir / (name + ".pem"), dir / (name + ".key")};
  write_pem(out.cert, [&](FILE* f) { return PEM_write_X509(f, x.get()); });
  write_pem(out.key, [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return out;
}

TlsServer::TlsServer(const CertFiles& cert, Script script)
    : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), script_(std::move(script)) {
  ctx_.use_certificate_chain_file(cert.cert.string());
  ctx_.use_private_key_file(cert.key.string(), ssl::context::pem);
  port_ = acceptor_.local_endpoint().port();
  accept_thread_ = std::thread([this] {
    while (!stopping_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) return;
      ++connections_;
      std::lock_guard lock(mu_);
      open_fds_.push_back(s.native_handle());
      threads_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
    }
  });
}

TlsServer::~TlsServer() {
  stopping_ = true;
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // unblocks accept()
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks their reads
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

std::vector<SeenRequest> TlsServer::seen() const {
  std::lock_guard lock(mu_);
  return seen_;
}

// One connection: the handshake, then request after request (keep-alive)
// until the client closes or a reply says Connection: close.
void TlsServer::serve(tcp::socket socket) {
  ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
  // Off the list before the socket closes (after this, its number may be reused).
  struct Forget {
    TlsServer& s;
    int fd;
    ~Forget() {
      std::lock_guard lock(s.mu_);
      std::erase(s.open_fds_, fd);
    }
  } forget{*this, stream.next_layer().native_handle()};
  boost::system::error_code ec;
  stream.handshake(ssl::stream_base::server, ec);
  if (ec) return;  // the client refused our certificate
  ++handshakes_;
  const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  beast::flat_buffer buffer;
  while (!stopping_) {
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    SeenRequest r{std::string(req.method_string()), std::string(req.target()), std::string(req[http::field::host]),
                  std::string(req[http::field::authorization]), req.body(), sni ? sni : ""};
    {
      std::lock_guard lock(mu_);
      seen_.push_back(r);
    }
    const Reply reply = script_(r);
    for (size_t i = 0; i < reply.parts.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(reply.gap);
      net::write(stream, net::buffer(reply.parts[i]), ec);
      if (ec) return;
    }
    if (!reply.parts.empty() && reply.parts[0].find("Connection: close") != std::string::npos) {
      stream.shutdown(ec);
      return;
    }
  }
}

std::string json_response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string sse_head() { return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"; }

std::string chunked_part(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace hearth::gateway::test

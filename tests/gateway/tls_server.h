// Test helpers for https upstreams: a self-signed certificate generated at
// test time with the OpenSSL API (no key or certificate is checked in), and
// a small loopback TLS server with keep-alive that answers each request with
// scripted bytes.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hearth::gateway::test {

struct CertFiles {
  std::filesystem::path cert, key;  // PEM
};

// A self-signed P-256 certificate (valid from a minute ago for a day, CA:TRUE
// so that it can be its own trust anchor) for the subjectAltName `san`,
// e.g. "IP:127.0.0.1,DNS:localhost", written as dir/name.pem and dir/name.key.
CertFiles make_self_signed(const std::filesystem::path& dir, const std::string& name, const std::string& san);

// One request as the server read it.
struct SeenRequest {
  std::string method, target, host, authorization, body;
  std::string sni;  // the server name the client sent in its TLS hello ("" without one)
};

class TlsServer {
 public:
  // What to write back for a request: the raw HTTP response in parts, each
  // written (and flushed) after the previous one with `gap` between them.
  struct Reply {
    std::vector<std::string> parts;
    std::chrono::milliseconds gap{0};
  };
  using Script = std::function<Reply(const SeenRequest&)>;

  TlsServer(const CertFiles& cert, Script script);
  ~TlsServer();  // stops accepting, cuts open connections, joins

  uint16_t port() const { return port_; }
  int connections() const { return connections_; }  // TCP connections accepted
  int handshakes() const { return handshakes_; }     // of those, completed TLS handshakes
  std::vector<SeenRequest> seen() const;

 private:
  void serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_server};
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  Script script_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0}, handshakes_{0};
  mutable std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::vector<int> open_fds_;  // cut (shutdown(2)) at the end to unblock their readers
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// Raw responses for scripts.
std::string json_response(const std::string& body);
// A chunked text/event-stream head (the events follow as chunked_part()s, then kLastChunk).
std::string sse_head();
std::string chunked_part(const std::string& data);
inline const std::string kLastChunk = "0\r\n\r\n";

}  // namespace hearth::gateway::test

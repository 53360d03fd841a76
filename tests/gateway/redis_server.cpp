#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/redis_client.h"

namespace hearth::gateway::test {
namespace {

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path p = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

// A port nothing listens on right now (the kernel's pick for port 0).
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port for redis-server");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

RedisServer::RedisServer() : binary_(find_on_path("redis-server")), port_(free_port()) {
  if (binary_.empty()) {
    throw std::runtime_error("redis-server is not on PATH: the Redis store tests need a real server; install "
                             "Debian's redis-server (`make deps` does)");
  }
  // The port was free when picked, but any connection may take it as its
  // local port before redis-server binds it: then try another one.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    if (start_once()) return;
    port_ = free_port();
  }
  throw std::runtime_error("redis-server exited at start three times (ports taken?)");
}

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  if (!start_once()) throw std::runtime_error("redis-server exited at restart on port " + std::to_string(port_));
}

bool RedisServer::start_once() {
  const std::string port = std::to_string(port_);
  // Built before fork(): the child only calls async-signal-safe functions.
  std::vector<std::string> args = {binary_, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                   "no", "--daemonize", "no", "--dir", std::filesystem::temp_directory_path().string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork redis-server");
  if (pid_ == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const RedisEndpoint e = parse_redis_url(url());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string why;
  while (std::chrono::steady_clock::now() < deadline) {
    why = redis_probe(e, Seconds(0.5));
    if (why.empty()) return true;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("redis-server on port " + port + " did not answer PING within 10 s: " + why);
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace hearth::gateway::test

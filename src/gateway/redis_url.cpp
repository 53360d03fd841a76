#include "gateway/redis_url.h"

#include "core/error.h"

namespace hearth::gateway {
namespace {

const char* const kForms = "give redis://[:password@]host[:port][/db] or unix:/path/to/redis.sock[?db=N]";

[[noreturn]] void bad(const std::string& text, const std::string& what) {
  throw FormatError("\"" + text + "\": " + what + "; " + kForms);
}

// A decimal number in [lo, hi], or bad() naming `what`.
long number(const std::string& text, const std::string& digits, long lo, long hi, const std::string& what) {
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    bad(text, what + " must be a number");
  }
  const long v = std::stol(digits);
  if (v < lo || v > hi) bad(text, what + " must be from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

constexpr long kMaxDb = 1 << 20;  // Redis's own limit is the server's `databases` setting

RedisEndpoint parse_unix(const std::string& text, std::string rest) {
  RedisEndpoint e;
  if (rest.rfind("//", 0) == 0) rest = rest.substr(2);  // unix:///path
  const size_t q = rest.find('?');
  e.socket = rest.substr(0, q);
  if (e.socket.empty() || e.socket[0] != '/') bad(text, "a Unix socket needs an absolute path");
  if (q != std::string::npos) {
    const std::string query = rest.substr(q + 1);
    if (query.rfind("db=", 0) != 0) bad(text, "the only query a socket URL takes is db=N");
    e.db = static_cast<int>(number(text, query.substr(3), 0, kMaxDb, "the db"));
  }
  return e;
}

}  // namespace

std::string RedisEndpoint::describe() const {
  if (!socket.empty()) return "unix:" + socket + "?db=" + std::to_string(db);
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisEndpoint parse_redis_url(const std::string& text) {
  if (text.rfind("unix:", 0) == 0) return parse_unix(text, text.substr(5));
  const std::string scheme = "redis://";
  if (text.rfind("rediss://", 0) == 0) bad(text, "TLS (rediss://) is not supported; reach Redis over loopback, a private network or a socket");
  if (text.rfind(scheme, 0) != 0) bad(text, "not a Redis URL");
  std::string rest = text.substr(scheme.size());
  RedisEndpoint e;
  // The userinfo ends at the last '@' (a password may hold '@'; a host never does).
  if (const size_t at = rest.rfind('@'); at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string::npos) bad(text, "the part before '@' must be :password or user:password");
    e.user = userinfo.substr(0, colon);
    e.password = userinfo.substr(colon + 1);
    if (e.password.empty()) bad(text, "the password before '@' is empty");
  }
  const size_t slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size()) {
    e.db = static_cast<int>(number(text, rest.substr(slash + 1), 0, kMaxDb, "the db (after '/')"));
  }
  const size_t colon = hostport.rfind(':');
  e.host = hostport.substr(0, colon);
  if (e.host.empty()) bad(text, "there is no host");
  if (colon != std::string::npos) e.port = static_cast<uint16_t>(number(text, hostport.substr(colon + 1), 1, 65535, "the port"));
  return e;
}

}  // namespace hearth::gateway

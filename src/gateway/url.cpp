#include "gateway/url.h"

#include "core/error.h"

namespace hearth::gateway {

Url parse_url(const std::string& text) {
  Url u;
  u.tls = text.rfind("https://", 0) == 0;
  if (!u.tls && text.rfind("http://", 0) != 0) throw FormatError("\"" + text + "\" is not an http:// or https:// URL");
  if (u.tls) u.port = 443;
  const std::string rest = text.substr(u.tls ? 8 : 7);
  const size_t slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  u.base = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.base.empty() && u.base.back() == '/') u.base.pop_back();
  const size_t colon = hostport.rfind(':');
  u.host = hostport.substr(0, colon);
  if (u.host.empty()) throw FormatError("\"" + text + "\" has no host");
  if (colon != std::string::npos) {
    const std::string port = hostport.substr(colon + 1);
    unsigned long p = 0;
    size_t used = 0;
    try {
      p = std::stoul(port, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != port.size() || p == 0 || p > 65535) {
      throw FormatError("\"" + text + "\": the port must be a number from 1 to 65535");
    }
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

}  // namespace hearth::gateway

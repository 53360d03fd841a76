#include "gateway/upstream_tls.h"

#include "core/error.h"
#include "gateway/tls_context.h"

namespace hearth::gateway {
namespace {

std::shared_ptr<TlsContext> context_for(const std::string& what, const Url& url, const TlsOptions& tls) {
  if (!url.tls) return nullptr;
  try {
    return std::make_shared<TlsContext>(tls);
  } catch (const Error& e) {
    throw Error(what + " (" + url.origin() + "): " + e.what());
  }
}

// fn(what, url, tls) for every upstream, nodes first, in config order.
template <typename Fn>
void each_upstream(const GatewayConfig& config, Fn fn) {
  for (const auto& n : config.nodes) fn("node \"" + n.name + "\"", n.url, n.tls);
  for (const auto& c : config.clouds) fn("cloud \"" + c.name + "\"", c.url, c.tls);
}

}  // namespace

UpstreamTls make_upstream_tls(const GatewayConfig& config) {
  UpstreamTls out;
  for (const auto& n : config.nodes) out.nodes.push_back(context_for("node \"" + n.name + "\"", n.url, n.tls));
  for (const auto& c : config.clouds) out.clouds.push_back(context_for("cloud \"" + c.name + "\"", c.url, c.tls));
  return out;
}

std::vector<std::string> describe_upstream_tls(const GatewayConfig& config) {
  std::vector<std::string> out;
  each_upstream(config, [&](const std::string& what, const Url& url, const TlsOptions& tls) {
    if (!url.tls) return;
    const std::string how = !tls.verify          ? "NOT checked (tls_verify = false)"
                            : tls.ca_file.empty() ? "checked against the system CA store"
                                                  : "checked against ca_file \"" + tls.ca_file + "\"";
    out.push_back(what + " (" + url.origin() + "): TLS, certificate " + how);
  });
  return out;
}

std::vector<std::string> unverified_upstreams(const GatewayConfig& config) {
  std::vector<std::string> out;
  each_upstream(config, [&](const std::string& what, const Url& url, const TlsOptions& tls) {
    if (url.tls && !tls.verify) {
      out.push_back(what + " (" + url.origin() + ") has tls_verify = false: its certificate is NOT checked, "
                    "so anyone on the network path can pose as it; give its CA in ca_file instead");
    }
  });
  return out;
}

}  // namespace hearth::gateway

// The TLS side of a configuration's upstreams: one TlsContext per https
// [[nodes]] / [[clouds]] entry, made once at start (and by --check, so a
// ca_file that is no PEM stops both), and the warnings an operator must see.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/config.h"

namespace hearth::gateway {

class TlsContext;

struct UpstreamTls {
  // By config index; null for an http:// upstream.
  std::vector<std::shared_ptr<TlsContext>> nodes, clouds;
};

// Throws Error naming the upstream and its ca_file when a context cannot be made.
UpstreamTls make_upstream_tls(const GatewayConfig& config);

// One line per https upstream saying how its certificate is checked, e.g.
// `node "b" (https://10.0.0.2:443): TLS, certificate checked against ca_file "ca.pem"`.
std::vector<std::string> describe_upstream_tls(const GatewayConfig& config);

// One line per https upstream with tls_verify = false: its traffic is
// encrypted but the server is not authenticated (anyone on the path can
// pose as it). Printed at start and by --check.
std::vector<std::string> unverified_upstreams(const GatewayConfig& config);

}  // namespace hearth::gateway

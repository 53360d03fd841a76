// Which upstreams a request tries, in order — the route's cloud policy
// applied to what the node pool offers. Pure functions (unit-tested).
//
//   never        nodes only
//   on_failure   nodes, then the clouds once every node failed or none is up
//   on_overload  the clouds first while every node serving the model is at
//                its max_in_flight, else nodes only
//   always       the clouds only (the nodes when this request may not leave)
// A cloud is in the plan only when the request may leave: the route's
// policy is not never, the client did not send `x-hearth-cloud: deny`, and
// with cloud_opt_in the client sent `x-hearth-cloud: allow`; and only
// clouds that map the model (an empty models table maps every name to itself).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.h"

namespace hearth::gateway {

struct Target {
  enum class Kind { node, cloud } kind;
  size_t index;  // into config nodes / clouds
  bool operator==(const Target&) const = default;
};

struct PlanInput {
  CloudPolicy policy = CloudPolicy::never;
  bool cloud_permitted = false;      // cloud_permitted() below
  std::vector<size_t> nodes;         // eligible nodes, best first
  bool overloaded = false;           // every eligible node is at its max_in_flight
  std::vector<size_t> clouds;        // clouds that map the model
};

std::vector<Target> plan_targets(const PlanInput& in);

// The x-hearth-cloud header ("allow", "deny" or absent) against the route.
bool cloud_permitted(const RouteConfig& route, const std::string& header);

// The cloud's name for a local model; nullopt when its table does not list it.
std::optional<std::string> cloud_model(const CloudConfig& cloud, const std::string& local);

}  // namespace hearth::gateway

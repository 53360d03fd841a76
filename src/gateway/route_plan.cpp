#include "gateway/route_plan.h"

namespace hearth::gateway {

std::vector<Target> plan_targets(const PlanInput& in) {
  std::vector<Target> out;
  auto add_nodes = [&] {
    for (size_t i : in.nodes) out.push_back({Target::Kind::node, i});
  };
  auto add_clouds = [&] {
    if (!in.cloud_permitted) return;
    for (size_t i : in.clouds) out.push_back({Target::Kind::cloud, i});
  };
  switch (in.policy) {
    case CloudPolicy::never: add_nodes(); break;
    case CloudPolicy::on_failure: add_nodes(), add_clouds(); break;
    case CloudPolicy::on_overload:
      if (in.overloaded) add_clouds();
      add_nodes();
      break;
    case CloudPolicy::always:
      add_clouds();
      if (!in.cloud_permitted) add_nodes();  // the client refused the cloud: stay local
      break;
  }
  return out;
}

bool cloud_permitted(const RouteConfig& route, const std::string& header) {
  if (route.cloud == CloudPolicy::never || header == "deny") return false;
  return !route.cloud_opt_in || header == "allow";
}

std::optional<std::string> cloud_model(const CloudConfig& cloud, const std::string& local) {
  if (cloud.models.empty()) return local;
  const auto it = cloud.models.find(local);
  if (it == cloud.models.end()) return std::nullopt;
  return it->second;
}

}  // namespace hearth::gateway

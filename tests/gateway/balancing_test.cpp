// Circuit breaker states, least-outstanding balancing with health and
// breakers, and the cloud policies' upstream order.
#include <gtest/gtest.h>

#include "gateway/breaker.h"
#include "gateway/node_pool.h"
#include "gateway/route_plan.h"

namespace hearth::gateway {
namespace {

using BreakerClock = CircuitBreaker::Clock;
using std::chrono::seconds;

TEST(GatewayBreaker, OpensAfterKFailuresThenLetsOneProbeThrough) {
  CircuitBreaker b(3, seconds(5));
  const BreakerClock::time_point t0{};
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_TRUE(b.allow(t0));
  b.record_success();  // a success resets the count
  b.record_failure(t0), b.record_failure(t0);
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  b.record_failure(t0);
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
  EXPECT_FALSE(b.allow(t0 + seconds(4)));
  EXPECT_TRUE(b.allow(t0 + seconds(5)));  // the probe
  EXPECT_EQ(b.state(), CircuitBreaker::State::half_open);
  EXPECT_FALSE(b.allow(t0 + seconds(5)));  // only one
  b.record_failure(t0 + seconds(6));       // the probe failed: open again, from now
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
  EXPECT_FALSE(b.allow(t0 + seconds(10)));
  EXPECT_TRUE(b.allow(t0 + seconds(11)));
  b.record_success();
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  EXPECT_TRUE(b.allow(t0 + seconds(11)));
}

std::vector<NodeConfig> nodes(int n) {
  std::vector<NodeConfig> out;
  for (int i = 0; i < n; ++i) {
    NodeConfig c;
    c.name = std::string(1, static_cast<char>('a' + i));
    c.max_in_flight = 2;
    out.push_back(c);
  }
  return out;
}

TEST(GatewayNodePool, LeastOutstandingFirstAndRoundRobinAmongEquals) {
  NodePool pool(nodes(3), HealthConfig{});
  // Idle and equal: successive plans start at successive nodes.
  EXPECT_EQ(pool.candidates("m").front(), 0u);
  EXPECT_EQ(pool.candidates("m").front(), 1u);
  EXPECT_EQ(pool.candidates("m").front(), 2u);
  ASSERT_TRUE(pool.acquire(0));
  ASSERT_TRUE(pool.acquire(1));
  ASSERT_TRUE(pool.acquire(1));
  EXPECT_EQ(pool.candidates("m"), (std::vector<size_t>{2, 0, 1}));
  pool.release(1, true);
  pool.release(1, true);
  pool.release(0, true);
}

TEST(GatewayNodePool, UnhealthyNodesAndOpenBreakersAreSkipped) {
  HealthConfig h;
  h.failures = 2;
  h.open_for = Seconds(3600);
  NodePool pool(nodes(2), h);
  pool.report_health(0, false, std::nullopt);
  EXPECT_EQ(pool.candidates("m"), (std::vector<size_t>{1}));
  pool.report_health(0, true, std::nullopt);
  ASSERT_TRUE(pool.acquire(1));
  pool.release(1, false);
  ASSERT_TRUE(pool.acquire(1));
  pool.release(1, false);  // second consecutive failure: open
  EXPECT_EQ(pool.candidates("m"), (std::vector<size_t>{0}));
  EXPECT_FALSE(pool.acquire(1));
  EXPECT_EQ(pool.status()[1].breaker, CircuitBreaker::State::open);
}

TEST(GatewayNodePool, ModelsLearntFromHealthChecksFilterCandidates) {
  NodePool pool(nodes(2), HealthConfig{});
  EXPECT_EQ(pool.candidates("x").size(), 2u);  // not known yet: try both
  pool.report_health(0, true, std::vector<std::string>{"x"});
  pool.report_health(1, true, std::vector<std::string>{"y"});
  EXPECT_EQ(pool.candidates("x"), (std::vector<size_t>{0}));
  EXPECT_EQ(pool.models(), (std::set<std::string>{"x", "y"}));
  EXPECT_TRUE(pool.candidates("z").empty());
}

TEST(GatewayNodePool, OverloadedWhenEveryServingNodeIsFull) {
  NodePool pool(nodes(2), HealthConfig{});
  EXPECT_FALSE(pool.overloaded("m"));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.acquire(0));
  EXPECT_FALSE(pool.overloaded("m"));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.acquire(1));
  EXPECT_TRUE(pool.overloaded("m"));
  pool.release(1, true);
  EXPECT_FALSE(pool.overloaded("m"));
}

TEST(GatewayRoutePlan, EachPolicyOrdersNodesAndClouds) {
  const Target n0{Target::Kind::node, 0}, n1{Target::Kind::node, 1}, c0{Target::Kind::cloud, 0};
  PlanInput in;
  in.nodes = {0, 1};
  in.clouds = {0};
  in.cloud_permitted = true;
  in.policy = CloudPolicy::never;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{n0, n1}));
  in.policy = CloudPolicy::on_failure;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{n0, n1, c0}));
  in.policy = CloudPolicy::on_overload;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{n0, n1}));
  in.overloaded = true;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{c0, n0, n1}));
  in.policy = CloudPolicy::always;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{c0}));
  in.cloud_permitted = false;  // e.g. x-hearth-cloud: deny
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{n0, n1}));
  in.policy = CloudPolicy::on_failure;
  EXPECT_EQ(plan_targets(in), (std::vector<Target>{n0, n1}));
}

TEST(GatewayRoutePlan, OptInHeaderAndModelMapping) {
  RouteConfig r;
  r.cloud = CloudPolicy::on_failure;
  EXPECT_TRUE(cloud_permitted(r, ""));
  EXPECT_FALSE(cloud_permitted(r, "deny"));
  r.cloud_opt_in = true;
  EXPECT_FALSE(cloud_permitted(r, ""));
  EXPECT_TRUE(cloud_permitted(r, "allow"));
  r.cloud = CloudPolicy::never;
  EXPECT_FALSE(cloud_permitted(r, "allow"));

  CloudConfig c;
  EXPECT_EQ(cloud_model(c, "local"), "local");
  c.models = {{"local", "remote-large"}};
  EXPECT_EQ(cloud_model(c, "local"), "remote-large");
  EXPECT_EQ(cloud_model(c, "other"), std::nullopt);
}

}  // namespace
}  // namespace hearth::gateway

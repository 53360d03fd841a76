// Gateway::handle on cache hits from several threads at once, while the key
// file is reloaded: what a front serving on more than one I/O thread would
// do. Every shared structure on the hit path (key gate and key file, cache,
// metrics, replay) must hold: each reply is the stored answer, shaped as its
// request asked, and the metrics count every hit (run under ASan+UBSan too).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "gateway/cache_memory.h"
#include "gateway/canonical.h"
#include "gateway/gateway.h"
#include "gateway/keys.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

const std::string kKey = "hk-concurrent-0123456789abcdef";
const std::string kPath = "/v1/chat/completions";

std::string stream_of(const server::HttpReply& r) {
  std::string out;
  if (!r.source) return out;
  r.source->start([] {});
  while (r.source->pull(out)) {
  }
  return out;
}

TEST(GatewayConcurrentHits, ManyThreadsHitTheCacheWhileTheKeyFileChanges) {
  const auto dir = hearth::test::temp_dir("gw-concurrent");
  const auto keys = dir / "keys.json";
  KeyStore({make_key_record("k", kKey)}).save(keys);

  GatewayConfig c;
  NodeConfig n;
  n.name = "n";
  n.url = parse_url("http://127.0.0.1:1");  // never reached: every request is a hit
  n.models = {"m"};
  c.nodes.push_back(n);
  c.keys.path = keys.string();
  c.upstream.workers = 1;
  auto cache = std::make_unique<MemoryCache>(c.cache);
  const Json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"temperature", 0}};
  CachedAnswer stored;
  stored.content_type = "text/event-stream";
  stored.sse = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}],\"usage\":null}\n\n"
               "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}\n\n"
               "data: [DONE]\n\n";
  cache->put(cache_key(kPath, body), stored);
  stored.sse.reset();
  stored.content_type = "application/json";
  stored.json = R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Hello"}}]})";
  cache->put(cache_key(kPath, body), stored);
  Gateway gw(c, std::move(cache), nullptr);

  // The hits run for 1.3 s: the key file (checked once a second) is reloaded meanwhile.
  constexpr int kThreads = 4;
  std::atomic<int> wrong{0}, served{0};
  std::atomic<bool> done{false};
  // Rewrites the key file over and over (the same key, one more each time).
  std::thread writer([&] {
    for (int i = 0; !done; ++i) {
      KeyStore s({make_key_record("k", kKey)});
      s.add(make_key_record("extra" + std::to_string(i), "hk-extra-key-0123456789-" + std::to_string(i)));
      s.save(keys);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !done; ++i) {
        server::HttpRequest r;
        r.method = "POST";
        r.path = kPath;
        r.headers["authorization"] = "Bearer " + kKey;
        Json b = body;
        const int shape = (t + i) % 3;  // plain, stream, stream with its usage
        if (shape > 0) b["stream"] = true;
        if (shape == 2) b["stream_options"] = {{"include_usage", true}};
        r.body = b.dump();
        const server::HttpReply reply = gw.handle(r);
        const std::string text = shape == 0 ? reply.body : stream_of(reply);
        const bool ok = !reply.deferred && reply.status == 200 &&
                        text.find("Hello") != std::string::npos &&
                        (shape == 0 || (text.find("\"completion_tokens\"") != std::string::npos) == (shape == 2));
        if (!ok) ++wrong;
        ++served;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  done = true;
  for (auto& th : threads) th.join();
  writer.join();
  EXPECT_GT(served.load(), kThreads);
  EXPECT_EQ(wrong.load(), 0);
  server::HttpRequest m;
  m.method = "GET";
  m.path = "/metrics";
  const std::string metrics = gw.handle(m).body;
  EXPECT_NE(metrics.find("hearth_gateway_cache_lookups_total{result=\"hit\"} " + std::to_string(served.load()) + "\n"),
            std::string::npos)
      << metrics;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway

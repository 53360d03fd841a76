// The model registry on real tiny models: listing, load on first use,
// keep-alive expiry (an injected clock), LRU unloading under a memory
// budget and a maximum of loaded models, leases that keep a model loaded,
// and the errors a client sees (404 / 503 / 507 / 500).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "engine/generation.h"
#include "model/kv_store.h"
#include "model/model.h"
#include "server/api_error.h"
#include "server/model_registry.h"
#include "test_data.h"

namespace hearth::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Three small models copied into a temp dir: A, B, C by name.
class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("hearth-registry");
    fs::copy_file(test::data_path("tiny/tiny-llama-Q8_0.gguf"), dir_ / "a.gguf");
    fs::copy_file(test::data_path("tiny/tiny-qwen2-Q8_0.gguf"), dir_ / "b.gguf");
    fs::copy_file(test::kStories, dir_ / "c.gguf");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A registry over the directory, every model at `ctx` cells, on a clock
  // the test moves.
  RegistryConfig config(int64_t ctx = 64) {
    RegistryConfig c;
    c.models_dir = dir_.string();
    c.ctx = ctx;
    c.threads = 1;
    c.scheduler.max_running = 2;
    c.clock = [this] { return std::chrono::steady_clock::time_point(now_.load()); };
    return c;
  }
  void advance(std::chrono::steady_clock::duration d) { now_.store(now_.load() + d); }

  // What a model takes loaded with `ctx` cells: its file plus its KV cache.
  uint64_t footprint(const std::string& name, int64_t ctx = 64) const {
    const auto m = model::Model::load(dir_ / (name + ".gguf"));
    return m->file().file_size() + static_cast<uint64_t>(ctx) * model::KvStore::bytes_per_cell(m->hparams(), TensorType::F16);
  }

  static std::vector<std::string> loaded_names(const ModelRegistry& r) {
    std::vector<std::string> out;
    for (const auto& m : r.loaded()) out.push_back(m.name);
    return out;
  }

  // The ApiError `fn` throws (fails the test when it throws none).
  template <class Fn>
  static ApiError error_of(Fn fn) {
    try {
      fn();
    } catch (const ApiError& e) {
      return e;
    }
    ADD_FAILURE() << "no ApiError thrown";
    return ApiError(0, "", "");
  }

  fs::path dir_;
  std::atomic<std::chrono::steady_clock::duration> now_{std::chrono::hours(1)};
};

TEST_F(ModelRegistryTest, ListsEveryModelAndLoadsOnFirstUse) {
  ModelRegistry r(config());
  std::vector<std::string> names;
  for (const auto& m : r.available()) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(r.loaded().empty()) << "nothing is loaded before it is asked for";
  EXPECT_FALSE(r.try_acquire("a").has_value()) << "not loaded: try_acquire does not load";

  ModelLease l = r.acquire("a");
  EXPECT_EQ(l->id(), "a");
  EXPECT_EQ(loaded_names(r), std::vector<std::string>{"a"});
  EXPECT_EQ(r.loaded()[0].n_ctx, 64);
  EXPECT_EQ(r.loaded()[0].leases, 1);
  EXPECT_EQ(r.memory_used(), footprint("a"));

  // By its listed path too, the same loaded model.
  ModelLease again = r.acquire((dir_ / "a.gguf").string());
  EXPECT_EQ(&*again, &*l);
  EXPECT_EQ(r.loaded()[0].leases, 2);
}

TEST_F(ModelRegistryTest, FilesAddedLaterAreFoundOnDemand) {
  ModelRegistry r(config());
  fs::copy_file(dir_ / "a.gguf", dir_ / "late.gguf");
  ModelLease l = r.acquire("late");
  EXPECT_EQ(l->id(), "late");
  EXPECT_EQ(r.available().size(), 4u);
}

TEST_F(ModelRegistryTest, UnknownModelIs404NamingTheAvailableOnes) {
  ModelRegistry r(config());
  const ApiError e = error_of([&] { r.acquire("nope"); });
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.code(), "model_not_found");
  EXPECT_NE(std::string(e.what()).find("available: a, b, c"), std::string::npos) << e.what();
  // A path outside the list is not opened, even when it exists.
  EXPECT_EQ(error_of([&] { r.acquire(test::data_path("tiny/tiny-llama-Q4_0.gguf").string()); }).status(), 404);
}

TEST_F(ModelRegistryTest, IdleModelsUnloadWhenTheirKeepAliveRunsOut) {
  ModelRegistry r(config());
  r.acquire("a");  // default keep-alive: 5 min
  r.acquire("b", KeepAlive(10s));
  r.acquire("c", KeepAlive(-1));  // for ever
  advance(9s);
  r.sweep();
  EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(r.loaded()[1].expires_in_s.has_value());
  EXPECT_DOUBLE_EQ(*r.loaded()[1].expires_in_s, 1.0);
  advance(2s);
  r.sweep();
  EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"a", "c"}));
  advance(5min);
  r.sweep();
  EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"c"}));
  advance(24h);
  r.sweep();
  EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"c"}));
}

TEST_F(ModelRegistryTest, KeepAliveZeroUnloadsWhenTheRequestEnds) {
  ModelRegistry r(config());
  {
    ModelLease l = r.acquire("a", KeepAlive(0));
    EXPECT_EQ(loaded_names(r), std::vector<std::string>{"a"});
  }
  EXPECT_TRUE(r.loaded().empty());
  EXPECT_EQ(r.memory_used(), 0u);
}

TEST_F(ModelRegistryTest, AModelInUseIsNeverUnloaded) {
  RegistryConfig c = config();
  c.max_loaded = 1;
  ModelRegistry r(c);
  ModelLease busy = r.acquire("a", KeepAlive(0));
  advance(24h);
  r.sweep();
  EXPECT_EQ(loaded_names(r), std::vector<std::string>{"a"});
  // The only slot is busy: no room for b.
  const ApiError e = error_of([&] { r.acquire("b"); });
  EXPECT_EQ(e.status(), 503);
  EXPECT_EQ(e.code(), "model_capacity");
  EXPECT_NE(std::string(e.what()).find("--max-models 1"), std::string::npos) << e.what();
  EXPECT_EQ(loaded_names(r), std::vector<std::string>{"a"});
  // The request ends: b can come in (a, kept 0 s, is already gone).
  busy.release();
  ModelLease b = r.acquire("b");
  EXPECT_EQ(loaded_names(r), std::vector<std::string>{"b"});
}

TEST_F(ModelRegistryTest, MaxModelsUnloadsTheLeastRecentlyUsed) {
  RegistryConfig c = config();
  c.max_loaded = 2;
  ModelRegistry r(c);
  r.acquire("a");
  advance(1s);
  r.acquire("b");
  advance(1s);
  r.acquire("a");  // a is now the more recent
  advance(1s);
  r.acquire("c");
  EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"a", "c"}));
}

TEST_F(ModelRegistryTest, MemoryPressureUnloadsIdleModelsLeastRecentlyUsedFirst) {
  RegistryConfig c = config();
  // Room for a and b together, not for a third.
  c.memory_budget = footprint("a") + footprint("b") + footprint("c") / 2;
  ASSERT_LT(footprint("c") / 2, footprint("a"));
  ASSERT_LT(footprint("c") / 2, footprint("b"));
  ModelRegistry r(c);
  r.acquire("a");
  advance(1s);
  r.acquire("b");
  advance(1s);
  {
    ModelLease lc = r.acquire("c");
    EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"b", "c"})) << "a, the least recently used, made room";
    EXPECT_LE(r.memory_used(), r.memory_budget());
    ModelLease lb = r.acquire("b");
    // b and c busy: a does not fit and nothing may be unloaded.
    const ApiError e = error_of([&] { r.acquire("a"); });
    EXPECT_EQ(e.status(), 507);
    EXPECT_EQ(e.code(), "insufficient_memory");
    const std::string msg = e.what();
    EXPECT_NE(msg.find("KV cache for 64 tokens"), std::string::npos) << msg;
    EXPECT_NE(msg.find("beside the busy models b, c"), std::string::npos) << msg;
    EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"b", "c"}));
  }
  // Both idle again: a loads, the least recently used of them goes.
  r.acquire("a");
  EXPECT_EQ(r.loaded().size(), 2u);
  EXPECT_LE(r.memory_used(), r.memory_budget());
}

TEST_F(ModelRegistryTest, DefaultContextIsTheTrainedLengthCappedByFreeMemory) {
  const auto m = model::Model::load(dir_ / "a.gguf");
  const int64_t trained = m->hparams().n_ctx_train;
  const uint64_t cell = model::KvStore::bytes_per_cell(m->hparams(), TensorType::F16);
  ASSERT_GT(trained, 512) << "the fixture must be trained longer than the cap below";
  {
    RegistryConfig c = config(0);
    c.memory_budget = m->file().file_size() + 300 * cell;  // 300 cells fit: capped to 256
    ModelRegistry r(c);
    r.acquire("a");
    EXPECT_EQ(r.loaded()[0].n_ctx, 256);
  }
  {
    RegistryConfig c = config(0);
    c.memory_budget = m->file().file_size() + static_cast<uint64_t>(trained) * cell;
    ModelRegistry r(c);
    r.acquire("a");
    EXPECT_EQ(r.loaded()[0].n_ctx, trained);
  }
  {
    RegistryConfig c = config(0);
    c.model_ctx["a"] = 128;  // per-model --ctx wins
    ModelRegistry r(c);
    r.acquire("a");
    EXPECT_EQ(r.loaded()[0].n_ctx, 128);
  }
}

TEST_F(ModelRegistryTest, IdleModelsStayWhenTheNewOneFitsBesideThemWithLessContext) {
  const auto a = model::Model::load(dir_ / "a.gguf");
  const auto b = model::Model::load(dir_ / "b.gguf");
  const uint64_t a_full = a->file().file_size() + static_cast<uint64_t>(a->hparams().n_ctx_train) *
                                                     model::KvStore::bytes_per_cell(a->hparams(), TensorType::F16);
  const uint64_t b_cell = model::KvStore::bytes_per_cell(b->hparams(), TensorType::F16);
  const int64_t b_floor = 256;  // below b's trained length, so the cap shows
  ASSERT_GT(b->hparams().n_ctx_train, 2 * b_floor);
  {
    // Room beside a for b with its floor of context (and a little more).
    RegistryConfig c = config(0);
    c.context_floor = b_floor;
    const uint64_t beside = b->file().file_size() + static_cast<uint64_t>(b_floor + 100) * b_cell;
    c.memory_budget = a_full + beside;
    ModelRegistry r(c);
    r.acquire("a");
    r.acquire("b");
    EXPECT_EQ(loaded_names(r), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.loaded()[0].n_ctx, a->hparams().n_ctx_train);
    EXPECT_EQ(r.loaded()[1].n_ctx, 256) << "b takes what is free beside a (356 cells, in steps of 256)";
    EXPECT_EQ(engine::default_context(*b, beside).n_ctx, 256);
    EXPECT_LE(r.memory_used(), r.memory_budget());
  }
  {
    // Not even b's floor fits beside a: a, idle, goes.
    RegistryConfig c = config(0);
    c.context_floor = b_floor;
    c.memory_budget = a_full + b->file().file_size() + static_cast<uint64_t>(b_floor - 1) * b_cell;
    ModelRegistry r(c);
    r.acquire("a");
    r.acquire("b");
    EXPECT_EQ(loaded_names(r), std::vector<std::string>{"b"});
  }
}

TEST_F(ModelRegistryTest, ABadFileIs500AndDoesNotStayLoaded) {
  std::ofstream(dir_ / "broken.gguf") << "not a gguf file";
  ModelRegistry r(config());
  const ApiError e = error_of([&] { r.acquire("broken"); });
  EXPECT_EQ(e.status(), 500);
  EXPECT_EQ(e.code(), "model_load_failed");
  EXPECT_NE(std::string(e.what()).find("broken.gguf"), std::string::npos) << e.what();
  EXPECT_TRUE(r.loaded().empty());
  EXPECT_EQ(r.acquire("a")->id(), "a") << "the registry still serves the others";
}

TEST_F(ModelRegistryTest, CommandLineModelsLoadAtStartAndMissingOnesFail) {
  RegistryConfig c = config();
  c.models_dir.clear();
  c.models = {(dir_ / "b.gguf").string()};
  ModelRegistry r(c);
  EXPECT_EQ(loaded_names(r), std::vector<std::string>{"b"});
  c.models = {(dir_ / "missing.gguf").string()};
  EXPECT_THROW(ModelRegistry bad(c), Error);
}

TEST_F(ModelRegistryTest, AcquireAsyncLoadsOnTheRegistryThread) {
  ModelRegistry r(config());
  std::promise<std::pair<std::string, std::thread::id>> got;
  r.acquire_async("b", std::nullopt, [&](ModelLease l, std::exception_ptr e) {
    got.set_value({e ? "error" : l->id(), std::this_thread::get_id()});
  });
  const auto [id, thread] = got.get_future().get();
  EXPECT_EQ(id, "b");
  EXPECT_NE(thread, std::this_thread::get_id());
}

TEST_F(ModelRegistryTest, PerModelContextForAnUnknownNameFailsAtStart) {
  RegistryConfig c = config();
  c.model_ctx["aa"] = 64;  // a typo of "a"
  try {
    ModelRegistry r(c);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no model 'aa' (available: a, b, c)"), std::string::npos) << e.what();
  }
}

TEST(KeepAliveTest, ParsesSecondsAndDurations) {
  EXPECT_EQ(parse_keep_alive("300"), KeepAlive(300s));
  EXPECT_EQ(parse_keep_alive("0"), KeepAlive(0));
  EXPECT_LT(parse_keep_alive("-1").count(), 0);
  EXPECT_EQ(parse_keep_alive("5m"), KeepAlive(5min));
  EXPECT_EQ(parse_keep_alive("1h30m"), KeepAlive(90min));
  EXPECT_EQ(parse_keep_alive("1.5s"), KeepAlive(1500ms));
  EXPECT_EQ(parse_keep_alive("250ms"), KeepAlive(250ms));
  for (const char* bad : {"", "-", "5x", "m", "5m3", "abc"}) EXPECT_THROW(parse_keep_alive(bad), Error) << bad;
}

}  // namespace
}  // namespace hearth::server

// Every model `hearth serve` can answer for (server/model_files.h), loaded
// on first use and unloaded when idle past its keep-alive, under memory
// pressure, or to stay within a maximum number of loaded models.
//
//   acquire(name) ─► listed? (else read --models-dir again) ─no─► 404 model_not_found, naming the available ones
//        │ loaded ─────────────────────────────────────────────► lease
//        ▼ not loaded: on the registry's thread
//   map the file; its footprint = file size + KV cache for its context;
//   while it does not fit (memory budget, --max-models), unload the least
//   recently used idle model; still no room: 503 model_capacity (every
//   loaded model busy) or 507 insufficient_memory (with the numbers)
//        ▼
//   context = --ctx, else the trained length capped by the memory free
//   beside the loaded models (engine::default_context, logged) ─► ModelService ─► lease
//
// "Fits" means: with --ctx, the model and that context; without, the model
// and min(trained length, context_floor = 4096) cells. Idle models are unloaded for that
// much, not for a whole long trained context, so two models that could
// each fill memory do not evict each other on every request.
//
// A lease keeps its model loaded: a model with a request running (a lease
// held by the reply until it is sent) is never unloaded. When its last
// lease goes, the model's keep-alive starts: that request's keep_alive
// (default 5 min); 0 unloads it at once, a negative one never.
//
// Threads: acquire() may be called from any thread. Loads, and the sweep
// that unloads expired models (every second), run on the registry's own
// thread, never on the server's I/O thread, so loading one model does not
// stall the streams of the others (see server/model_route.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/scheduler.h"
#include "server/model_files.h"
#include "server/keep_alive.h"
#include "server/model_service.h"

namespace hearth::server {

using RegistryClock = std::function<std::chrono::steady_clock::time_point()>;

struct RegistryConfig {
  std::vector<std::string> models;            // files named on the command line
  std::string models_dir;                     // every *.gguf in it; empty: none
  engine::SchedulerConfig scheduler;          // per model; n_ctx: see ctx
  int64_t ctx = 0;                            // context of every model; <= 0: the model's default
  std::map<std::string, int64_t> model_ctx;   // per model name, over ctx
  int threads = 0;                            // per model's thread pool; 0: all cores
  KeepAlive keep_alive = std::chrono::minutes(5);
  size_t max_loaded = 3;                      // models loaded at once
  int64_t context_floor = 4096;               // context idle models are unloaded for (no --ctx); see above
  uint64_t memory_budget = 0;                 // weights + KV of all loaded models; 0: 90% of MemAvailable at start
  RegistryClock clock;                        // default std::chrono::steady_clock::now (tests inject one)
};

// A loaded model, as /health reports it.
struct LoadedModel {
  std::string name;
  int64_t n_ctx = 0;
  uint64_t bytes = 0;                    // weights (file size) + KV cache
  int leases = 0;                        // requests using it now
  std::optional<double> expires_in_s;    // idle: seconds left of its keep-alive; none: busy or kept for ever
  engine::Scheduler::Stats stats;
};

class ModelRegistry;

// Keeps one model loaded while held (move-only). Empty after a move.
class ModelLease {
 public:
  ModelLease() = default;
  ModelLease(ModelLease&& o) noexcept { *this = std::move(o); }
  ModelLease& operator=(ModelLease&& o) noexcept;
  ModelLease(const ModelLease&) = delete;
  ModelLease& operator=(const ModelLease&) = delete;
  ~ModelLease() { release(); }

  explicit operator bool() const { return service_ != nullptr; }
  ModelService& operator*() const { return *service_; }
  ModelService* operator->() const { return service_; }
  // Ends the lease now (the destructor does it otherwise).
  void release();

 private:
  friend class ModelRegistry;
  struct Slot;
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Slot> slot_;
  ModelService* service_ = nullptr;
  std::optional<KeepAlive> keep_alive_;
};

class ModelRegistry {
 public:
  // Loads the models named on the command line at once (up to max_loaded),
  // so a bad file fails at start. Throws hearth::Error for missing files,
  // ApiError for a model that cannot be loaded.
  explicit ModelRegistry(RegistryConfig config);
  // Over one model loaded elsewhere, kept for ever (tests, embedders). It
  // must outlive the registry.
  explicit ModelRegistry(ModelService& fixed);
  // Unloads every model; leases still held must not be used afterwards.
  ~ModelRegistry();
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  // The model by name or listed path, loaded if needed; blocks while it
  // loads. keep_alive: the request's own (else the configured one). Throws
  // ApiError: 404 model_not_found, 503 model_capacity, 507
  // insufficient_memory, 500 model_load_failed. Not from the registry's thread.
  ModelLease acquire(std::string_view name, std::optional<KeepAlive> keep_alive = {});

  // A lease when the model is loaded now, nullopt when it would have to be
  // loaded; throws 404 for an unknown name. Never blocks on a load.
  std::optional<ModelLease> try_acquire(std::string_view name, std::optional<KeepAlive> keep_alive = {});

  // Loads on the registry's thread, then calls done(lease, nullptr) or
  // done({}, error) there.
  using Acquired = std::function<void(ModelLease, std::exception_ptr)>;
  void acquire_async(std::string name, std::optional<KeepAlive> keep_alive, Acquired done);

  // Every model that can be loaded (the directory read again).
  std::vector<ModelFile> available();
  std::vector<LoadedModel> loaded() const;
  // Calls fn with every loaded model, under the registry's lock (no model
  // is unloaded meanwhile; fn must not call back into the registry). Unlike
  // a lease, it does not touch their keep-alive.
  void with_loaded(const std::function<void(const std::vector<const ModelService*>&)>& fn) const;
  uint64_t memory_budget() const;
  uint64_t memory_used() const;

  // Unloads the idle models whose keep-alive has run out. The registry's
  // thread calls it every second; tests with their own clock call it.
  void sweep();

 private:
  using Slot = ModelLease::Slot;
  using Shared = ModelLease::Shared;

  ModelLease load(const std::string& name, std::optional<KeepAlive> keep_alive);
  void worker();
  void shutdown();

  std::shared_ptr<Shared> shared_;
};

}  // namespace hearth::server

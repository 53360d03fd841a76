#include "server/model_registry.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "core/system_memory.h"
#include "engine/generation.h"
#include "model/kv_store.h"
#include "server/api_error.h"

namespace hearth::server {

using Clock = std::chrono::steady_clock;

struct ModelLease::Slot {
  std::string name;
  std::shared_ptr<ModelService> service;  // null: not loaded
  uint64_t bytes = 0;                     // weights + KV while loaded
  int64_t n_ctx = 0;
  int leases = 0;
  Clock::time_point last_used;
  KeepAlive keep_alive{0};
  bool pinned = false;  // never unloaded (ModelRegistry(ModelService&))
};

struct ModelLease::Shared {
  RegistryConfig config;
  uint64_t budget = 0;
  mutable std::mutex mu;
  std::condition_variable wake;
  ModelFiles files;
  std::map<std::string, std::shared_ptr<Slot>, std::less<>> slots;  // models loaded at least once, by name
  struct Job {
    std::string name;
    std::optional<KeepAlive> keep_alive;
    ModelRegistry::Acquired done;
  };
  std::deque<Job> jobs;
  std::vector<std::shared_ptr<ModelService>> graveyard;  // unloaded by release(), destroyed by the worker
  bool stopping = false;
  std::thread thread;

  Shared(RegistryConfig c, ModelFiles f) : config(std::move(c)), files(std::move(f)) {}

  Clock::time_point now() const { return config.clock ? config.clock() : Clock::now(); }

  // Under mu.
  uint64_t used() const {
    uint64_t u = 0;
    for (const auto& [_, s] : slots) u += s->service ? s->bytes : 0;
    return u;
  }
  size_t n_loaded() const {
    return static_cast<size_t>(std::count_if(slots.begin(), slots.end(), [](const auto& kv) { return kv.second->service != nullptr; }));
  }
  // The least recently used loaded model that no request is using.
  Slot* lru_idle() const {
    Slot* best = nullptr;
    for (const auto& [_, s] : slots) {
      if (s->service && s->leases == 0 && !s->pinned && (!best || s->last_used < best->last_used)) best = s.get();
    }
    return best;
  }
  // Takes a model out of the table; the caller destroys it outside the lock.
  std::shared_ptr<ModelService> unload(Slot& s, const std::string& why) {
    std::fprintf(stderr, "hearth: unloaded model %s (%s)\n", s.name.c_str(), why.c_str());
    s.bytes = 0;
    s.n_ctx = 0;
    return std::move(s.service);
  }
  // The listed file for a name, reading the directory again when it is not
  // listed; 404 naming the available models when it still is not.
  ModelFile find(std::string_view name) {
    const ModelFile* f = files.find(name);
    if (!f) {
      files.rescan();
      f = files.find(name);
    }
    if (!f) {
      throw ApiError(404, "invalid_request_error",
                     "The model '" + std::string(name) + "' does not exist; available: " + files.names(), "model",
                     "model_not_found");
    }
    return *f;
  }
  std::shared_ptr<Slot>& slot(const std::string& name) {
    auto& s = slots[name];
    if (!s) {
      s = std::make_shared<Slot>();
      s->name = name;
    }
    return s;
  }
  int64_t ctx_for(const std::string& name) const {
    const auto it = config.model_ctx.find(name);
    return it != config.model_ctx.end() ? it->second : config.ctx;
  }
};

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / kMiB);
  return buf;
}

std::string seconds(KeepAlive k) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(k).count()) + " s";
}

}  // namespace

// ---- ModelLease ----

ModelLease& ModelLease::operator=(ModelLease&& o) noexcept {
  if (this != &o) {
    release();
    shared_ = std::move(o.shared_);
    slot_ = std::move(o.slot_);
    service_ = std::exchange(o.service_, nullptr);
    keep_alive_ = o.keep_alive_;
  }
  return *this;
}

void ModelLease::release() {
  if (!service_) return;
  service_ = nullptr;
  {
    std::lock_guard lock(shared_->mu);
    Slot& s = *slot_;
    --s.leases;
    s.last_used = shared_->now();
    s.keep_alive = keep_alive_.value_or(shared_->config.keep_alive);
    if (s.leases == 0 && s.keep_alive.count() == 0 && s.service && !s.pinned && !shared_->stopping) {
      // Unloaded now (its memory no longer counted); torn down on the
      // registry's thread, since this may be the server's I/O thread.
      shared_->graveyard.push_back(shared_->unload(s, "keep_alive 0"));
    }
  }
  shared_->wake.notify_all();
  slot_.reset();
  shared_.reset();
}

// ---- ModelRegistry ----

ModelRegistry::ModelRegistry(RegistryConfig config) {
  ModelFiles files(config.models, config.models_dir);
  shared_ = std::make_shared<Shared>(std::move(config), std::move(files));
  auto& c = shared_->config;
  if (c.max_loaded == 0) throw Error("--max-models must be at least 1");
  for (const auto& [name, n] : c.model_ctx) {
    if (!shared_->files.find(name)) {
      throw Error("--ctx " + name + "=" + std::to_string(n) + ": no model '" + name + "' (available: " +
                  shared_->files.names() + ")");
    }
  }
  shared_->budget = c.memory_budget;
  if (shared_->budget == 0) {
    const uint64_t avail = system_memory().available_bytes;
    // Keep 10% free, as engine::default_context does for one model.
    shared_->budget = avail ? static_cast<uint64_t>(0.9 * static_cast<double>(avail)) : std::numeric_limits<uint64_t>::max();
  }
  std::fprintf(stderr, "hearth: %zu model(s) available (%s); at most %zu loaded, within %s; keep-alive %s\n",
               shared_->files.list().size(), shared_->files.names().c_str(), c.max_loaded,
               shared_->budget == std::numeric_limits<uint64_t>::max() ? "unknown memory" : mib(shared_->budget).c_str(),
               seconds(c.keep_alive).c_str());
  shared_->thread = std::thread([this] { worker(); });
  // Models named on the command line are loaded now: a bad file fails at
  // start, and the first request does not wait.
  try {
    for (size_t i = 0; i < c.models.size() && i < c.max_loaded; ++i) acquire(c.models[i]);
  } catch (...) {
    shutdown();
    throw;
  }
}

ModelRegistry::ModelRegistry(ModelService& fixed)
    : shared_(std::make_shared<Shared>(RegistryConfig{}, ModelFiles({fixed.path()}, {}))) {
  shared_->budget = std::numeric_limits<uint64_t>::max();
  Slot& s = *shared_->slot(fixed.id());
  s.service = std::shared_ptr<ModelService>(&fixed, [](ModelService*) {});
  s.pinned = true;
  s.n_ctx = fixed.scheduler().n_ctx();
  shared_->thread = std::thread([this] { worker(); });
}

ModelRegistry::~ModelRegistry() { shutdown(); }

void ModelRegistry::shutdown() {
  if (!shared_) return;
  std::deque<Shared::Job> jobs;
  std::vector<std::shared_ptr<ModelService>> victims;
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->wake.notify_all();
  if (shared_->thread.joinable()) shared_->thread.join();
  {
    std::lock_guard lock(shared_->mu);
    jobs.swap(shared_->jobs);
    victims = std::move(shared_->graveyard);
    for (auto& [_, s] : shared_->slots) {
      if (s->service) victims.push_back(std::move(s->service));
    }
  }
  for (auto& j : jobs) {
    j.done({}, std::make_exception_ptr(ApiError(503, "server_error", "the server is shutting down")));
  }
  victims.clear();
  shared_.reset();
}

std::optional<ModelLease> ModelRegistry::try_acquire(std::string_view name, std::optional<KeepAlive> keep_alive) {
  std::lock_guard lock(shared_->mu);
  const ModelFile f = shared_->find(name);
  const auto it = shared_->slots.find(f.name);
  if (it == shared_->slots.end() || !it->second->service) return std::nullopt;
  ModelLease l;
  l.shared_ = shared_;
  l.slot_ = it->second;
  l.service_ = it->second->service.get();
  l.keep_alive_ = keep_alive;
  ++it->second->leases;
  return l;
}

ModelLease ModelRegistry::acquire(std::string_view name, std::optional<KeepAlive> keep_alive) {
  if (auto l = try_acquire(name, keep_alive)) return std::move(*l);
  auto promise = std::make_shared<std::promise<ModelLease>>();
  auto future = promise->get_future();
  acquire_async(std::string(name), keep_alive, [promise](ModelLease l, std::exception_ptr e) {
    if (e) {
      promise->set_exception(e);
    } else {
      promise->set_value(std::move(l));
    }
  });
  return future.get();
}

void ModelRegistry::acquire_async(std::string name, std::optional<KeepAlive> keep_alive, Acquired done) {
  {
    std::lock_guard lock(shared_->mu);
    shared_->jobs.push_back({std::move(name), keep_alive, std::move(done)});
  }
  shared_->wake.notify_all();
}

void ModelRegistry::worker() {
  std::unique_lock lock(shared_->mu);
  while (!shared_->stopping) {
    if (shared_->jobs.empty() && shared_->graveyard.empty()) shared_->wake.wait_for(lock, std::chrono::seconds(1));
    if (shared_->stopping) break;
    auto dead = std::move(shared_->graveyard);
    shared_->graveyard.clear();
    std::optional<Shared::Job> job;
    if (!shared_->jobs.empty()) {
      job.emplace(std::move(shared_->jobs.front()));
      shared_->jobs.pop_front();
    }
    lock.unlock();
    dead.clear();  // models unloaded by release(): torn down here, off the I/O thread
    if (job) {
      ModelLease lease;
      std::exception_ptr error;
      try {
        lease = load(job->name, job->keep_alive);
      } catch (...) {
        error = std::current_exception();
      }
      job->done(std::move(lease), error);
    } else {
      sweep();
    }
    lock.lock();
  }
}

ModelLease ModelRegistry::load(const std::string& requested, std::optional<KeepAlive> keep_alive) {
  sweep();
  if (auto l = try_acquire(requested, keep_alive)) return std::move(*l);  // loaded meanwhile (or 404)
  ModelFile file;
  {
    std::lock_guard lock(shared_->mu);
    file = shared_->find(requested);
  }
  const auto& c = shared_->config;
  std::unique_ptr<model::Model> m;
  try {
    m = model::Model::load(file.path);  // maps the file and reads its header: cheap, commits no memory
  } catch (const std::exception& e) {
    throw ApiError(500, "server_error", "cannot load model '" + file.name + "' (" + file.path + "): " + e.what(), "model",
                   "model_load_failed");
  }
  const uint64_t per_cell = model::KvStore::bytes_per_cell(m->hparams(), c.scheduler.kv_type);
  const uint64_t weights = m->file().file_size();
  const int64_t forced = shared_->ctx_for(file.name);
  // Idle models are unloaded to make room for this much context; beyond it
  // the new model takes what is free beside them (no thrashing between two
  // models that could each fill memory with a long trained context).
  const int64_t floor = forced > 0 ? forced : std::min<int64_t>(m->hparams().n_ctx_train, c.context_floor);

  std::vector<std::shared_ptr<ModelService>> victims;
  engine::ContextChoice ctx{forced, "--ctx"};
  {
    std::lock_guard lock(shared_->mu);
    for (;;) {
      const uint64_t free = shared_->budget - std::min(shared_->budget, shared_->used());
      const uint64_t want = weights + static_cast<uint64_t>(floor) * per_cell;
      const bool room = shared_->n_loaded() < c.max_loaded;
      if (room && want <= free) break;
      if (Slot* idle = shared_->lru_idle()) {
        victims.push_back(shared_->unload(*idle, !room ? "--max-models " + std::to_string(c.max_loaded) + " reached, " + file.name + " requested"
                                                        : "memory for " + file.name));
        continue;
      }
      if (!room) {
        throw ApiError(503, "server_error",
                       "cannot load model '" + file.name + "': " + std::to_string(shared_->n_loaded()) +
                           " models are loaded (--max-models " + std::to_string(c.max_loaded) +
                           ") and every one is serving a request; retry when one finishes",
                       "model", "model_capacity");
      }
      break;  // memory is short and nothing idle is left: the context may shrink to fit
    }
    const uint64_t free = shared_->budget - std::min(shared_->budget, shared_->used());
    if (forced <= 0) ctx = engine::default_context(*m, free, c.scheduler.kv_type);
    const uint64_t need = weights + static_cast<uint64_t>(ctx.n_ctx) * per_cell;
    if (need > free) {
      std::string busy;
      for (const auto& [name, s] : shared_->slots) {
        if (s->service) busy += (busy.empty() ? "" : ", ") + name;
      }
      throw ApiError(507, "server_error",
                     "cannot load model '" + file.name + "': it needs " + mib(need) + " (weights " + mib(weights) +
                         " + KV cache for " + std::to_string(ctx.n_ctx) + " tokens " +
                         mib(need - weights) + ") but only " + mib(free) + " of the " + mib(shared_->budget) +
                         " memory budget are free" + (busy.empty() ? "" : " beside the busy models " + busy) +
                         (forced > 0 ? "; lower --ctx" : ""),
                     "model", "insufficient_memory");
    }
  }
  victims.clear();  // their memory goes back before this model takes its own

  engine::SchedulerConfig sc = c.scheduler;
  sc.n_ctx = ctx.n_ctx;
  std::shared_ptr<ModelService> svc;
  try {
    svc = std::make_shared<ModelService>(std::move(m), file.path, sc, c.threads, ctx.why);
  } catch (const std::exception& e) {
    throw ApiError(500, "server_error", "cannot load model '" + file.name + "' (" + file.path + "): " + e.what(), "model",
                   "model_load_failed");
  }
  ModelLease l;
  std::lock_guard lock(shared_->mu);
  const auto& slot = shared_->slot(file.name);
  slot->service = svc;
  slot->bytes = weights + static_cast<uint64_t>(ctx.n_ctx) * per_cell;
  slot->n_ctx = ctx.n_ctx;
  slot->last_used = shared_->now();
  ++slot->leases;
  l.shared_ = shared_;
  l.slot_ = slot;
  l.service_ = svc.get();
  l.keep_alive_ = keep_alive;
  std::fprintf(stderr, "hearth: loaded model %s: %s (weights %s + KV cache %s); %s of %s in use by %zu model(s)\n",
               file.name.c_str(), mib(slot->bytes).c_str(), mib(weights).c_str(), mib(slot->bytes - weights).c_str(),
               mib(shared_->used()).c_str(), mib(shared_->budget).c_str(), shared_->n_loaded());
  return l;
}

void ModelRegistry::sweep() {
  std::vector<std::shared_ptr<ModelService>> victims;
  {
    std::lock_guard lock(shared_->mu);
    const auto now = shared_->now();
    for (auto& [_, s] : shared_->slots) {
      if (!s->service || s->leases > 0 || s->pinned || s->keep_alive.count() < 0) continue;
      if (now - s->last_used >= s->keep_alive) {
        victims.push_back(shared_->unload(*s, "idle for its keep-alive of " + seconds(s->keep_alive)));
      }
    }
  }
}

std::vector<ModelFile> ModelRegistry::available() {
  std::lock_guard lock(shared_->mu);
  shared_->files.rescan();
  return shared_->files.list();
}

std::vector<LoadedModel> ModelRegistry::loaded() const {
  std::lock_guard lock(shared_->mu);
  const auto now = shared_->now();
  std::vector<LoadedModel> out;
  for (const auto& [name, s] : shared_->slots) {
    if (!s->service) continue;
    LoadedModel m;
    m.name = name;
    m.n_ctx = s->n_ctx;
    m.bytes = s->bytes;
    m.leases = s->leases;
    if (s->leases == 0 && !s->pinned && s->keep_alive.count() >= 0) {
      const auto left = std::chrono::duration<double>(s->keep_alive - (now - s->last_used)).count();
      m.expires_in_s = std::max(0.0, left);
    }
    m.stats = s->service->scheduler().stats();
    out.push_back(std::move(m));
  }
  return out;
}

void ModelRegistry::with_loaded(const std::function<void(const std::vector<const ModelService*>&)>& fn) const {
  std::lock_guard lock(shared_->mu);
  std::vector<const ModelService*> out;
  for (const auto& [name, s] : shared_->slots) {
    if (s->service) out.push_back(s->service.get());
  }
  fn(out);
}

uint64_t ModelRegistry::memory_budget() const { return shared_->budget; }

uint64_t ModelRegistry::memory_used() const {
  std::lock_guard lock(shared_->mu);
  return shared_->used();
}

}  // namespace hearth::server

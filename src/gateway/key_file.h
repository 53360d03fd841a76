// The gateway's key file ([keys] path), reloaded while the gateway runs, so
// that `hearth gateway keys add|remove` take effect without a restart.
//
// Checking is cheap: current() looks at the clock, and at most once per
// `every` (1 s; one caller, the first after it) stats the file. Its
// modification time, size and inode are the file's stamp; a changed stamp
// loads the file again (the CLI writes a temporary file and renames it over
// the old one, so a reader sees the old file or the new one, whole). A file
// that no longer loads (missing, malformed) keeps the keys in force, says so
// on stderr once per change of the file, and is tried again when it changes
// again.
//
// Each loaded store goes to the on_load() callbacks (e.g. to set the keys'
// budgets) before any request can see it. Thread-safe: stores are
// immutable and swapped whole; a caller keeps the one it got alive (a
// KeyRecord it holds stays valid across a reload).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/keys.h"

namespace hearth::gateway {

class KeyFile {
 public:
  using Clock = std::chrono::steady_clock;
  using OnLoad = std::function<void(const KeyStore&)>;

  // Loads the file now: IoError / FormatError (KeyStore::load) stop the start.
  explicit KeyFile(std::filesystem::path path, Clock::duration every = std::chrono::seconds(1));

  // Runs `fn` on the store in force now, then on each one loaded later.
  void on_load(OnLoad fn);

  // The keys in force; may first reload the file (see above).
  std::shared_ptr<const KeyStore> current();

  // Stats the file now and reloads it when its stamp changed; true when a
  // new store took effect.
  bool refresh();

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Stamp {
    int64_t mtime_ns = 0;
    uintmax_t size = 0, inode = 0;
    bool exists = false;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp_now() const;

  std::filesystem::path path_;
  Clock::duration every_;
  std::atomic<Clock::rep> next_check_{0};  // steady-clock ticks of the next stat
  std::atomic<std::shared_ptr<const KeyStore>> keys_;

  std::mutex reload_mu_;  // one reload at a time; guards what follows
  Stamp stamp_;           // of the file last tried (loaded or not)
  std::vector<OnLoad> on_load_;
};

}  // namespace hearth::gateway

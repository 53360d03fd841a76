#include "gateway/key_file.h"

#include <sys/stat.h>

#include <cstdio>

#include "core/error.h"

namespace hearth::gateway {

KeyFile::KeyFile(std::filesystem::path path, Clock::duration every)
    : path_(std::move(path)), every_(every), stamp_(stamp_now()) {
  keys_.store(std::make_shared<const KeyStore>(KeyStore::load(path_)));
  next_check_ = (Clock::now() + every_).time_since_epoch().count();
}

KeyFile::Stamp KeyFile::stamp_now() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return {};
  Stamp s;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.size = static_cast<uintmax_t>(st.st_size);
  s.inode = static_cast<uintmax_t>(st.st_ino);
  s.exists = true;
  return s;
}

void KeyFile::on_load(OnLoad fn) {
  std::lock_guard lock(reload_mu_);
  fn(*keys_.load());
  on_load_.push_back(std::move(fn));
}

std::shared_ptr<const KeyStore> KeyFile::current() {
  // The hot path: one clock read and one relaxed load; the caller that wins
  // the compare-exchange does the (rare) stat, everyone else goes on.
  const Clock::rep now = Clock::now().time_since_epoch().count();
  Clock::rep next = next_check_.load(std::memory_order_relaxed);
  if (now >= next && next_check_.compare_exchange_strong(next, now + every_.count())) refresh();
  return keys_.load();
}

bool KeyFile::refresh() {
  std::lock_guard lock(reload_mu_);
  const Stamp now = stamp_now();
  if (now == stamp_) return false;
  stamp_ = now;
  const size_t in_force = keys_.load()->keys().size();
  try {
    auto fresh = std::make_shared<const KeyStore>(KeyStore::load(path_));
    for (const auto& fn : on_load_) fn(*fresh);
    keys_.store(std::move(fresh));
    std::fprintf(stderr, "hearth gateway: reloaded the key file %s: %zu key(s)\n", path_.c_str(),
                 keys_.load()->keys().size());
    return true;
  } catch (const Error& e) {
    std::fprintf(stderr,
                 "hearth gateway: the key file %s changed but could not be loaded (%s); the %zu key(s) loaded "
                 "before stay in force until it loads\n",
                 path_.c_str(), e.what(), in_force);
    return false;
  }
}

}  // namespace hearth::gateway

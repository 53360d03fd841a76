#include "gateway/relay_stream.h"

namespace hearth::gateway {

void RelayStream::ring() {
  std::function<void()> ready;
  {
    std::lock_guard lock(mu_);
    ready = ready_;
  }
  if (ready) ready();
}

void RelayStream::push(const std::string& data) {
  {
    std::lock_guard lock(mu_);
    pending_ += data;
  }
  ring();
}

void RelayStream::finish() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  ring();
}

void RelayStream::start(std::function<void()> ready) {
  {
    std::lock_guard lock(mu_);
    ready_ = std::move(ready);
  }
  ring();
}

bool RelayStream::pull(std::string& out) {
  std::lock_guard lock(mu_);
  out += pending_;
  pending_.clear();
  return !done_;
}

}  // namespace hearth::gateway

// The BodySource of a streamed reply fed by a gateway worker: the worker
// push()es each upstream chunk as it arrives and finish()es once; the
// client's connection pulls on its own thread. cancelled() tells the worker
// that the client went away (it then stops reading the upstream).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "server/http_types.h"

namespace hearth::gateway {

class RelayStream : public server::BodySource {
 public:
  void push(const std::string& data);
  void finish();
  bool cancelled() const { return cancelled_; }

  void start(std::function<void()> ready) override;
  bool pull(std::string& out) override;
  void cancel() override { cancelled_ = true; }

 private:
  void ring();

  std::mutex mu_;
  std::string pending_;
  bool done_ = false;
  std::function<void()> ready_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace hearth::gateway

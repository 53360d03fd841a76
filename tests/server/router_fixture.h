// A Router over the tiny random-weight model (context 256, API key "k1"),
// with helpers to post a request and to drain a reply's BodySource the way
// a connection drains it. Shared by the dialect tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "server/router.h"
#include "test_data.h"

namespace hearth::server {

class RouterFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine::SchedulerConfig sc;
    sc.n_ctx = 256;
    model_ = new ModelService(test::data_path("tiny/tiny-llama-Q8_0.gguf"), sc, 2);
    config_.api_key = "k1";
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }

  static HttpRequest post(const std::string& path, const std::string& body, bool with_key = true) {
    HttpRequest r{"POST", path, {}, body};
    if (with_key) r.headers["authorization"] = "Bearer k1";
    return r;
  }
  static HttpRequest get(const std::string& path) {
    HttpRequest r{"GET", path, {}, ""};
    r.headers["x-api-key"] = "k1";
    return r;
  }

  // Pulls the source to the end, waiting on its ready bell like a connection.
  static std::string drain(BodySource& src) {
    std::mutex mu;
    std::condition_variable cv;
    bool rung = false;
    src.start([&] {
      std::lock_guard lock(mu);
      rung = true;
      cv.notify_all();
    });
    std::string out;
    for (;;) {
      if (!src.pull(out)) return out;
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return rung; })) {
        ADD_FAILURE() << "source stalled";
        return out;
      }
      rung = false;
    }
  }

  // The whole body of a reply: drained when it has a source.
  static std::string body_of(HttpReply& r) { return r.source ? drain(*r.source) : r.body; }

  static inline ModelService* model_ = nullptr;
  static inline ServerConfig config_;
};

}  // namespace hearth::server

// `hearth serve` refuses bad model options before it listens, with an
// error that says what to do (the serving itself is tested in tests/e2e).
#include <gtest/gtest.h>

#include "test_data.h"

namespace hearth {
namespace {

using hearth::test::run_hearth;

using hearth::test::kStories;

// Fails (1 for hearth's own errors, CLI11's code for a bad option) with `message` on stderr.
void expect_error(const std::vector<std::string>& args, const std::string& message) {
  const auto r = run_hearth(args);
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
}

TEST(ServeCli, ModelOptionsAreCheckedBeforeListening) {
  expect_error({"serve"}, "name a model file or a --models-dir");
  expect_error({"serve", "no-such.gguf"}, "model file no-such.gguf does not exist");
  expect_error({"serve", "--models-dir", "/no/such/dir"}, "--models-dir /no/such/dir is not a directory");
  // One value per --ctx: the model after it stays a model.
  expect_error({"serve", "--ctx", "storie=64", kStories}, "--ctx storie=64: no model 'storie' (available: stories260K)");
  expect_error({"serve", "--ctx", "lots", kStories}, "--ctx lots: give N or MODEL=N");
  expect_error({"serve", kStories, "--keep-alive", "5q"}, "--keep-alive \"5q\" is not a duration");
  expect_error({"serve", kStories, "--max-models", "0"}, "--max-models");
  // --kv-type: the types the KV cache holds, and the engine's own check of the model.
  expect_error({"serve", kStories, "--kv-type", "q4_0"}, "--kv-type q4_0: the KV cache holds f16, q8_0 or f32");
  expect_error({"serve", kStories, "--kv-type", "q8_0"}, "Q8_0 KV cache needs head sizes that are multiples of 32");
}

}  // namespace
}  // namespace hearth

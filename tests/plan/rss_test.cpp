// Peak RSS of the real `hearth run` against the estimate for the same run:
// the mapped file + model::kv_store_bytes + the prompt step's scratch +
// model::runtime_overhead_bytes, for every tiny fixture at its trained
// context and at 65536 cells (where the KV cache dominates: 64-128 MiB).
// Bound: the 5% or 32 MiB, whichever is larger.
//
// ru_maxrss of a child also counts the parent's resident pages at fork, so
// this test keeps itself small (it only parses headers) and, at 65536
// cells, checks the child peaked well above the test's own peak.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "model/memory.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

extern char** environ;

namespace hearth::model {
namespace {

constexpr double MiB = 1048576.0;

// Runs hearth with args (output to /dev/null); returns the child's peak RSS in bytes.
uint64_t peak_rss_of_hearth(const std::vector<std::string>& args) {
  std::vector<std::string> all = {HEARTH_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "hearth failed";
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

uint64_t own_peak_rss() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

TEST(PeakRss, HearthRunOfEveryTinyFixtureMatchesTheEstimate) {
  const std::string prompt = "hello world";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_path("tiny"))) {
    if (entry.path().extension() != ".gguf") continue;
    const auto file = gguf::File::open(entry.path());
    const ModelDims dims = dims_of(file);
    const auto n_prompt = static_cast<int64_t>(
        tokenizer::Tokenizer::from_gguf(file).encode(prompt, /*add_special=*/true, /*parse_special=*/true).size());
    for (const int64_t ctx : {dims.hp.n_ctx_train, int64_t{65536}}) {
      SCOPED_TRACE(entry.path().filename().string() + " ctx " + std::to_string(ctx));
      const auto rss = static_cast<double>(peak_rss_of_hearth(
          {"run", entry.path().string(), "--raw", prompt, "-n", "4", "--ctx", std::to_string(ctx), "-t", "2"}));
      const auto est = static_cast<double>(dims.file_bytes + kv_store_bytes(dims.hp, ctx, TensorType::F16) +
                                           forward_scratch_bytes(dims, n_prompt, n_prompt - 1, 1, 2).total() +
                                           runtime_overhead_bytes(dims));
      EXPECT_NEAR(rss, est, std::max(0.05 * est, 32 * MiB));
      if (ctx == 65536) {
        EXPECT_GT(rss, static_cast<double>(own_peak_rss()) + 32 * MiB);
      }
      std::printf("  %-24s ctx %6lld: peak RSS %7.1f MiB, estimate %7.1f MiB\n",
                  entry.path().filename().string().c_str(), static_cast<long long>(ctx), rss / MiB, est / MiB);
    }
    ++n;
  }
  EXPECT_GE(n, 15);
}

}  // namespace
}  // namespace hearth::model

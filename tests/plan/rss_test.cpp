// Peak RSS of the real `hearth run` against the estimate for the same run:
// the mapped file + model::kv_store_bytes + the prompt step's scratch +
// model::runtime_overhead_bytes, for every tiny fixture at its trained
// context and at 65536 cells (where the KV cache dominates: 64-128 MiB).
// Bound: the 5% or 32 MiB, whichever is larger.
//
// The peak is the child's own (VmHWM at exit, see peak_rss_of_hearth); at
// 65536 cells the test also checks it is far above the lowest a hearth run
// could take, so the comparison is not the runtime's fixed cost alone.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <fstream>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "model/memory.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace hearth::model {
namespace {

constexpr double MiB = 1048576.0;

// VmHWM of a live process (/proc/PID/status), in bytes; 0 if absent.
uint64_t vm_hwm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Runs hearth with args (output to /dev/null) and returns its peak RSS in
// bytes: VmHWM of its own address space, read when it exits. (ru_maxrss
// would also count the test process, whose pages a forked child starts
// with.) The child is traced only to stop it at exit (PTRACE_O_TRACEEXIT),
// when its memory is still there to read.
uint64_t peak_rss_of_hearth(const std::vector<std::string>& args) {
  std::vector<std::string> all = {HEARTH_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);  // LeakSanitizer would need to trace it too
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);  // stopped at exec
  EXPECT_TRUE(WIFSTOPPED(status)) << "could not trace hearth";
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_TRACEEXIT));
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  uint64_t peak = 0;
  while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
    int forward = 0;
    if ((status >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      peak = vm_hwm(pid);
    } else if (WSTOPSIG(status) != SIGTRAP) {
      forward = WSTOPSIG(status);  // a real signal: deliver it
    }
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(forward)));
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "hearth failed";
  EXPECT_GT(peak, 0u) << "no VmHWM read at exit";
  return peak;
}

#if defined(HEARTH_SANITIZED)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(PeakRss, HearthRunOfEveryTinyFixtureMatchesTheEstimate) {
  const std::string prompt = "hello world";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_path("tiny"))) {
    if (entry.path().extension() != ".gguf") continue;
    const auto file = gguf::File::open(entry.path());
    const ModelDims dims = dims_of(file);
    const auto n_prompt = static_cast<int64_t>(
        tokenizer::Tokenizer::from_gguf(file).encode(prompt, /*add_special=*/true, /*parse_special=*/true).size());
    double first_rss = 0, first_est = 0;
    for (const int64_t ctx : {dims.hp.n_ctx_train, int64_t{65536}}) {
      SCOPED_TRACE(entry.path().filename().string() + " ctx " + std::to_string(ctx));
      const auto rss = static_cast<double>(peak_rss_of_hearth(
          {"run", entry.path().string(), "--raw", prompt, "-n", "4", "--ctx", std::to_string(ctx), "-t", "2"}));
      const auto est = static_cast<double>(dims.file_bytes + kv_store_bytes(dims.hp, ctx, TensorType::F16) +
                                           forward_scratch_bytes(dims, n_prompt, n_prompt - 1, 1, 2).total() +
                                           runtime_overhead_bytes(dims));
      if (!kSanitized) {
        EXPECT_NEAR(rss, est, std::max(0.05 * est, 32 * MiB));
      } else if (first_est > 0) {
        // Under AddressSanitizer the process carries ~95 MiB of the
        // sanitizer's own (shadow, quarantine) whatever the model, so the
        // absolute figure says nothing about ours; what the context adds
        // (KV cache, attention scratch) must still match the estimate.
        EXPECT_NEAR(rss - first_rss, est - first_est, std::max(0.05 * (est - first_est), 32 * MiB));
      }
      if (first_est == 0) {
        first_rss = rss;
        first_est = est;
      }
      if (ctx == 65536) {
        EXPECT_GT(rss, 48 * MiB);  // 64 MiB of KV at least
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

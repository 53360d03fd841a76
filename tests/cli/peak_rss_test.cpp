// Peak memory of `hearth run` (issue #3): weights are mapped from the file,
// and the matrices kept in bands (model::interleave_weights) are copied in
// chunks whose file pages are released as they are copied, so a run's peak
// resident set is the file, the KV cache and a little more. Measured on the
// real binary: run_hearth reads the child's ru_maxrss from wait4.
//
// The bound, peak <= file + KV + 10%, is about what a model adds; a
// tiny model (1-10 MB) is smaller than the program itself, so the program's
// own footprint is measured and added:
//   peak <= base + 1.10 * (file + KV) + kRuntime
// base: peak RSS of `hearth run --help` (binary, libraries, start-up).
// KV: model::KvStore::bytes_per_cell(hparams, F16) * --ctx, the formula the
//   store allocates with (every cell is zero-filled, so all of it is resident).
// kRuntime: what a run needs beyond the binary and the model's bytes at
//   these sizes: tokenizer tables, two worker threads' stacks and arenas,
//   activation and logits scratch (measured 1.0-1.3 MB for every model here).
// A weight copy kept beside the file's (dequantizing, repacking without
// releasing the file's pages) would show in a second check that
// needs no allowance at all: two files of the same architecture, shape and
// context differ only in their weight bytes, and so must their peaks, to
// within 10% (measured: 0.4-4% below the file difference).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "gguf/file.h"
#include "model/hparams.h"
#include "model/kv_store.h"
#include "test_data.h"

namespace hearth {
namespace {

constexpr int64_t kCtx = 1024;                  // --ctx of every run (KV of 0.5-2.6 MB here)
#if defined(HEARTH_SANITIZED)
// Under ASan (the binary is built like this test) every heap byte also costs
// shadow memory, redzones and quarantine: measured 2.4-3.0 MB beyond base.
constexpr int64_t kRuntime = 6 * 1024 * 1024;
// ... and its quarantine and shadow pages make the peak of two runs of the
// same file differ by up to ~2 MB with the thread timing (the gemma2 pair
// below gave +8.17 to +10.55 MB for +8.45 MB of file in five runs), so the
// slope gets that much room on top of its 10 %.
constexpr int64_t kSlopeNoise = 3 * 1024 * 1024;
// The lower bounds (the weights are resident) cannot be read to a few MB
// under ASan on every host: on a Zen 5 host (2026-11-30) the instrumented
// binary's own resident pages (~86 MB of its ~93 MB base) differ by 1-4 MB
// between runs of different code paths, so `run --help` peaked 1.0-1.8 MB
// above an F32 run's non-weight bytes, and the F32 and Q4_0 tiny-llama runs
// peaked within -0.04 to +0.62 MB of each other for 4.66 MB of file (the
// same two in the release build: 15.9 against 11.4 MB, the file's difference;
// the release build checks these bounds with no allowance).
constexpr int64_t kLowerNoise = 3 * 1024 * 1024;
#else
constexpr int64_t kLowerNoise = 0;
constexpr int64_t kSlopeNoise = 0;  // Release: the slope holds within 10 % (session 3: +8.42 for +8.45 MB)
constexpr int64_t kRuntime = 2 * 1024 * 1024;   // see the header comment
#endif
constexpr double kSlack = 1.10;                 // the 10%

std::string model_path(const std::string& name) {
  return name == "stories260K" ? test::kStories
                               : test::data_path("tiny/" + name + ".gguf").string();
}

int64_t file_bytes(const std::string& path) { return static_cast<int64_t>(std::filesystem::file_size(path)); }

int64_t kv_bytes(const std::string& path) {
  const model::HParams hp = model::load_hparams(gguf::File::open(path));
  return static_cast<int64_t>(model::KvStore::bytes_per_cell(hp, TensorType::F16)) * kCtx;
}

// Peak RSS of a short greedy raw completion on two threads.
int64_t run_peak(const std::string& path) {
  const auto r = test::run_hearth(
      {"run", path, "Once upon a time", "--raw", "--temp", "0", "-n", "16", "-t", "2", "--ctx", std::to_string(kCtx)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(r.peak_rss_bytes, 0);
  return r.peak_rss_bytes;
}

int64_t base_peak() {
  static const int64_t base = [] {
    const auto r = test::run_hearth({"run", "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.peak_rss_bytes;
  }();
  return base;
}

double mb(int64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

class PeakRss : public testing::TestWithParam<std::string> {};

TEST_P(PeakRss, WithinFilePlusKvPlusTenPercent) {
  const std::string path = model_path(GetParam());
  const int64_t file = file_bytes(path), kv = kv_bytes(path), base = base_peak();
  const int64_t peak = run_peak(path);
  const auto bound = static_cast<int64_t>(static_cast<double>(base) + kSlack * static_cast<double>(file + kv)) + kRuntime;
  std::printf("%s: peak %.2f MB; base %.2f + file %.2f + KV %.2f (+10%%, +%.0f MB runtime) = bound %.2f MB\n",
              GetParam().c_str(), mb(peak), mb(base), mb(file), mb(kv), mb(kRuntime), mb(bound));
  EXPECT_LE(peak, bound);
  // The weights are all read by a forward pass, so they are resident: a peak
  // below base + file would mean this test measures the wrong process.
  EXPECT_GE(peak, base + file - kLowerNoise);
}

INSTANTIATE_TEST_SUITE_P(Models, PeakRss,
                         testing::Values("stories260K", "tiny-llama-F32", "tiny-llama-Q4_K_M", "tiny-qwen2-Q8_0",
                                         "tiny-qwen3-F32", "tiny-gemma2-F32", "tiny-gemma3-Q4_K_M"),
                         [](const testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param;
                           for (char& c : s) if (c == '-') c = '_';
                           return s;
                         });

// Same architecture, shape and context, different weight types: the peaks
// differ by the files' difference (weights mapped, not copied), within 10%.
// (The lower bound, 80%, only checks that the weights are really read.)
TEST(PeakRssSlope, GrowsWithTheFileOneForOne) {
  for (const auto& [big, small] : {std::pair{"tiny-gemma2-F32", "tiny-gemma2-Q4_K_M"},
                                   std::pair{"tiny-llama-F32", "tiny-llama-Q4_0"}}) {
    const int64_t d_file = file_bytes(model_path(big)) - file_bytes(model_path(small));
    const int64_t d_peak = run_peak(model_path(big)) - run_peak(model_path(small));
    std::printf("%s vs %s: peak +%.2f MB for file +%.2f MB\n", big, small, mb(d_peak), mb(d_file));
    EXPECT_LE(static_cast<double>(d_peak), kSlack * static_cast<double>(d_file) + kSlopeNoise) << big << " vs " << small;
    EXPECT_GE(static_cast<double>(d_peak), 0.8 * static_cast<double>(d_file) - kSlopeNoise - kLowerNoise)
        << big << " vs " << small;
  }
}

}  // namespace
}  // namespace hearth

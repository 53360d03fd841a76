// Logits of every golden model and prompt against the reference
// (tests/data/logits, layout in /work/shared README: all prompt rows from one
// batch, then one row per greedy step computed by a one-token decode).
// Random-weight models repeat themselves, so steps are teacher-forced with
// the reference's greedy tokens and compared row by row.
//
// Bounds (issue #3): argmax equal on >= 99% of rows; per row
// max |Δlogit| <= 0.5% of the row's logit range for F32/F16/BF16 files and
// <= 2% for quantized files (activations are quantized to the weight's dot
// type as the reference does, but summation order and the rounding of the
// activation scales differ, and one flipped int8 rounding is a whole step).
// Tighter where reached: F32 and F16 files (and stories260K) are held to
// 0.25%: the worst seen over every tiny model and prompt is 0.079%
// (tiny-qwen3-F16), so the bound keeps a 3x margin for other summation
// orders (thread counts, SIMD widths). BF16 stays at 0.5% (worst 0.25%:
// bf16 keeps 8 mantissa bits, so activations rounded to it differ more);
// quantized files stay at 2% (worst 1.57%, tiny-qwen3-Q4_K_M).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/session.h"
#include "test_data.h"

namespace hearth {
namespace {

struct Case {
  std::string model_file;  // relative to tests/data or repo
  std::string golden;      // stem in tests/data/logits
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("logits"))) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".json")) continue;
    const std::string stem = name.substr(0, name.size() - 5);     // MODEL.PROMPT
    const std::string model = stem.substr(0, stem.rfind('.'));
    const std::string file = model == "stories260K" ? test::kStories
                                                    : test::data_path("tiny/" + model + ".gguf").string();
    out.push_back({file, stem});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.golden < b.golden; });
  return out;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string s = info.param.golden;
  for (char& c : s) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// The per-row bound for a golden's file type (see the header comment).
double logit_bound(const std::string& golden) {
  const auto has = [&](const char* type) { return golden.find(type) != std::string::npos; };
  if (has("-F32.") || has("-F16.") || golden.rfind("stories260K.", 0) == 0) return 0.0025;
  if (has("-BF16.")) return 0.005;
  return 0.02;
}

// A row whose reference top-2 margin is below kNearTie x the logit bound
// (0.5% of the range for quantized files, 0.125% for float ones) has no
// argmax the bound can decide: an error well inside the tolerance may flip
// it. Such a flipped row is left out of the argmax count (and printed), at
// most kMaxNearTies per golden. Seen once: tiny-qwen2-Q4_0.p2 row 30, a
// reference margin of 0.22% of the range against our worst error of 0.86%
// on that file; with 52 rows, ">= 99%" would otherwise allow no flip at all.
constexpr double kNearTie = 0.25;
constexpr size_t kMaxNearTies = 1;

// Runs the golden's prompt and teacher-forced greedy steps with a KV cache
// of `kv_type` and checks every row against the reference (bound: fraction
// of each row's logit range); returns the worst fraction seen.
double compare_with_reference(const Case& c, TensorType kv_type, double bound, int argmax_percent = 99) {
  const auto meta = nlohmann::json::parse(test::read_text(test::data_path("logits/" + c.golden + ".json")));
  const std::vector<float> want = test::read_f32(test::data_path("logits/" + c.golden + ".logits.f32"));
  const auto prompt = meta["prompt_tokens"].get<std::vector<int32_t>>();
  const auto greedy = meta["greedy_tokens"].get<std::vector<int32_t>>();
  const int64_t n_vocab = meta["n_vocab"];
  const size_t n_rows = prompt.size() + greedy.size() - 1;
  EXPECT_EQ(want.size(), n_rows * static_cast<size_t>(n_vocab));

  auto model = model::Model::load(c.model_file);
  EXPECT_EQ(model->hparams().n_vocab, n_vocab);
  ThreadPool pool(2);
  engine::Session session(*model, pool, 256, kv_type);

  std::vector<float> got = session.eval(prompt, /*all_logits=*/true);
  for (size_t i = 0; i + 1 < greedy.size(); ++i) {
    const auto& row = session.eval(std::span(&greedy[i], 1));
    got.insert(got.end(), row.begin(), row.end());
  }
  EXPECT_EQ(got.size(), want.size());
  if (got.size() != want.size()) return 1.0;

  size_t argmax_equal = 0;
  size_t near_ties = 0;
  double worst = 0;
  for (size_t r = 0; r < n_rows; ++r) {
    const float* g = got.data() + r * n_vocab;
    const float* w = want.data() + r * n_vocab;
    const auto [lo, hi] = std::minmax_element(w, w + n_vocab);
    const double range = *hi - *lo;
    double max_diff = 0;
    for (int64_t i = 0; i < n_vocab; ++i) max_diff = std::max(max_diff, double(std::fabs(g[i] - w[i])));
    worst = std::max(worst, max_diff / range);
    EXPECT_LE(max_diff, bound * range) << c.golden << " row " << r;
    const int64_t ga = std::max_element(g, g + n_vocab) - g, wa = std::max_element(w, w + n_vocab) - w;
    const double ref_margin = double(w[wa]) - double(w[ga]);  // how much the reference prefers its pick
    if (ga == wa) {
      ++argmax_equal;
    } else if (ref_margin < kNearTie * bound * range) {
      ++near_ties;  // the reference itself is undecided here: see kNearTie
    }
    if (ga != wa) {
      std::printf("%s row %zu: argmax %lld, reference %lld; reference margin %.5f (%.3f%% of range)\n",
                  c.golden.c_str(), r, static_cast<long long>(ga), static_cast<long long>(wa), ref_margin,
                  100.0 * ref_margin / range);
    }
  }
  EXPECT_LE(near_ties, kMaxNearTies) << c.golden;
  const size_t decided = n_rows - near_ties;
  EXPECT_GE(argmax_equal * 100, decided * static_cast<size_t>(argmax_percent))
      << argmax_equal << " of " << decided << " rows (" << near_ties << " near-ties left out)";
  std::printf("%s (KV %s): worst |Δ| = %.4f%% of range, argmax %zu/%zu\n", c.golden.c_str(),
              std::string(tensor_type_name(kv_type)).c_str(), worst * 100, argmax_equal, n_rows);
  return worst;
}

class Logits : public testing::TestWithParam<Case> {};

TEST_P(Logits, MatchReference) {
  const Case& c = GetParam();
  const double worst = compare_with_reference(c, TensorType::F16, logit_bound(c.golden));
  RecordProperty("worst_fraction_of_range", std::to_string(worst));
}

// A Q8_0 KV cache (half the memory of F16) keeps logits within the bound of
// quantized files (2% of the row range). The reference ran with an F16 cache,
// so the extra rounding may flip a near-tie: argmax must agree on >= 95% of
// rows here (one row in 55 flips for tiny-qwen3), not 99%.
TEST(LogitsKvQ8_0, StaysWithinTheQuantizedBound) {
  for (const char* golden : {"tiny-llama-F32.p2", "tiny-qwen3-Q8_0.p3", "tiny-gemma2-Q8_0.p2"}) {
    const std::string g = golden;
    const std::string model = g.substr(0, g.rfind('.'));
    compare_with_reference({test::data_path("tiny/" + model + ".gguf").string(), g}, TensorType::Q8_0, 0.02, 95);
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, Logits, testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace hearth

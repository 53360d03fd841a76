// `hearth quantize` as a user runs it, checked against the reference
// quantizer's own files: for every tiny fixture (tests/data/tiny, made from
// tiny-*-F32.gguf) and every stories260K recipe (tests/data/stories260K-quant,
// made from models/stories260K.gguf) we quantize the same F32 source and
// require
//   - the same tensors, in the same order, with the same type each, and the
//     same metadata (keys, order, values: general.file_type and
//     general.quantization_version included);
//   - a file size within 1% of the reference file;
//   - per tensor, an RMS error against the F32 source at most 1.02x the
//     reference file's (both files' tensors dequantized by hearth);
//   - logits as close to the F32 model's as the reference file's: RMS over
//     every position of every golden prompt of the model (tiny: p2, p3;
//     stories260K: sp1..sp4) and every vocabulary entry of
//     (logits_quantized - logits_F32), ours <= 1.05x the reference's + 1e-4.
//     All three sets come from the same engine (hearth logits), so only the
//     weights differ. Why 1.05x and pooled prompts: a model amplifies tiny
//     weight differences chaotically — our Q4_0 stories260K differs from the
//     reference's in ~1 code per 1000 weights (equal RMS error), yet its
//     logit error on sp1 alone is 8% higher, on sp2..sp4 2% higher; pooled
//     over all 40 positions it is 3.6% higher. The 1e-4 absolute term covers
//     the float formats, where both errors are ~0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "model/imatrix.h"
#include "quant/type_traits.h"
#include "test_data.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

struct QuantCase {
  std::string name;       // test name: "tiny_llama_Q4_K_M"
  fs::path source;        // F32 model
  fs::path reference;     // the reference quantizer's file
  std::string type;       // file type
  std::vector<std::string> prompts;  // prompt files for the logits comparison
};

std::vector<QuantCase> all_cases() {
  std::vector<QuantCase> out;
  for (const auto& e : fs::directory_iterator(test::data_path("tiny"))) {
    const std::string f = e.path().filename().string();  // tiny-llama-Q4_K_M.gguf
    const size_t dash = f.find('-', 5);
    const std::string arch = f.substr(5, dash - 5);
    const std::string type = f.substr(dash + 1, f.size() - dash - 1 - 5);
    if (type == "F32") continue;
    out.push_back({"tiny_" + arch + "_" + type, test::data_path("tiny/tiny-" + arch + "-F32.gguf"), e.path(), type,
                   {"p2.txt", "p3.txt"}});
  }
  for (const auto& e : fs::directory_iterator(test::data_path("stories260K-quant"))) {
    const std::string f = e.path().filename().string();  // s260k-Q4_K_M.gguf
    const std::string type = f.substr(6, f.size() - 6 - 5);
    out.push_back({"s260k_" + type, test::kStories, e.path(), type,
                   {"sp1.txt", "sp2.txt", "sp3.txt", "sp4.txt"}});
  }
  std::sort(out.begin(), out.end(), [](const QuantCase& a, const QuantCase& b) { return a.name < b.name; });
  return out;
}

std::vector<float> dequantized(const gguf::Tensor& t) {
  std::vector<float> out(t.n_elements);
  quant::dequantize(t.type, t.data, out.data(), static_cast<int64_t>(t.n_elements));
  return out;
}

double rms_error(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

// Logits of every position of every prompt, as `hearth logits` writes them
// (one run for all the prompts).
std::vector<float> prompt_logits(const fs::path& model, const std::vector<std::string>& prompts, const fs::path& dir) {
  std::vector<std::string> args = {"logits", model.string(), "--threads", "1"};
  std::vector<fs::path> outs;
  for (const auto& p : prompts) {
    outs.push_back(dir / (model.stem().string() + "." + p + ".logits.f32"));
    args.insert(args.end(), {"--prompt-file", test::data_path("logits/" + p).string(), "--out", outs.back().string()});
  }
  const auto r = test::run_hearth(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<float> all;
  for (const fs::path& out : outs) {
    const std::vector<float> rows = test::read_f32(out);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

// The F32 sources' logits, computed once per source for all the cases using it.
const std::vector<float>& source_logits(const QuantCase& c) {
  static std::map<std::string, std::vector<float>> cache;
  auto it = cache.find(c.source.string());
  if (it == cache.end()) {
    const fs::path dir = test::temp_dir("hearth-quantize-src");
    it = cache.emplace(c.source.string(), prompt_logits(c.source, c.prompts, dir)).first;
    fs::remove_all(dir);
  }
  return it->second;
}

class QuantizeMatchesReference : public testing::TestWithParam<QuantCase> {};

TEST_P(QuantizeMatchesReference, SameRecipeSizeErrorAndLogits) {
  const QuantCase& c = GetParam();
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path ours_path = dir / ("ours-" + c.type + ".gguf");
  const auto r = test::run_hearth({"quantize", c.source.string(), ours_path.string(), c.type, "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const gguf::File src = gguf::File::open(c.source);
  const gguf::File ref = gguf::File::open(c.reference);
  const gguf::File ours = gguf::File::open(ours_path);

  EXPECT_EQ(ours.metadata(), ref.metadata()) << "metadata differs from the reference file's";
  ASSERT_EQ(ours.tensors().size(), ref.tensors().size());
  for (size_t i = 0; i < ref.tensors().size(); ++i) {
    const gguf::Tensor& o = ours.tensors()[i];
    const gguf::Tensor& f = ref.tensors()[i];
    ASSERT_EQ(o.name, f.name) << "tensor order differs at " << i;
    EXPECT_EQ(tensor_type_name(o.type), tensor_type_name(f.type)) << o.name;
    EXPECT_EQ(o.shape, f.shape) << o.name;
  }
  const double size_ratio = static_cast<double>(ours.file_size()) / static_cast<double>(ref.file_size());
  EXPECT_NEAR(size_ratio, 1.0, 0.01) << ours.file_size() << " vs reference " << ref.file_size();

  double worst = 0;
  std::string worst_name;
  for (const gguf::Tensor& f : ref.tensors()) {
    const gguf::Tensor* o = ours.find_tensor(f.name);
    if (o == nullptr || o->type != f.type) continue;  // reported above
    const std::vector<float> original = dequantized(*src.find_tensor(f.name));
    const double e_ours = rms_error(dequantized(*o), original);
    const double e_ref = rms_error(dequantized(f), original);
    EXPECT_LE(e_ours, 1.02 * e_ref + 1e-12) << f.name << " (" << tensor_type_name(f.type) << "): rms " << e_ours
                                            << " vs reference " << e_ref;
    if (e_ref > 0 && e_ours / e_ref > worst) worst = e_ours / e_ref, worst_name = f.name;
  }
  RecordProperty("worst_rms_ratio", std::to_string(worst) + " " + worst_name);

  const std::vector<float>& l_f32 = source_logits(c);
  const std::vector<float> l_ref = prompt_logits(c.reference, c.prompts, dir);
  const std::vector<float> l_ours = prompt_logits(ours_path, c.prompts, dir);
  ASSERT_EQ(l_ours.size(), l_f32.size());
  ASSERT_EQ(l_ref.size(), l_f32.size());
  const double d_ref = rms_error(l_ref, l_f32);
  const double d_ours = rms_error(l_ours, l_f32);
  RecordProperty("logit_rms_ours", std::to_string(d_ours));
  RecordProperty("logit_rms_reference", std::to_string(d_ref));
  EXPECT_LE(d_ours, 1.05 * d_ref + 1e-4) << "logits vs F32: rms " << d_ours << ", reference file " << d_ref;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizeMatchesReference, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<QuantCase>& i) { return i.param.name; });

// ---- behaviour ------------------------------------------------------------------

fs::path tiny(const std::string& type) { return test::data_path("tiny/tiny-llama-" + type + ".gguf"); }

bool dir_is_empty(const fs::path& dir) { return fs::is_empty(dir); }

TEST(QuantizeCli, DryRunWritesNothingAndReportsTheSize) {
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path out = dir / "out.gguf";
  const auto r = test::run_hearth({"quantize", test::kStories, out.string(),
                                   "Q4_K_M", "--dry-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(dir_is_empty(dir));
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dry_run"], true);
  // The planned size is exact: the reference's file has the same layout.
  EXPECT_EQ(j["output_bytes"], fs::file_size(test::data_path("stories260K-quant/s260k-Q4_K_M.gguf")));
  EXPECT_EQ(j["classes"]["ffn_down"]["types"], nlohmann::json::array({"F16"}));
  EXPECT_EQ(j["classes"]["attn_v"]["types"], nlohmann::json::array({"Q5_0", "Q8_0"}));
  EXPECT_EQ(j["classes"]["norm"]["tensors"], 11);

  const auto text = test::run_hearth({"quantize", tiny("F32").string(), out.string(), "q4_k_m", "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ffn_down"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("would quantize"), std::string::npos) << text.out;
  EXPECT_TRUE(dir_is_empty(dir));
  fs::remove_all(dir);
}

TEST(QuantizeCli, RequantizingIsRefusedUnlessAllowed) {
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path out = dir / "out.gguf";
  const auto r = test::run_hearth({"quantize", tiny("Q4_K_M").string(), out.string(), "Q4_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already quantized"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-requantize"), std::string::npos) << r.err;
  EXPECT_TRUE(dir_is_empty(dir));

  const auto ok = test::run_hearth({"quantize", tiny("Q4_K_M").string(), out.string(), "Q4_0", "--allow-requantize"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const gguf::File f = gguf::File::open(out);
  EXPECT_EQ(f.find_tensor("blk.0.attn_q.weight")->type, TensorType::Q4_0);
  EXPECT_EQ(f.find_tensor("token_embd.weight")->type, TensorType::Q6_K);  // already the recipe's type: copied
  EXPECT_EQ(f.get_uint("general.file_type"), 2u);
  fs::remove_all(dir);
}

TEST(QuantizeCli, UnknownTypeListsTheKnownOnes) {
  const auto r = test::run_hearth({"quantize", tiny("F32").string(), "/tmp/never-written.gguf", "Q9_X"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Q9_X"), std::string::npos) << r.err;
  for (const char* t : {"Q4_K_M", "Q3_K_L", "Q2_K", "IQ4_XS", "BF16"}) EXPECT_NE(r.err.find(t), std::string::npos) << t;
  EXPECT_FALSE(fs::exists("/tmp/never-written.gguf"));
}

TEST(QuantizeCli, TruncatedInputIsAClearErrorAndLeavesNoFile) {
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path in = dir / "cut.gguf";
  const std::vector<uint8_t> bytes = test::read_bytes(tiny("F32"));
  std::ofstream(in, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                            static_cast<std::streamsize>(bytes.size() / 2));
  const auto r = test::run_hearth({"quantize", in.string(), (dir / "out.gguf").string(), "Q8_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cut.gguf"), std::string::npos) << r.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // only the input
  fs::remove_all(dir);
}

TEST(QuantizeCli, FailureMidWayLeavesNoTemporaryFile) {
  // A NaN in one weight: the quantizer refuses it after earlier tensors were written.
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path in = dir / "nan.gguf";
  std::vector<uint8_t> bytes = test::read_bytes(test::kStories);
  {
    const gguf::File f = gguf::File::parse(bytes, "nan.gguf");
    const gguf::Tensor* t = f.find_tensor("blk.3.ffn_up.weight");
    const float nan = std::nanf("");
    std::memcpy(bytes.data() + f.data_offset() + t->offset + 40, &nan, sizeof nan);
  }
  std::ofstream(in, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                            static_cast<std::streamsize>(bytes.size()));
  const auto r = test::run_hearth({"quantize", in.string(), (dir / "out.gguf").string(), "Q4_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("blk.3.ffn_up.weight"), std::string::npos) << r.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // only the input
  fs::remove_all(dir);
}

TEST(QuantizeCli, VocabOnlyFileIsRefused) {
  const auto r = test::run_hearth({"quantize", test::data_path("vocab/ggml-vocab-llama-spm.gguf").string(),
                                   "/tmp/never-written.gguf", "Q4_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no tensors"), std::string::npos) << r.err;
}

TEST(QuantizeCli, ProgressBarOnATerminal) {
  const fs::path dir = test::temp_dir("hearth-quantize");
  const auto r = test::run_hearth_tty(
      {"quantize", test::kStories, (dir / "o.gguf").string(), "Q8_0"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("48/48 tensors"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(QuantizeCli, HelpListsTheTypes) {
  const auto r = test::run_hearth({"quantize", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"--imatrix", "--dry-run", "--allow-requantize", "--json", "Q5_K_S", "IQ4_NL"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

// An importance matrix that stresses a few columns of every matrix: the error
// it weighs (sum over columns of importance x squared error) must come out
// lower than without it, and the output records the imatrix it used.
TEST(QuantizeCli, ImatrixLowersTheWeightedError) {
  const fs::path dir = test::temp_dir("hearth-quantize");
  const fs::path src = tiny("F32");
  const gguf::File f = gguf::File::open(src);
  model::Imatrix im;
  im.datasets = {"synthetic"};
  im.chunk_count = 1;
  for (const auto& t : f.tensors()) {
    if (t.shape.size() < 2 || t.name.find("norm") != std::string::npos) continue;
    model::ImatrixEntry e;
    e.n_per_row = static_cast<int64_t>(t.row_length());
    e.counts = {4};
    for (int64_t i = 0; i < e.n_per_row; ++i) e.sum2.push_back(i % 16 == 0 ? 400.0 : 0.04);
    im.entries[t.name] = e;
  }
  const fs::path imatrix = dir / "im.gguf";
  im.save(imatrix);
  const auto with = test::run_hearth({"quantize", src.string(), (dir / "w.gguf").string(), "Q4_K_M", "--imatrix",
                                      imatrix.string(), "--json"});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  const auto without = test::run_hearth({"quantize", src.string(), (dir / "n.gguf").string(), "Q4_K_M"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_EQ(nlohmann::json::parse(with.out)["tensors"][2]["imatrix"], true);

  const gguf::File w = gguf::File::open(dir / "w.gguf");
  const gguf::File n = gguf::File::open(dir / "n.gguf");
  EXPECT_EQ(w.get_string("quantize.imatrix.file"), imatrix.string());
  const auto weighted = [](const gguf::Tensor& q, const std::vector<float>& x) {
    const std::vector<float> y = dequantized(q);
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += (i % q.row_length() % 16 == 0 ? 100.0 : 0.01) * (x[i] - y[i]) * (x[i] - y[i]);
    return s;
  };
  for (const char* name : {"blk.0.attn_q.weight", "blk.1.ffn_down.weight", "blk.0.ffn_up.weight"}) {
    const std::vector<float> x = dequantized(*f.find_tensor(name));
    EXPECT_LT(weighted(*w.find_tensor(name), x), 0.8 * weighted(*n.find_tensor(name), x)) << name;
  }
  fs::remove_all(dir);
}

TEST(QuantizeCli, NonImatrixFileIsRefused) {
  const auto r = test::run_hearth({"quantize", tiny("F32").string(), "/tmp/never-written.gguf", "Q4_0", "--imatrix",
                                   tiny("F16").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not an importance matrix"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists("/tmp/never-written.gguf"));
}

}  // namespace
}  // namespace hearth

// `hearth bench`, run as a user would: the JSON report is complete and
// self-consistent (no speed is asserted — the machine is shared).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "gguf/file.h"
#include "test_data.h"

namespace hearth {
namespace {

using hearth::test::run_hearth;
using Json = nlohmann::json;

using hearth::test::kStories;

Json bench_json(std::vector<std::string> args, const char* reps = "1") {
  args.insert(args.begin(), "bench");
  for (const char* a : {"-r", reps, "--json", "--bandwidth-mib", "64"}) args.emplace_back(a);
  const auto r = run_hearth(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(r.out);
}

// The middle value, or the mean of the two middle ones.
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void expect_stats(const Json& s, double median) {
  EXPECT_EQ(s["median"].get<double>(), median);
  EXPECT_GT(s["min"].get<double>(), 0.0);
  EXPECT_LE(s["min"].get<double>(), median);
  EXPECT_GE(s["max"].get<double>(), median);
  EXPECT_GE(s["stddev"].get<double>(), 0.0);
}

// Fields every report has, and the figures derived from the others.
void expect_consistent(const Json& j) {
  for (const char* key : {"prefill_tok_s", "decode_tok_s", "read_bandwidth_gbs", "decode_bandwidth_fraction",
                          "bytes_per_token", "decode_gbs", "file_size", "params", "threads"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  expect_stats(j["prefill"], j["prefill_tok_s"].get<double>());
  expect_stats(j["decode"], j["decode_tok_s"].get<double>());
  const Json& d = j["bytes_per_token_detail"];
  EXPECT_DOUBLE_EQ(j["bytes_per_token"].get<double>(),
                   d["weights"].get<double>() + d["embd_row"].get<double>() + d["kv"].get<double>());
  // Nearly all of a file is weights, all read once per token (more than the
  // file when tied embeddings are read twice).
  EXPECT_GT(d["weights"].get<double>(), 0.9 * j["file_size"].get<double>() - 1e6);
  EXPECT_DOUBLE_EQ(j["decode_gbs"].get<double>(),
                   j["decode_tok_s"].get<double>() * j["bytes_per_token"].get<double>() / 1e9);
  const auto decodes = j["decode_per_repetition_tok_s"].get<std::vector<double>>();
  const auto reps = j["repetitions"].get<size_t>();
  ASSERT_EQ(decodes.size(), reps);
  EXPECT_DOUBLE_EQ(j["decode_tok_s"].get<double>(), median(decodes));

  // The limit read in the decode's own seconds: a read of the probe (the
  // best of 2 passes) before every 8 decode steps and after the last; each
  // chunk of steps is compared with the mean of the two reads around it, and
  // the reported figures are the medians.
  const Json& in = j["read_bandwidth"]["interleaved"];
  EXPECT_EQ(in["decode_steps_between_reads"], 8);
  EXPECT_EQ(in["passes_per_read"], 2);
  const auto passes = in["reads_gbs"].get<std::vector<double>>();
  const auto chunk_tok_s = in["chunk_tok_s"].get<std::vector<double>>();
  const auto chunk_bytes = in["chunk_bytes_per_token"].get<std::vector<double>>();
  const auto chunk_fractions = in["chunk_fractions"].get<std::vector<double>>();
  const size_t chunks = (j["n_gen"].get<size_t>() + 7) / 8;
  ASSERT_EQ(passes.size(), reps * (chunks + 1));
  ASSERT_EQ(chunk_tok_s.size(), reps * chunks);
  ASSERT_EQ(chunk_bytes.size(), reps * chunks);
  ASSERT_EQ(chunk_fractions.size(), reps * chunks);
  for (size_t rep = 0; rep < reps; ++rep) {
    for (size_t c = 0; c < chunks; ++c) {
      const size_t i = rep * chunks + c, p = rep * (chunks + 1) + c;
      EXPECT_GT(passes[p], 0.0);
      EXPECT_GT(chunk_tok_s[i], 0.0);
      // Bytes per token grow with the context (the KV cache), chunk by chunk.
      if (c > 0) {
        EXPECT_GT(chunk_bytes[i], chunk_bytes[i - 1]);
      }
      EXPECT_DOUBLE_EQ(chunk_fractions[i], chunk_tok_s[i] * chunk_bytes[i] / 1e9 / ((passes[p] + passes[p + 1]) / 2));
    }
  }
  EXPECT_DOUBLE_EQ(j["read_bandwidth_gbs"].get<double>(), median(passes));
  EXPECT_DOUBLE_EQ(j["decode_bandwidth_fraction"].get<double>(), median(chunk_fractions));

  // Beside it, the bracketing figure: each decode repetition against the
  // mean of the best-of-5 probes right before and right after it.
  const Json& br = j["read_bandwidth"]["bracketing"];
  const auto probes = br["per_repetition_gbs"].get<std::vector<double>>();
  const auto before = br["before_decode_gbs"].get<std::vector<double>>();
  const auto after = br["after_decode_gbs"].get<std::vector<double>>();
  ASSERT_EQ(probes.size(), reps);
  ASSERT_EQ(before.size(), reps);
  ASSERT_EQ(after.size(), reps);
  std::vector<double> fractions;
  for (size_t i = 0; i < reps; ++i) {
    EXPECT_GT(before[i], 0.0);
    EXPECT_GT(after[i], 0.0);
    EXPECT_DOUBLE_EQ(probes[i], (before[i] + after[i]) / 2);
    fractions.push_back(decodes[i] * j["bytes_per_token"].get<double>() / 1e9 / probes[i]);
  }
  EXPECT_DOUBLE_EQ(br["median_gbs"].get<double>(), median(probes));
  EXPECT_DOUBLE_EQ(br["decode_bandwidth_fraction"].get<double>(), median(fractions));
}

TEST(BenchCli, ModelFileReport) {
  const Json j = bench_json({kStories, "-p", "16", "-n", "8", "-t", "2"});
  expect_consistent(j);
  const gguf::File f = gguf::File::open(kStories);
  uint64_t params = 0;
  for (const auto& t : f.tensors()) params += t.n_elements;
  EXPECT_EQ(j["model"], kStories);
  EXPECT_EQ(j["type"], "F32");
  EXPECT_EQ(j["file_size"], f.file_size());
  EXPECT_EQ(j["params"], params);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["n_prompt"], 16);
  EXPECT_EQ(j["n_gen"], 8);
  // Decode after a 16-token prompt: step k sees 16 + k + 1 cells, mean 16 + 4.5.
  EXPECT_EQ(j["depth"], 16);
  EXPECT_EQ(j["bytes_per_token_detail"]["mean_context"], 20.5);
}

// --depth: decode after that many tokens of context, and the KV cache's bytes
// per token counted at it (stories260K: 5 layers x 4 KV heads x 8 dims x 2
// (K and V) x 2 bytes (F16) = 640 bytes a cell).
TEST(BenchCli, DepthSetsTheDecodeContext) {
  const Json shallow = bench_json({kStories, "-p", "8", "-n", "8"}, "1");
  const Json deep = bench_json({kStories, "-p", "8", "-n", "8", "-d", "200"}, "1");
  expect_consistent(deep);
  EXPECT_EQ(deep["depth"], 200);
  EXPECT_EQ(deep["bytes_per_token_detail"]["mean_context"], 204.5);
  EXPECT_DOUBLE_EQ(deep["bytes_per_token_detail"]["kv"].get<double>() -
                       shallow["bytes_per_token_detail"]["kv"].get<double>(),
                   (204.5 - 20.5) * 640);
  const auto r = run_hearth({"bench", kStories, "-d", "0"});
  EXPECT_NE(r.exit_code, 0);  // refused by the parser
  EXPECT_NE(r.err.find("--depth"), std::string::npos) << r.err;
}

// Three repetitions of 20 decode steps: three pairs of bracketing probes,
// each around its decode run, and per run three chunks (8, 8 and 4 steps)
// between four reads of the interleaved probe.
TEST(BenchCli, EachDecodeChunkHasItsOwnProbePasses) {
  const Json j = bench_json({kStories, "-p", "8", "-n", "20", "-t", "2"}, "3");
  EXPECT_EQ(j["repetitions"], 3);
  EXPECT_EQ(j["read_bandwidth"]["interleaved"]["chunk_fractions"].size(), 9u);
  expect_consistent(j);
}

TEST(BenchCli, SyntheticShapeReport) {
  const Json j = bench_json({"--shape", "qwen2.5-0.5b", "--type", "Q8_0", "-p", "8", "-n", "4"});
  expect_consistent(j);
  EXPECT_EQ(j["model"], "qwen2.5-0.5b (synthetic)");
  EXPECT_EQ(j["type"], "Q8_0");
  EXPECT_EQ(j["params"], 494032768);  // Qwen2.5-0.5B: 0.49B, embedding table counted once
  // 0.5B Q8_0 (8.5 bits/weight) is about 525 MB; the published Q8_0 file is 531 MB with its tokenizer.
  EXPECT_NEAR(j["file_size"].get<double>() / 531e6, 1.0, 0.03);
}

// --profile: each phase of the decode steps with its time and GB/s; the
// phases and the rest make up the steps, their bytes the weights read.
TEST(BenchCli, ProfileSplitsTheDecodeStepsByPhase) {
  const Json j = bench_json({test::kStories, "-p", "8", "-n", "16", "--profile"}, "2");
  expect_consistent(j);
  const Json& d = j["decode_phases"];
  EXPECT_EQ(d["steps"], 2 * 16);  // every measured step of both repetitions, no prompt
  const double step_seconds = d["step_seconds"].get<double>();
  EXPECT_GT(step_seconds, 0.0);
  std::vector<std::string> names;
  double us = 0, share = 0, matrices = 0;
  for (const Json& p : d["phases"]) {
    const std::string name = p["phase"];
    names.push_back(name);
    us += p["us_per_token"].get<double>();
    share += p["share"].get<double>();
    EXPECT_DOUBLE_EQ(p["share"].get<double>(), p["us_per_token"].get<double>() * 32 / 1e6 / step_seconds) << name;
    if (name == "rest") {
      EXPECT_EQ(p["gbs"].get<double>(), 0.0);
      continue;
    }
    EXPECT_GT(p["us_per_token"].get<double>(), 0.0) << name;
    EXPECT_GT(p["gbs"].get<double>(), 0.0) << name;
    EXPECT_DOUBLE_EQ(p["gbs"].get<double>(),
                     p["bytes_per_token"].get<double>() / (p["us_per_token"].get<double>() / 1e6) / 1e9)
        << name;
    EXPECT_DOUBLE_EQ(p["bandwidth_fraction"].get<double>(),
                     p["gbs"].get<double>() / j["read_bandwidth_gbs"].get<double>())
        << name;
    if (name == "attention") {
      EXPECT_DOUBLE_EQ(p["bytes_per_token"].get<double>(), j["bytes_per_token_detail"]["kv"].get<double>());
    } else {
      matrices += p["bytes_per_token"].get<double>();
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"qkv", "attention", "attn_out", "gate_up", "down", "output", "rest"}));
  EXPECT_NEAR(us * 32 / 1e6, step_seconds, 1e-9);
  EXPECT_NEAR(share, 1.0, 1e-9);
  // The matrices are nearly all of the weights (the rest: norm vectors, the embedding row).
  const Json& t = j["bytes_per_token_detail"];
  const double weights = t["weights"].get<double>() + t["embd_row"].get<double>();
  EXPECT_LE(matrices, weights);
  EXPECT_GT(matrices, 0.95 * weights);
  EXPECT_DOUBLE_EQ(d["phases"].back()["bytes_per_token"].get<double>(), weights - matrices);
}

TEST(BenchCli, WithoutProfileNoPhases) {
  const Json j = bench_json({test::kStories, "-p", "8", "-n", "8"});
  EXPECT_FALSE(j.contains("decode_phases"));
}

TEST(BenchCli, UnknownShapeListsTheKnownOnes) {
  const auto r = run_hearth({"bench", "--shape", "llama9-1t"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  for (const char* frag : {"unknown model shape 'llama9-1t'", "llama3.2-1b", "qwen2.5-0.5b", "gemma3-27b", "phi3-mini"}) {
    EXPECT_NE(r.err.find(frag), std::string::npos) << frag << " not in: " << r.err;
  }
}

TEST(BenchCli, BadArgumentsAreClearErrors) {
  auto r = run_hearth({"bench", "--shape", "llama3.2-1b", "--type", "Q9_X"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown file type 'Q9_X'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Q4_K_M"), std::string::npos) << r.err;
  r = run_hearth({"bench", kStories, "--type", "Q8_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--type applies to --shape only"), std::string::npos) << r.err;
  r = run_hearth({"bench"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("needs a MODEL file or --shape"), std::string::npos) << r.err;
  r = run_hearth({"bench", kStories, "--shape", "qwen3-8b"});
  EXPECT_NE(r.exit_code, 0);  // excluded by the parser
  r = run_hearth({"bench", "/nonexistent/model.gguf"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth

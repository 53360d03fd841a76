// `hearth plan` and `hearth fit` through the real binary, as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "model/catalog.h"
#include "model/memory.h"
#include "test_data.h"

namespace hearth::plan {
namespace {

using Json = nlohmann::json;

Json run_json(const std::vector<std::string>& args) {
  const auto r = test::run_hearth(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(r.out);
}

TEST(PlanCli, TinyFileJsonMatchesTheFormulas) {
  const std::string path = test::data_path("tiny/tiny-qwen2-Q8_0.gguf").string();
  const Json j = run_json({"plan", path, "--ctx", "512", "--hardware", "ddr4-desktop", "-t", "2", "--json"});
  const model::ModelDims dims = model::dims_of(gguf::File::open(path));
  EXPECT_EQ(j["weights_bytes"].get<uint64_t>(), dims.tensor_bytes());
  EXPECT_EQ(j["kv_bytes"].get<uint64_t>(), model::kv_store_bytes(dims.hp, 512, TensorType::F16));
  EXPECT_EQ(j["overhead_bytes"].get<uint64_t>(), model::runtime_overhead_bytes(dims));
  EXPECT_EQ(j["total_bytes"].get<uint64_t>(), j["weights_bytes"].get<uint64_t>() + j["kv_bytes"].get<uint64_t>() +
                                                  j["buffers_bytes"].get<uint64_t>() +
                                                  j["overhead_bytes"].get<uint64_t>());
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["max_context"].get<int64_t>(), dims.hp.n_ctx_train);
  EXPECT_GT(j["decode_tok_s"].get<double>(), 0);
  EXPECT_GT(j["prefill_tok_s"].get<double>(), 0);
  EXPECT_EQ(j["serve_command"].get<std::string>(), "hearth serve " + path + " --ctx 512 --parallel 1");
  EXPECT_NE(j["snippets"]["python"].get<std::string>().find("from openai import OpenAI"), std::string::npos);
  EXPECT_NE(j["snippets"]["javascript"].get<std::string>().find("import OpenAI from 'openai'"), std::string::npos);
  EXPECT_NE(j["snippets"]["curl"].get<std::string>().find("/v1/chat/completions"), std::string::npos);
}

TEST(PlanCli, ShapeOnThisMachineAndOnGpus) {
  // This machine: probed (CPU model, measured bandwidth).
  Json j = run_json({"plan", "--shape", "qwen2.5-0.5b", "--type", "Q8_0", "--ctx", "4096", "-t", "2", "--json"});
  EXPECT_EQ(j["model"], "qwen2.5-0.5b Q8_0");
  EXPECT_EQ(j["devices"][0]["source"], "probed");
  EXPECT_GT(j["devices"][0]["bandwidth_gb_s"].get<double>(), 0);
  // 70B over two H100s: 40 layers each, and the KV of 32K at q8_0.
  j = run_json({"plan", "--shape", "llama3.1-70b", "--ctx", "32768", "--kv-type", "q8_0", "--hardware", "h100",
                "--gpus", "2", "--json"});
  ASSERT_EQ(j["devices"].size(), 2u);
  EXPECT_EQ(j["devices"][1]["first_layer"], 40);
  EXPECT_EQ(j["kv_bytes"].get<uint64_t>(), uint64_t{32768} * (327680 / 64 * 34 + 12));
  EXPECT_TRUE(j["fits"].get<bool>());
  // The text table says the same.
  const auto r = test::run_hearth({"plan", "--shape", "llama3.1-70b", "--hardware", "rtx3060", "--ctx", "4096"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("does NOT fit"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hearth serve"), std::string::npos) << "no serve command for a plan that does not fit";
}

TEST(PlanCli, FinetuneEstimate) {
  const Json j = run_json({"plan", "--shape", "llama3.1-8b", "--type", "F16", "--hardware", "h100", "--ctx", "4096",
                           "--finetune", "qlora", "--rank", "8", "--json"});
  EXPECT_EQ(j["finetune"]["method"], "qlora");
  EXPECT_EQ(j["finetune"]["trainable_params"].get<uint64_t>(), 41943040u / 2);
  EXPECT_NE(j["finetune"]["formula"].get<std::string>().find("0.5625"), std::string::npos);
}

TEST(PlanCli, BadInputsGiveClearErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"plan"}, "MODEL file or --shape"},
      {{"plan", "--shape", "llama9-1t"}, "llama3.2-1b"},
      {{"plan", "--shape", "llama3.2-1b", "--type", "Q9_X"}, "Q4_K_M"},
      {{"plan", "--shape", "llama3.2-1b", "--hardware", "rtx9999"}, "rtx4090"},
      {{"plan", "--shape", "llama3.2-1b", "--kv-type", "q5_k"}, "f16, q8_0, q4_0"},
      {{"plan", "--shape", "llama3.2-1b", "--hardware", "m4-max", "--gpus", "2"}, "--gpus"},
      {{"plan", "--shape", "llama3.2-1b", "--finetune", "dpo"}, "full, lora or qlora"},
      {{"plan", "/nonexistent/model.gguf"}, "/nonexistent/model.gguf"},
      {{"plan", test::data_path("tiny/tiny-llama-F16.gguf").string(), "--type", "Q8_0"}, "--shape only"},
      {{"fit", "--hardware", "rtx9999"}, "rtx4090"},
  };
  for (const Case& c : cases) {
    const auto r = test::run_hearth(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(test::run_hearth({"plan", "--shape", "llama3.2-1b", "--parallel", "0"}).exit_code, 105);  // CLI11 range
  EXPECT_EQ(test::run_hearth({"plan", "--help"}).exit_code, 0);
  EXPECT_EQ(test::run_hearth({"fit", "--help"}).exit_code, 0);
}

TEST(FitCli, BestQualityFirstAndEveryEntryFits) {
  const Json j = run_json({"fit", "--hardware", "rtx4090", "--json"});
  const Json& models = j["models"];
  ASSERT_GT(models.size(), 10u);
  // 24 GB: 8B at F16 fits (16 GB), 70B does not in any type.
  bool llama8_f16 = false;
  for (size_t i = 0; i < models.size(); ++i) {
    EXPECT_NE(models[i]["shape"], "llama3.1-70b");
    EXPECT_GE(models[i]["max_context"].get<int64_t>(), 4096);
    EXPECT_LE(models[i]["total_bytes"].get<uint64_t>(), uint64_t{24} << 30);
    if (models[i]["shape"] == "llama3.1-8b" && models[i]["type"] == "F16") llama8_f16 = true;
    if (i > 0) {
      EXPECT_LE(models[i]["params"].get<uint64_t>(), models[i - 1]["params"].get<uint64_t>());
    }
  }
  EXPECT_TRUE(llama8_f16);
  // A 192 GB Mac holds the 70B models.
  const Json mac = run_json({"fit", "--hardware", "m2-ultra", "--json"});
  EXPECT_GT(mac["models"][0]["params"].get<uint64_t>(), uint64_t{60000000000});
}

}  // namespace
}  // namespace hearth::plan

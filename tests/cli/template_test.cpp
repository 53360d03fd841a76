// `hearth template` driven as a user would: the real binary, real files.
// Expected prompts are the reference goldens (exact string equality).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_data.h"

namespace {

using hearth::test::data_path;
using hearth::test::run_hearth;
using json = nlohmann::ordered_json;

class TemplateCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = hearth::test::temp_dir("hearth-template-cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Request file of a golden; returns the golden.
  json golden(const std::string& name, std::string& request_path) {
    json g = json::parse(hearth::test::read_text(data_path("templates/" + name + ".json")));
    request_path = write(name + ".request.json", g["request"].dump());
    return g;
  }

  std::filesystem::path dir_;
};

TEST_F(TemplateCli, PrintsExactlyTheGoldenPrompt) {
  for (const std::string name : {"meta-llama-Llama-3.1-8B-Instruct.tools", "Qwen-Qwen3-0.6B.tools",
                                 "google-gemma-2-2b-it.system_user"}) {
    SCOPED_TRACE(name);
    std::string request;
    const json g = golden(name, request);
    const auto r = run_hearth({"template", "--template-file",
                               data_path("chat-templates/" + g["template_file"].get<std::string>()).string(),
                               "--request", request});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, g["expected_prompt"].get<std::string>());  // nothing added, not even a newline
    EXPECT_EQ(r.err, "");
  }
}

TEST_F(TemplateCli, RaisedExceptionFailsWithTheTemplateMessage) {
  std::string request;
  const json g = golden("mistralai-Mistral-Nemo-Instruct-2407.tools", request);
  const auto r = run_hearth({"template", "--template-file",
                             data_path("chat-templates/mistralai-Mistral-Nemo-Instruct-2407.jinja").string(),
                             "--request", request});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Tool call IDs should be alphanumeric strings with length 9!"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, SyntaxErrorNamesFileLineAndColumn) {
  const std::string tmpl = write("bad.jinja", "hello\n{{ messages | no_such_filter }}");
  const std::string request = write("r.json", R"({"messages": []})");
  const auto r = run_hearth({"template", "--template-file", tmpl, "--request", request});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.jinja"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 2, column 15: unknown filter 'no_such_filter'"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, ModelTemplateFromGguf) {
  // The Qwen2 vocab's own template renders a conversation that has a system
  // message exactly like the Qwen2.5 golden (the two templates differ only in
  // their default system prompt).
  std::string request;
  const json g = golden("Qwen-Qwen2.5-7B-Instruct.system_user", request);
  const auto r = run_hearth({"template", data_path("vocab/ggml-vocab-qwen2.gguf").string(), "--request", request});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, g["expected_prompt"].get<std::string>());
}

// A minimal GGUF v3 file with only metadata (no tensors).
class GgufWriter {
 public:
  void add_string(const std::string& key, const std::string& value) {
    key_header(key, 8);
    str(value);
  }
  void add_u32(const std::string& key, uint32_t value) {
    key_header(key, 4);
    u32(value);
  }
  void add_strings(const std::string& key, const std::vector<std::string>& values) {
    key_header(key, 9);
    u32(8);
    u64(values.size());
    for (const auto& v : values) str(v);
  }
  std::string bytes() const {
    GgufWriter head;
    head.raw("GGUF");
    head.u32(3);
    head.u64(0);  // tensors
    head.u64(n_kv_);
    return head.buf_ + buf_;
  }

 private:
  void raw(const std::string& s) { buf_ += s; }
  void u32(uint32_t v) { buf_.append(reinterpret_cast<const char*>(&v), 4); }
  void u64(uint64_t v) { buf_.append(reinterpret_cast<const char*>(&v), 8); }
  void str(const std::string& s) {
    u64(s.size());
    buf_ += s;
  }
  void key_header(const std::string& key, uint32_t type) {
    ++n_kv_;
    str(key);
    u32(type);
  }
  std::string buf_;
  uint64_t n_kv_ = 0;
};

TEST_F(TemplateCli, ModelBosAndEosTokensAreTheDefaults) {
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_string("tokenizer.chat_template", "{{ bos_token }}[{{ eos_token }}]{{ messages[0].content }}");
  w.add_strings("tokenizer.ggml.tokens", {"<unk>", "<BOS>", "<EOS>"});
  w.add_u32("tokenizer.ggml.bos_token_id", 1);
  w.add_u32("tokenizer.ggml.eos_token_id", 2);
  const std::string model = write("m.gguf", w.bytes());
  const std::string request = write("r.json", R"({"messages": [{"role": "user", "content": "hi"}]})");

  auto r = run_hearth({"template", model, "--request", request});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[<EOS>]hi");  // the leading BOS text is removed

  r = run_hearth({"template", model, "--request", request, "--bos", "B", "--eos", "E"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[E]hi");
}

TEST_F(TemplateCli, ModelWithoutTemplateIsAClearError) {
  const std::string request = write("r.json", R"({"messages": []})");
  const auto r = run_hearth({"template", data_path("vocab/ggml-vocab-llama-spm.gguf").string(), "--request", request});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no tokenizer.chat_template"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, NeedsATemplateSource) {
  const std::string request = write("r.json", R"({"messages": []})");
  const auto r = run_hearth({"template", "--request", request});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("MODEL or --template-file"), std::string::npos) << r.err;
}

}  // namespace

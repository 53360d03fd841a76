// hearth convert HF_DIR OUT.gguf [--type F16|BF16|Q8_0|F32] [--json]:
// a Hugging Face checkpoint (llama, mistral, qwen2, qwen3; safetensors in
// F32/F16/BF16) to one GGUF file. See model/convert.h.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "model/convert.h"

namespace hearth::cli {

namespace {

struct ConvertCliOptions {
  std::string hf_dir, out, type = "F16";
  bool json = false;
};

TensorType parse_type(const std::string& t) {
  for (const TensorType k : {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0}) {
    if (t == tensor_type_name(k)) return k;
  }
  throw Error("--type " + t + " is not one of F32, F16, BF16, Q8_0");
}

int run_convert(const ConvertCliOptions& o) {
  model::ConvertOptions opts;
  opts.hf_dir = o.hf_dir;
  opts.out = o.out;
  opts.type = parse_type(o.type);
  const model::ConvertResult r = model::convert_hf_to_gguf(opts);
  if (o.json) {
    nlohmann::ordered_json j;
    j["output"] = o.out;
    j["model_type"] = r.model_type;
    j["architecture"] = r.arch;
    j["type"] = o.type;
    j["file_type"] = model::file_type_of(opts.type);
    j["tokenizer"] = r.tokenizer;
    j["n_vocab"] = r.n_vocab;
    j["n_tensors"] = r.n_tensors;
    j["n_params"] = r.n_params;
    j["file_size"] = r.file_size;
    j["tensors_by_type"] = r.tensors_by_type;
    j["shards"] = r.shards;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("converted %s (%s -> GGUF %s, %s tokenizer, %lld tokens)\n", o.hf_dir.c_str(),
                r.model_type.c_str(), r.arch.c_str(), r.tokenizer.c_str(), static_cast<long long>(r.n_vocab));
    std::string types;
    for (const auto& [t, n] : r.tensors_by_type) types += " " + std::to_string(n) + " " + t;
    std::printf("wrote %s: %lld tensors (%s), %.2f M parameters, %.2f MiB\n", o.out.c_str(),
                static_cast<long long>(r.n_tensors), types.substr(1).c_str(),
                static_cast<double>(r.n_params) / 1e6, static_cast<double>(r.file_size) / (1024.0 * 1024.0));
  }
  return 0;
}

}  // namespace

void register_convert(CLI::App& app, Handler& handler) {
  auto opt = std::make_shared<ConvertCliOptions>();
  auto* cmd = app.add_subcommand(
      "convert", "Convert a Hugging Face checkpoint (llama, mistral, qwen2, qwen3) to GGUF");
  cmd->add_option("hf_dir", opt->hf_dir,
                  "Model directory: config.json, tokenizer.json and/or tokenizer.model, *.safetensors")
      ->required();
  cmd->add_option("out", opt->out, "GGUF file to write (written whole or not at all)")->required();
  cmd->add_option("--type", opt->type, "Type of the weight matrices: F16 (default), BF16, Q8_0, F32; norms stay F32");
  cmd->add_flag("--json", opt->json, "Print a summary as JSON");
  cmd->callback([opt, &handler] { handler = [opt] { return run_convert(*opt); }; });
}

}  // namespace hearth::cli

#include "plan/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>


namespace hearth::plan {

namespace {

using Json = nlohmann::ordered_json;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string rate(double tok_s) { return tok_s > 0 ? fmt("%.1f tok/s", tok_s) : "unknown"; }

std::string row(const std::string& label, const std::string& value) {
  std::string s = "  " + label;
  s.resize(std::max<size_t>(s.size() + 1, 30), ' ');
  return s + value + "\n";
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  const auto b = static_cast<double>(bytes);
  if (bytes >= (uint64_t{1} << 30)) return fmt("%.2f GiB", b / 1073741824.0);
  if (bytes >= (uint64_t{1} << 20)) return fmt("%.1f MiB", b / 1048576.0);
  if (bytes >= 1024) return fmt("%.1f KiB", b / 1024.0);
  return std::to_string(bytes) + " B";
}

Json plan_json(const Plan& p) {
  Json j;
  j["model"] = p.model;
  j["hardware"] = p.hardware;
  j["params"] = p.params;
  j["n_layer"] = p.n_layer;
  j["trained_context"] = p.n_ctx_train;
  j["ctx"] = p.request.ctx;
  j["kv_type"] = tensor_type_name(p.request.kv_type);
  j["parallel"] = p.request.parallel;
  j["batch"] = p.request.batch;
  j["weights_bytes"] = p.weights;
  j["kv_bytes"] = p.kv;
  j["kv_bytes_windowed"] = p.kv_windowed;
  j["buffers_bytes"] = p.buffers;
  j["overhead_bytes"] = p.overhead;
  j["total_bytes"] = p.total();
  j["fits"] = p.fits;
  j["max_context"] = p.max_context;
  j["bytes_per_token"] = p.bytes_per_token;
  j["decode_tok_s"] = p.decode_tok_s;
  j["decode_tok_s_full_context"] = p.decode_tok_s_full;
  j["decode_tok_s_all_sequences"] = p.decode_tok_s_total;
  j["prefill_tok_s"] = p.prefill_tok_s;
  j["efficiency"] = {{"decode", p.efficiency.decode}, {"prefill", p.efficiency.prefill}};
  Json devs = Json::array();
  for (const DevicePlan& d : p.devices) {
    devs.push_back({{"name", d.device.name},
                    {"kind", device_kind_name(d.device.kind)},
                    {"memory_bytes", d.device.memory_bytes},
                    {"usable_bytes", d.device.usable_bytes},
                    {"bandwidth_gb_s", d.device.bandwidth_gb_s},
                    {"tflops", d.device.tflops},
                    {"source", d.device.source},
                    {"first_layer", d.first_layer},
                    {"n_layers", d.n_layers},
                    {"weights_bytes", d.weights},
                    {"kv_bytes", d.kv},
                    {"buffers_bytes", d.buffers},
                    {"overhead_bytes", d.overhead},
                    {"total_bytes", d.total()},
                    {"fits", d.fits()}});
  }
  j["devices"] = devs;
  j["notes"] = p.notes;
  return j;
}

std::string plan_table(const Plan& p) {
  std::string s = p.model + " on " + p.hardware + "\n";
  s += "  context " + std::to_string(p.request.ctx) + " x " + std::to_string(p.request.parallel) +
       " sequence(s), KV " + std::string(tensor_type_name(p.request.kv_type)) + ", prompt chunks of " +
       std::to_string(p.request.batch) + " tokens\n\n";
  const bool several = p.devices.size() > 1;
  for (size_t i = 0; i < p.devices.size(); ++i) {
    const DevicePlan& d = p.devices[i];
    if (several) {
      s += "device " + std::to_string(i) + ": " + d.device.name + ", layers " + std::to_string(d.first_layer) + ".." +
           std::to_string(d.first_layer + d.n_layers - 1) + "\n";
    }
    s += row("weights", format_bytes(d.weights));
    s += row("KV cache", format_bytes(d.kv));
    s += row("compute buffers", format_bytes(d.buffers));
    s += row("runtime overhead", format_bytes(d.overhead));
    s += row("total", format_bytes(d.total()) + " of " + format_bytes(d.device.usable_bytes) + " usable -> " +
                          (d.fits() ? "fits" : "does NOT fit"));
  }
  s += "\n";
  s += row("fits", p.fits ? "yes" : "no");
  s += row("largest context", p.max_context > 0 ? std::to_string(p.max_context) + " tokens per sequence"
                                                   : "none (the weights alone do not fit)");
  s += row("decode (short chat)", rate(p.decode_tok_s) + fmt(" at %.0f%% of bandwidth, ", p.efficiency.decode * 100) +
                                      format_bytes(static_cast<uint64_t>(p.bytes_per_token)) + " read per token");
  s += row("decode (context full)", rate(p.decode_tok_s_full));
  if (p.request.parallel > 1) s += row("decode (all sequences)", rate(p.decode_tok_s_total));
  s += row("prefill", rate(p.prefill_tok_s) + fmt(" at %.0f%% of the FLOP peak", p.efficiency.prefill * 100));
  for (const auto& n : p.notes) s += "  note: " + n + "\n";
  return s;
}

Json finetune_json(const FinetuneEstimate& e) {
  const char* names[] = {"full", "lora", "qlora"};
  return {{"method", names[static_cast<int>(e.method)]},
          {"rank", e.rank},
          {"seq", e.seq},
          {"trainable_params", e.trainable_params},
          {"weights_bytes", e.weights},
          {"gradients_bytes", e.gradients},
          {"optimizer_bytes", e.optimizer},
          {"activations_bytes", e.activations},
          {"total_bytes", e.total()},
          {"formula", e.formula}};
}

std::string finetune_table(const FinetuneEstimate& e) {
  std::string s = "fine-tuning (" + finetune_json(e)["method"].get<std::string>() + ", rank " +
                  std::to_string(e.rank) + ", " + std::to_string(e.seq) + "-token sequences)\n";
  s += row("trainable parameters", std::to_string(e.trainable_params));
  s += row("weights", format_bytes(e.weights));
  s += row("gradients", format_bytes(e.gradients));
  s += row("optimizer state", format_bytes(e.optimizer));
  s += row("activations", format_bytes(e.activations));
  s += row("total", format_bytes(e.total()));
  s += "  formula: " + e.formula + "\n";
  return s;
}

ServeSnippets serve_snippets(const Plan& p, const std::string& model_path, const std::string& host, int port) {
  ServeSnippets s;
  const std::string id = std::filesystem::path(model_path).stem().string();
  const std::string url = "http://" + host + ":" + std::to_string(port);
  s.serve = "hearth serve " + model_path + " --ctx " + std::to_string(p.request.ctx * p.request.parallel) +
            " --parallel " + std::to_string(p.request.parallel);
  s.curl = "curl " + url + "/v1/chat/completions -H 'Content-Type: application/json' \\\n  -d '{\"model\": \"" +
           id + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'";
  s.python = "from openai import OpenAI\nclient = OpenAI(base_url=\"" + url +
             "/v1\", api_key=\"none\")\nreply = client.chat.completions.create(model=\"" + id +
             "\", messages=[{\"role\": \"user\", \"content\": \"Hello!\"}])\nprint(reply.choices[0].message.content)";
  s.javascript = "import OpenAI from 'openai';\nconst client = new OpenAI({ baseURL: '" + url +
                 "/v1', apiKey: 'none' });\nconst reply = await client.chat.completions.create({ model: '" + id +
                 "', messages: [{ role: 'user', content: 'Hello!' }] });\nconsole.log(reply.choices[0].message.content);";
  return s;
}

}  // namespace hearth::plan

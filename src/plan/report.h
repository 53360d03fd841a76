// How plans are shown: the JSON object `hearth plan --json` prints (and the
// web tools will read), the text table, and, for a plan that fits, the
// `hearth serve` command and client snippets to use it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "plan/estimate.h"

namespace hearth::plan {

// "812.4 MiB", "1.25 GiB" (binary units, as the tables print them).
std::string format_bytes(uint64_t bytes);

// {"model", "hardware", "ctx", "kv_type", "parallel", "batch", "weights_bytes",
//  "kv_bytes", "kv_bytes_windowed", "buffers_bytes", "overhead_bytes",
//  "total_bytes", "fits", "max_context", "decode_tok_s", "decode_tok_s_full_context",
//  "decode_tok_s_all_sequences", "prefill_tok_s", "bytes_per_token",
//  "efficiency": {...}, "devices": [...], "notes": [...]}
nlohmann::ordered_json plan_json(const Plan& p);
std::string plan_table(const Plan& p);

nlohmann::ordered_json finetune_json(const FinetuneEstimate& e);
std::string finetune_table(const FinetuneEstimate& e);

// The serve command for this plan (model_path: the GGUF to serve) and how to
// call it: curl, OpenAI Python and OpenAI JS, at http://host:port (the
// server's defaults, which the caller passes from server::ServerConfig).
struct ServeSnippets {
  std::string serve, curl, python, javascript;
};
ServeSnippets serve_snippets(const Plan& p, const std::string& model_path, const std::string& host, int port);

}  // namespace hearth::plan

// hearth quantize IN.gguf OUT.gguf TYPE [--imatrix F] [--threads N] [--dry-run]
//                 [--allow-requantize] [--json]
// hearth quantize --report BASE.gguf --text F [--types T,...] [--ctx N] [--json]
//                 (cli/quantize_report.h)
//
// Writes IN quantized as TYPE (a file type: Q4_K_M, Q8_0, ...) to OUT, with the
// reference quantizer's per-tensor recipe (model/quant_recipe.h) and
// metadata (model/quantize.h). A progress bar goes to stderr when it is a
// terminal; the summary (per tensor class: count, types, bytes) to stdout, or
// one JSON object with --json. --dry-run prints the summary and writes nothing.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/quantize_report.h"
#include "core/error.h"
#include "gguf/file.h"
#include "model/quantize.h"
#include "plan/report.h"

namespace hearth::cli {
namespace {

using Json = nlohmann::ordered_json;

struct QuantizeCliOptions {
  std::string input, output, type, imatrix;
  int threads = 0;
  bool dry_run = false, allow_requantize = false, json = false;
  QualityReportOptions report;  // --report BASE: the quality table instead
};

// Totals of one tensor class ("attn_v", "norm", ...).
struct ClassTotal {
  size_t count = 0;
  std::set<std::string> types;  // output types
  uint64_t bytes_in = 0, bytes_out = 0;
};

std::map<std::string, ClassTotal> class_totals(const model::QuantizePlan& plan) {
  std::map<std::string, ClassTotal> out;
  for (const auto& t : plan.tensors) {
    ClassTotal& c = out[t.tensor_class];
    ++c.count;
    c.types.insert(std::string(tensor_type_name(t.to)));
    c.bytes_in += t.bytes_in;
    c.bytes_out += t.bytes_out;
  }
  return out;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ",") + x;
  return out;
}

// One line, redrawn in place: [#######.......]  12/48 tensors  1.2 MiB
void draw_progress(size_t done, size_t total, uint64_t bytes_done) {
  constexpr int kWidth = 30;
  const int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
  std::fprintf(stderr, "\r[%s%s] %zu/%zu tensors  %s", std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), done, total,
               plan::format_bytes(bytes_done).c_str());
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

void print_text(const QuantizeCliOptions& o, const model::QuantizePlan& plan, double seconds) {
  std::printf("%s %s -> %s (%s)\n", o.dry_run ? "would quantize" : "quantized", o.input.c_str(),
              o.output.c_str(), std::string(model::file_type_name(plan.type)).c_str());
  std::printf("%-12s %7s  %-22s %12s %12s\n", "class", "tensors", "types", "bytes in", "bytes out");
  for (const auto& [name, c] : class_totals(plan)) {
    std::printf("%-12s %7zu  %-22s %12s %12s\n", name.c_str(), c.count, joined(c.types).c_str(),
                plan::format_bytes(c.bytes_in).c_str(), plan::format_bytes(c.bytes_out).c_str());
  }
  std::printf("file: %s -> %s (%.1f%%)", plan::format_bytes(plan.input_size).c_str(),
              plan::format_bytes(plan.output_size()).c_str(),
              100.0 * static_cast<double>(plan.output_size()) / static_cast<double>(plan.input_size));
  if (!o.dry_run) std::printf(", %.2f s", seconds);
  std::printf("\n");
}

Json plan_json(const QuantizeCliOptions& o, const model::QuantizePlan& plan, double seconds) {
  Json classes = Json::object();
  for (const auto& [name, c] : class_totals(plan)) {
    classes[name] = {{"tensors", c.count}, {"types", c.types}, {"bytes_in", c.bytes_in}, {"bytes_out", c.bytes_out}};
  }
  Json tensors = Json::array();
  for (const auto& t : plan.tensors) {
    tensors.push_back({{"name", t.name},
                       {"class", t.tensor_class},
                       {"shape", t.shape},
                       {"from", tensor_type_name(t.from)},
                       {"to", tensor_type_name(t.to)},
                       {"bytes_in", t.bytes_in},
                       {"bytes_out", t.bytes_out},
                       {"imatrix", t.uses_imatrix}});
  }
  Json out = {{"input", o.input},
              {"output", o.output},
              {"type", model::file_type_name(plan.type)},
              {"file_type", static_cast<uint32_t>(plan.type)},
              {"dry_run", o.dry_run},
              {"input_bytes", plan.input_size},
              {"output_bytes", plan.output_size()},
              {"classes", classes},
              {"tensors", tensors}};
  if (!o.dry_run) out["seconds"] = seconds;
  return out;
}

int run_quantize(const QuantizeCliOptions& o) {
  if (!o.report.base.empty()) {
    QualityReportOptions r = o.report;
    r.threads = o.threads;
    r.json = o.json;
    return run_quality_report(r);
  }
  if (o.input.empty() || o.output.empty() || o.type.empty()) {
    throw Error("quantize needs IN OUT TYPE (or --report BASE --text F); see hearth quantize --help");
  }
  model::QuantizeOptions q;
  q.type = model::file_type_or_throw(o.type);
  q.n_threads = o.threads;
  q.allow_requantize = o.allow_requantize;
  std::unique_ptr<model::Imatrix> imatrix;
  if (!o.imatrix.empty()) {
    imatrix = std::make_unique<model::Imatrix>(model::Imatrix::load(o.imatrix));
    q.imatrix = imatrix.get();
    q.imatrix_name = o.imatrix;
  }
  const gguf::File input = gguf::File::open(o.input);
  const model::QuantizePlan plan = model::plan_quantization(input, q);
  const auto start = std::chrono::steady_clock::now();
  if (!o.dry_run) {
    model::QuantizeProgress progress;
    if (isatty(STDERR_FILENO) != 0 && !o.json) progress = [](size_t d, size_t t, uint64_t b, uint64_t) { draw_progress(d, t, b); };
    model::write_quantized(input, plan, o.output, q, progress);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.json) {
    std::printf("%s\n", plan_json(o, plan, seconds).dump(2).c_str());
  } else {
    print_text(o, plan, seconds);
  }
  return 0;
}

}  // namespace

void register_quantize(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<QuantizeCliOptions>();
  auto* cmd = app.add_subcommand("quantize", "Quantize a GGUF model (per-tensor recipe of the reference quantizer)");
  cmd->add_option("IN", o->input, "GGUF model to quantize (F32, F16 or BF16; quantized ones need --allow-requantize)");
  cmd->add_option("OUT", o->output, "GGUF file to write (through a temporary file, renamed when complete)");
  cmd->add_option("TYPE", o->type, "File type: " + model::file_type_names());
  cmd->add_option("--report", o->report.base,
                  "Instead of IN OUT TYPE: quantize BASE to each of --types and print size, bits per weight, "
                  "perplexity and KL divergence from BASE on --text, one row per type");
  cmd->add_option("--text,-f", o->report.text, "With --report: the text to score on (needs at least 2 x --ctx tokens)");
  cmd->add_option("--types", o->report.types,
                  "With --report: comma-separated file types (default F16,Q8_0,Q6_K,Q5_K_M,Q5_0,Q4_K_M,Q4_0,IQ4_NL,"
                  "Q3_K_M,Q2_K)");
  cmd->add_option("--ctx,-c", o->report.ctx, "With --report: tokens per perplexity chunk (default 512)")
      ->check(CLI::Range(int64_t{4}, int64_t{1} << 24));
  cmd->add_option("--imatrix", o->imatrix,
                  "Importance matrix (GGUF, from `hearth imatrix` or the reference's imatrix tool): weighs each "
                  "column's rounding error by its mean squared activation");
  cmd->add_option("--threads,-t", o->threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--dry-run", o->dry_run, "Print the resulting size per tensor class; write nothing");
  cmd->add_flag("--allow-requantize", o->allow_requantize,
                "Accept an input whose tensors are already quantized (compounds rounding errors)");
  cmd->add_flag("--json", o->json,
                "Print one JSON object: input, output, type, file_type, dry_run, input_bytes, output_bytes, "
                "classes {CLASS: {tensors, types, bytes_in, bytes_out}}, tensors[] {name, class, shape, from, to, "
                "bytes_in, bytes_out, imatrix}, seconds. With --report: base, text, n_ctx, n_tokens_scored, base_ppl, "
                "base_ppl_stderr, rows[] {type, bytes, bits_per_weight, ppl, ppl_stderr, kl_mean, kl_stderr, "
                "top1_agreement, delta_p_mean, delta_p_rms}");
  cmd->callback([o, &handler] { handler = [o] { return run_quantize(*o); }; });
}

}  // namespace hearth::cli

#include "cli/quantize_report.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/kl_json.h"
#include "core/error.h"
#include "core/file_text.h"
#include "core/thread_pool.h"
#include "engine/perplexity.h"
#include "gguf/file.h"
#include "model/model.h"
#include "model/quantize.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// From most bits to fewest: what a user picks from.
constexpr const char* kDefaultTypes = "F16,Q8_0,Q6_K,Q5_K_M,Q5_0,Q4_K_M,Q4_0,IQ4_NL,Q3_K_M,Q2_K";

std::vector<model::FileType> parse_types(const std::string& list) {
  std::vector<model::FileType> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) out.push_back(model::file_type_or_throw(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) throw Error("--types lists no file type (known: " + model::file_type_names() + ")");
  return out;
}

// Weights of the model: the elements of its matrices and vectors.
uint64_t n_weights(const gguf::File& f) {
  uint64_t n = 0;
  for (const auto& t : f.tensors()) n += t.n_elements;
  return n;
}

// A folder of its own under the system's temporary directory, removed with it.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "hearth-report-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw IoError("cannot create a temporary folder in " + fs::temp_directory_path().string());
    path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

struct Row {
  std::string type;
  uint64_t bytes = 0;
  double bits_per_weight = 0;
  engine::KlResult quality;
};

void print_table(const QualityReportOptions& o, const engine::PerplexityResult& base, const std::vector<Row>& rows) {
  std::printf("base %s: PPL %.4f +/- %.5f over %lld scored tokens (ctx %lld)\n", o.base.c_str(), base.ppl,
              base.ppl_stderr, static_cast<long long>(base.n_tokens_scored), static_cast<long long>(base.n_ctx));
  std::printf("| %-7s | %10s | %6s | %18s | %8s | %10s | %7s | %7s |\n", "type", "size MiB", "bpw", "PPL", "dPPL",
              "KL mean", "top-1", "RMS dp");
  std::printf("| %-7s | %10s | %6s | %18s | %8s | %10s | %7s | %7s |\n", "---", "---", "---", "---", "---", "---", "---",
              "---");
  for (const Row& r : rows) {
    const auto& q = r.quality;
    std::printf("| %-7s | %10.3f | %6.2f | %9.4f +/- %.4f | %+7.2f%% | %10.6f | %6.2f%% | %7.4f |\n", r.type.c_str(),
                static_cast<double>(r.bytes) / 1048576.0, r.bits_per_weight, q.model.ppl, q.model.ppl_stderr,
                100.0 * (q.model.ppl / base.ppl - 1.0), q.kl_mean, q.top1_agreement, q.delta_p_rms);
  }
}

Json report_json(const QualityReportOptions& o, const engine::PerplexityResult& base, const std::vector<Row>& rows) {
  Json out = {{"base", o.base},
              {"text", o.text},
              {"n_ctx", base.n_ctx},
              {"n_tokens_scored", base.n_tokens_scored},
              {"base_ppl", base.ppl},
              {"base_ppl_stderr", base.ppl_stderr},
              {"rows", Json::array()}};
  for (const Row& r : rows) {
    const auto& q = r.quality;
    Json row = {{"type", r.type},
                {"bytes", r.bytes},
                {"bits_per_weight", r.bits_per_weight},
                {"ppl", q.model.ppl},
                {"ppl_stderr", q.model.ppl_stderr}};
    add_kl_fields(row, q);
    out["rows"].push_back(std::move(row));
  }
  return out;
}

}  // namespace

int run_quality_report(const QualityReportOptions& o) {
  if (o.text.empty()) throw Error("--report needs --text F: the text the quantized models are scored on");
  const std::vector<model::FileType> types = parse_types(o.types.empty() ? kDefaultTypes : o.types);
  const std::string text = read_file_text(o.text, "text file");
  const auto base = model::Model::load(o.base);
  const auto tok = tokenizer::Tokenizer::from_gguf(base->file());
  const auto [tokens, opt] = engine::perplexity_input(tok, text, o.ctx, o.batch);
  ThreadPool pool(o.threads);
  const engine::PerplexityResult base_ppl = engine::evaluate_perplexity(*base, pool, tokens, opt);
  const double weights = static_cast<double>(n_weights(base->file()));

  ScratchDir scratch;
  std::vector<Row> rows;
  for (const model::FileType type : types) {
    const std::string name(model::file_type_name(type));
    if (!o.json) std::fprintf(stderr, "quantizing to %s and scoring it...\n", name.c_str());
    model::QuantizeOptions q;
    q.type = type;
    q.n_threads = o.threads;
    const gguf::File input = gguf::File::open(o.base);
    const model::QuantizePlan plan = model::plan_quantization(input, q);
    const fs::path out = scratch.path / (name + ".gguf");
    model::write_quantized(input, plan, out, q, {});
    const auto quantized = model::Model::load(out);
    Row row;
    row.type = name;
    row.bytes = plan.output_size();
    row.bits_per_weight = 8.0 * static_cast<double>(row.bytes) / weights;
    row.quality = engine::evaluate_kl_divergence(*quantized, *base, pool, tokens, opt);
    rows.push_back(std::move(row));
  }
  if (o.json) {
    std::printf("%s\n", report_json(o, base_ppl, rows).dump(2).c_str());
  } else {
    print_table(o, base_ppl, rows);
  }
  return 0;
}

}  // namespace hearth::cli

// hearth imatrix MODEL --text F -o OUT [--chunk N] [--chunks N] [--threads N] [--json]
//
// Runs MODEL over the calibration text F and writes an importance matrix
// (model/imatrix.h: per weight matrix, the mean squared activation of each
// input column) as GGUF, for `hearth quantize --imatrix OUT`. The text is
// tokenized without BOS and cut into chunks of --chunk tokens; each chunk
// starts with BOS when the vocabulary adds one, as a prompt would.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_text.h"
#include "core/thread_pool.h"
#include "model/imatrix_collect.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

struct ImatrixOptions {
  std::string model, text, out;
  int64_t chunk = 512, chunks = 0;
  int threads = 0;
  bool json = false;
};

// The text's tokens laid out as chunks, each starting with BOS when the vocabulary adds one.
std::vector<int32_t> chunked_tokens(const tokenizer::Tokenizer& tok, const std::string& text, int64_t chunk) {
  const std::vector<int32_t> ids = tok.encode(text, /*add_special=*/false, /*parse_special=*/false);
  if (!tok.add_bos() || chunk < 2) return ids;
  std::vector<int32_t> out;
  const auto body = static_cast<size_t>(chunk - 1);
  for (size_t i = 0; i + body <= ids.size(); i += body) {
    out.push_back(tok.bos());
    out.insert(out.end(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids.begin() + static_cast<std::ptrdiff_t>(i + body));
  }
  return out;
}

int run_imatrix(const ImatrixOptions& o) {
  const auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_gguf(model->file());
  const std::vector<int32_t> tokens = chunked_tokens(tok, read_file_text(o.text, "calibration text"), o.chunk);
  ThreadPool pool(o.threads);
  model::ImatrixProgress progress;
  if (isatty(STDERR_FILENO) != 0 && !o.json) {
    progress = [](int64_t d, int64_t t) {
      std::fprintf(stderr, "\rchunk %lld/%lld", static_cast<long long>(d), static_cast<long long>(t));
      if (d == t) std::fprintf(stderr, "\n");
    };
  }
  model::Imatrix im = model::collect_imatrix(*model, tokens, o.chunk, o.chunks, pool, progress);
  im.datasets = {o.text};
  im.save(o.out);
  if (o.json) {
    const nlohmann::ordered_json j = {{"model", o.model}, {"text", o.text},        {"output", o.out},
                                      {"chunk", o.chunk}, {"chunks", im.chunk_count}, {"entries", im.entries.size()}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("wrote %s: %zu matrices, %u chunks of %lld tokens\n", o.out.c_str(), im.entries.size(), im.chunk_count,
                static_cast<long long>(o.chunk));
  }
  return 0;
}

}  // namespace

void register_imatrix(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<ImatrixOptions>();
  auto* cmd = app.add_subcommand(
      "imatrix", "Compute an importance matrix (mean squared activations per matrix input) for quantize --imatrix");
  cmd->add_option("MODEL", o->model, "GGUF model (F32/F16 ideally: the one you will quantize)")->required();
  cmd->add_option("--text", o->text, "Calibration text file")->required();
  cmd->add_option("--out,-o", o->out, "GGUF file to write (the reference's imatrix layout)")->required();
  cmd->add_option("--chunk", o->chunk, "Tokens per chunk (default 512)")->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
  cmd->add_option("--chunks", o->chunks, "Use at most this many chunks (default: all the text gives)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  cmd->add_option("--threads,-t", o->threads, "Threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", o->json, "Print one JSON object: model, text, output, chunk, chunks, entries");
  cmd->callback([o, &handler] { handler = [o] { return run_imatrix(*o); }; });
}

}  // namespace hearth::cli

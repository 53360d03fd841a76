// hearth logits MODEL --prompt-file F --out O.f32 [--gen N]: raw logits in the
// layout of the reference goldens — one row per prompt token (all from one
// batch), then one row per greedy step except the last (each from a
// one-token decode), little-endian float32 [n_rows][n_vocab]. With --json a
// summary like the goldens' JSON goes to stdout. Several --prompt-file /
// --out pairs share one load of the model: each prompt runs alone, from an
// empty cache, as it would in a run of its own (one JSON line each, in order).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_text.h"
#include "core/thread_pool.h"
#include "engine/session.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {

namespace {

struct LogitsOptions {
  std::string model;
  std::vector<std::string> prompt_files, outs;
  int gen = 0;
  int threads = 0;
  bool json = false;
};

int32_t argmax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

// One prompt: its rows to `out_path`, its summary to stdout (--json) or a
// line to stderr.
void write_logits(const model::Model& model, const tokenizer::Tokenizer& tok, ThreadPool& pool,
                  const LogitsOptions& o, const std::string& prompt_file, const std::string& prompt,
                  const std::string& out_path) {
  const std::vector<int32_t> ids = tok.encode(prompt, /*add_special=*/true, /*parse_special=*/true);
  if (ids.empty()) throw Error(prompt_file + ": the prompt has no tokens");
  const int64_t n_vocab = model.hparams().n_vocab;

  engine::Session session(model, pool, static_cast<int64_t>(ids.size()) + o.gen);
  std::vector<float> rows = session.eval(ids, /*all_logits=*/true);
  std::vector<int32_t> greedy;
  if (o.gen > 0) greedy.push_back(argmax(rows.data() + rows.size() - n_vocab, n_vocab));
  while (static_cast<int>(greedy.size()) < o.gen) {
    const auto& row = session.eval(std::span(&greedy.back(), 1));
    rows.insert(rows.end(), row.begin(), row.end());
    greedy.push_back(argmax(row.data(), n_vocab));
  }

  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) throw IoError(out_path + ": cannot create the output file");
  out.write(reinterpret_cast<const char*>(rows.data()),
            static_cast<std::streamsize>(rows.size() * sizeof(float)));
  if (!out.flush()) throw IoError(out_path + ": write failed");

  const int64_t n_rows = static_cast<int64_t>(rows.size()) / n_vocab;
  if (o.json) {
    nlohmann::ordered_json j;
    j["n_vocab"] = n_vocab;
    j["prompt_tokens"] = ids;
    j["greedy_tokens"] = greedy;
    // A continuation: pieces as they follow the prompt (no leading-space strip).
    std::string text;
    for (const int32_t t : greedy) text += tok.token_to_piece(t);
    j["greedy_text"] = text;
    j["n_rows"] = n_rows;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(stderr, "wrote %lld rows x %lld logits to %s\n", static_cast<long long>(n_rows),
                 static_cast<long long>(n_vocab), out_path.c_str());
  }
}

int run_logits(const LogitsOptions& o) {
  if (o.prompt_files.size() != o.outs.size()) {
    throw Error(std::to_string(o.prompt_files.size()) + " --prompt-file and " + std::to_string(o.outs.size()) +
                " --out: give one output file per prompt file, in the same order");
  }
  // Every prompt read before the model loads: a wrong path fails at once.
  std::vector<std::string> prompts;
  for (const std::string& f : o.prompt_files) prompts.push_back(read_file_text(f, "prompt file"));

  auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_gguf(model->file());
  ThreadPool pool(o.threads);
  for (size_t i = 0; i < prompts.size(); ++i) {
    write_logits(*model, tok, pool, o, o.prompt_files[i], prompts[i], o.outs[i]);
  }
  return 0;
}

}  // namespace

void register_logits(CLI::App& app, Handler& handler) {
  auto opt = std::make_shared<LogitsOptions>();
  auto* cmd = app.add_subcommand("logits", "Write raw logits of a prompt (and greedy steps) as float32");
  cmd->add_option("model", opt->model, "GGUF model file")->required();
  cmd->add_option("--prompt-file", opt->prompt_files, "Text file with the prompt (repeat for several prompts)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--out,-o", opt->outs, "Output file (float32 rows), one per --prompt-file, in order")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--gen", opt->gen, "Greedy tokens to generate after the prompt")->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--threads,-t", opt->threads, "Threads (default: all cores)");
  cmd->add_flag("--json", opt->json, "Print prompt/greedy tokens and text as JSON");
  cmd->callback([opt, &handler] { handler = [opt] { return run_logits(*opt); }; });
}

}  // namespace hearth::cli

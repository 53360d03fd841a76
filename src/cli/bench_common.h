// What `hearth bench` and `hearth bench serve` share: the model under test
// (a GGUF file, or a random-weight model of a catalog shape built in
// memory), random prompts, and summary statistics.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "model/model.h"
#include "model/synthetic.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {

// The model under test: a file, or a synthetic model that owns its image.
struct Subject {
  std::unique_ptr<model::SyntheticModel> synthetic;
  std::unique_ptr<model::Model> loaded;
  std::string label;  // file path or "llama3.2-1b (synthetic)"
  std::string type;   // "Q4_K_M"
  const model::Model& model() const { return synthetic ? synthetic->model() : *loaded; }
};

// model_path, or else a synthetic model of `shape` in `type` (default
// Q4_K_M; building it logs its progress on stderr). Throws hearth::Error
// for a --type given with a file, an unknown shape or type.
Subject open_subject(const std::string& model_path, const std::string& shape, const std::string& type);

// The model's own tokenizer, or for a synthetic model (which has none) a
// stand-in of n_vocab plain tokens "<id>" with no end-of-generation token,
// so generation runs to max_tokens.
tokenizer::Tokenizer subject_tokenizer(const Subject& s);

std::vector<int32_t> random_tokens(int64_t n, int64_t n_vocab, std::mt19937& rng);

struct Stats {
  double median = 0, min = 0, max = 0, stddev = 0;
};
Stats summarize(std::vector<double> v);  // v must not be empty

// The nearest-rank percentile (0 < q <= 100) of v; 0 for an empty v.
double percentile(std::vector<double> v, double q);

// `hearth bench serve` (cli/bench_serve.cpp), a subcommand of `bench`.
void register_bench_serve(CLI::App& bench, Handler& handler);

}  // namespace hearth::cli

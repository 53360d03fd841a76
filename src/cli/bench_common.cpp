#include "cli/bench_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "model/catalog.h"
#include "model/quant_recipe.h"
#include "tokenizer/vocab.h"

namespace hearth::cli {

namespace {

// general.file_type when it names a known type, else the type holding most bytes.
std::string file_type_label(const gguf::File& f) {
  if (const auto id = f.get_uint("general.file_type")) {
    if (const auto t = model::file_type_from_id(*id)) return std::string(model::file_type_name(*t));
  }
  std::vector<uint64_t> bytes(64, 0);
  for (const auto& t : f.tensors()) bytes[static_cast<size_t>(t.type) % bytes.size()] += t.n_bytes;
  const auto top = static_cast<uint32_t>(std::max_element(bytes.begin(), bytes.end()) - bytes.begin());
  return std::string(tensor_type_name(static_cast<TensorType>(top)));
}

}  // namespace

Subject open_subject(const std::string& model_path, const std::string& shape_name, const std::string& type) {
  Subject s;
  if (!model_path.empty()) {
    if (!type.empty()) throw Error("--type applies to --shape only (a model file has its own types)");
    s.loaded = model::Model::load(model_path);
    s.label = model_path;
    s.type = file_type_label(s.loaded->file());
    return s;
  }
  const model::ModelShape& shape = model::shape_or_throw(shape_name);
  const model::FileType ft = model::file_type_or_throw(type.empty() ? "Q4_K_M" : type);
  s.label = std::string(shape.name) + " (synthetic)";
  s.type = std::string(model::file_type_name(ft));
  int last_pct = -1;
  s.synthetic = model::SyntheticModel::build(shape, ft, [&](uint64_t done, uint64_t total) {
    const int pct = static_cast<int>(100 * done / std::max<uint64_t>(total, 1));
    if (pct / 5 == last_pct / 5 && pct != 100) return;
    last_pct = pct;
    std::fprintf(stderr, "\rbuilding %s %s: %3d%% of %.1f MB", std::string(shape.name).c_str(),
                 s.type.c_str(), pct, static_cast<double>(total) / 1e6);
    if (pct == 100) std::fprintf(stderr, "\n");
  });
  return s;
}

tokenizer::Tokenizer subject_tokenizer(const Subject& s) {
  if (!s.synthetic) return tokenizer::Tokenizer::from_gguf(s.model().file());
  tokenizer::Vocab v;
  v.algorithm = tokenizer::Algorithm::SentencePiece;
  v.source = s.label;
  const int64_t n = s.model().hparams().n_vocab;
  for (int64_t i = 0; i < n; ++i) {
    v.tokens.push_back("<" + std::to_string(i) + ">");
    v.index.emplace(v.tokens.back(), static_cast<int32_t>(i));
  }
  v.scores.assign(static_cast<size_t>(n), 0.0f);
  v.types.assign(static_cast<size_t>(n), tokenizer::TokenType::Normal);
  v.byte_tokens.fill(tokenizer::kNoToken);
  return tokenizer::Tokenizer(std::move(v));
}

std::vector<int32_t> random_tokens(int64_t n, int64_t n_vocab, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(n_vocab - 1));
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = dist(rng);
  return t;
}

Stats summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  double mean = 0;
  for (const double x : v) mean += x / static_cast<double>(n);
  for (const double x : v) s.stddev += (x - mean) * (x - mean);
  s.stddev = n > 1 ? std::sqrt(s.stddev / static_cast<double>(n - 1)) : 0.0;
  return s;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace hearth::cli

// hearth show MODEL [--json] [--full]: what a GGUF file holds — format,
// architecture, hyper-parameters, all metadata, and a tensor table with
// totals per type, parameter count and bits per weight. Works on any GGUF
// file, vocabulary-only ones included.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "gguf/file.h"
#include "gguf/summary.h"

namespace hearth::cli {

namespace {

using gguf::File;
using gguf::Value;
using gguf::ValueType;
using Json = nlohmann::ordered_json;  // keeps metadata in file order

// Arrays longer than this are summarised ("[32000 strings]") unless --full.
constexpr size_t kMaxListedItems = 16;

struct ShowOptions {
  std::string model;
  bool json = false;
  bool full = false;
};

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// "1.13 MiB"
std::string human_bytes(uint64_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return u == 0 ? format("%llu bytes", static_cast<unsigned long long>(n)) : format("%.2f %s", v, units[u]);
}

// "262.1K", "6.74B"
std::string human_count(uint64_t n) {
  const char* units[] = {"", "K", "M", "B", "T"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  return u == 0 ? std::to_string(n) : format("%.2f%s", v, units[u]);
}

// A name from the file, with control bytes made harmless for the terminal.
std::string printable(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// ---- text -------------------------------------------------------------------------

// Text output is built into one string, section by section, then written.
class TextReport {
 public:
  TextReport(const File& f, const ShowOptions& opt) : f_(f), opt_(opt), sum_(gguf::summarize(f)) {}

  std::string render() {
    overview();
    hyper_parameters();
    metadata();
    tensors();
    return std::move(out_);
  }

 private:
  void line(const std::string& s) { out_ += s + "\n"; }

  void overview() {
    line("file:          " + printable(f_.name()));
    line("format:        GGUF v" + std::to_string(f_.version()) + ", " +
         human_bytes(f_.file_size()) + " (" + std::to_string(f_.file_size()) +
         " bytes), alignment " + std::to_string(f_.alignment()));
    const std::string arch = f_.architecture();
    line("architecture:  " + (arch.empty() ? std::string("(none)") : printable(arch)));
    if (const Value* name = f_.find("general.name"); name && name->type() == ValueType::STRING) {
      line("name:          " + name->to_display());
    }
    if (sum_.n_tensors > 0) {
      line("parameters:    " + human_count(sum_.n_params) + " (" + std::to_string(sum_.n_params) +
           "), " + human_bytes(sum_.tensor_bytes) +
           format(", %.2f bits per weight", sum_.bits_per_weight()));
    }
  }

  void hyper_parameters() {
    const auto hparams = gguf::hyper_parameters(f_);
    const Value* tokens = f_.find("tokenizer.ggml.tokens");
    const bool has_vocab = tokens && tokens->type() == ValueType::ARRAY;
    if (hparams.empty() && !has_vocab) return;
    line("\nhyper-parameters:");
    for (const auto& hp : hparams) {
      line(format("  %-22s ", hp.label.c_str()) + hp.value->to_display());
    }
    if (has_vocab) {
      const Value* model = f_.find("tokenizer.ggml.model");
      line(format("  %-22s %zu tokens", "vocabulary", tokens->items().size()) +
           (model ? " (" + model->to_display() + ")" : ""));
    }
  }

  void metadata() {
    const size_t max_items = opt_.full ? SIZE_MAX : kMaxListedItems;
    line("\nmetadata (" + std::to_string(f_.metadata().size()) + " keys):");
    int width = 0;
    for (const auto& kv : f_.metadata()) width = std::max(width, static_cast<int>(kv.first.size()));
    width = std::min(width, 48);
    for (const auto& [key, value] : f_.metadata()) {
      line(format("  %-*s %-8s ", width, printable(key).c_str(),
                  std::string(gguf::value_type_name(value.type())).c_str()) +
           value.to_display(max_items));
    }
  }

  void tensors() {
    if (sum_.n_tensors == 0) {
      line("\ntensors: none (vocabulary-only file)");
      return;
    }
    int name_w = 4, shape_w = 5;
    for (const auto& t : f_.tensors()) {
      name_w = std::max(name_w, static_cast<int>(t.name.size()));
      shape_w = std::max(shape_w, static_cast<int>(shape_text(t.shape).size()));
    }
    name_w = std::min(name_w, 64);
    line("\ntensors (" + std::to_string(sum_.n_tensors) + "):");
    line(format("  %-*s %-8s %-*s %14s", name_w, "name", "type", shape_w, "shape", "bytes"));
    for (const auto& t : f_.tensors()) {
      line(format("  %-*s %-8s %-*s %14llu", name_w, printable(t.name).c_str(),
                  std::string(tensor_type_name(t.type)).c_str(), shape_w,
                  shape_text(t.shape).c_str(), static_cast<unsigned long long>(t.n_bytes)));
    }
    line("\ntotals by type:");
    for (const auto& tt : sum_.by_type) {
      totals_row(std::string(tensor_type_name(tt.type)), tt.n_tensors, tt.n_elements, tt.n_bytes);
    }
    totals_row("total", sum_.n_tensors, sum_.n_params, sum_.tensor_bytes);
  }

  void totals_row(const std::string& label, uint64_t n_tensors, uint64_t n_params, uint64_t bytes) {
    line(format("  %-8s %6llu tensors %16llu params %14llu bytes %6.2f bits/weight", label.c_str(),
                static_cast<unsigned long long>(n_tensors), static_cast<unsigned long long>(n_params),
                static_cast<unsigned long long>(bytes),
                8.0 * static_cast<double>(bytes) / static_cast<double>(n_params)));
  }

  const File& f_;
  const ShowOptions& opt_;
  const gguf::Summary sum_;
  std::string out_;
};

void print_text(const File& f, const ShowOptions& opt) {
  const std::string text = TextReport(f, opt).render();
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// ---- JSON -------------------------------------------------------------------------

Json scalar_json(const Value& v) {
  switch (v.type()) {
    case ValueType::STRING: return v.as_string();
    case ValueType::BOOL: return v.as_bool();
    case ValueType::F32:
    case ValueType::F64: {
      const double d = v.as_float();
      if (!std::isfinite(d)) return v.to_display();  // "nan", "inf": JSON has no such numbers
      // The shortest text that reads back as the same value, so a float32
      // 1e-5 prints as 1e-05, not as its double expansion 9.99999974737875e-06.
      return std::strtod(v.to_display().c_str(), nullptr);
    }
    default:
      if (gguf::is_signed_integer(v.type())) return v.as_int();
      return v.as_uint();
  }
}

// An array's items as a JSON list, or (long, without --full) as a summary
// {"element_type", "count"}; nested arrays alike.
Json items_json(const Value& v, bool full) {
  const auto& items = v.items();
  if (!full && items.size() > kMaxListedItems) {
    return Json{{"element_type", gguf::value_type_name(v.element_type())}, {"count", items.size()}};
  }
  Json list = Json::array();
  for (const Value& item : items) {
    list.push_back(item.type() == ValueType::ARRAY ? items_json(item, full) : scalar_json(item));
  }
  return list;
}

// {"type": "uint32", "value": 2048}, or for arrays {"type": "array",
// "element_type": "string", "count": 32000[, "value": [...]]}.
Json entry_json(const Value& v, bool full) {
  Json e;
  e["type"] = gguf::value_type_name(v.type());
  if (v.type() != ValueType::ARRAY) {
    e["value"] = scalar_json(v);
    return e;
  }
  e["element_type"] = gguf::value_type_name(v.element_type());
  e["count"] = v.items().size();
  if (full || v.items().size() <= kMaxListedItems) e["value"] = items_json(v, full);
  return e;
}

void print_json(const File& f, const ShowOptions& opt) {
  const gguf::Summary sum = gguf::summarize(f);
  Json j;
  j["file"] = f.name();
  j["version"] = f.version();
  j["file_size"] = f.file_size();
  j["alignment"] = f.alignment();
  j["data_offset"] = f.data_offset();
  j["architecture"] = f.architecture();
  Json md = Json::object();
  for (const auto& [key, value] : f.metadata()) md[key] = entry_json(value, opt.full);
  j["metadata"] = std::move(md);
  Json tensors = Json::array();
  for (const auto& t : f.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", tensor_type_name(t.type)},
                       {"shape", t.shape},
                       {"offset", t.offset},
                       {"bytes", t.n_bytes}});
  }
  j["tensors"] = std::move(tensors);
  j["n_params"] = sum.n_params;
  j["tensor_bytes"] = sum.tensor_bytes;
  j["bits_per_weight"] = sum.n_tensors ? Json(sum.bits_per_weight()) : Json(nullptr);
  Json by_type = Json::object();
  for (const auto& tt : sum.by_type) {
    by_type[std::string(tensor_type_name(tt.type))] = {
        {"tensors", tt.n_tensors}, {"params", tt.n_elements}, {"bytes", tt.n_bytes}};
  }
  j["types"] = std::move(by_type);
  // Strings in a file need not be valid UTF-8: replace bad bytes, never fail.
  std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace

void register_show(CLI::App& app, Handler& handler) {
  auto opt = std::make_shared<ShowOptions>();
  auto* cmd = app.add_subcommand("show", "Describe a GGUF file: metadata, hyper-parameters, tensors");
  cmd->add_option("model", opt->model, "GGUF file")->required();
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of text");
  cmd->add_flag("--full", opt->full, "List long arrays (e.g. the vocabulary) in full");
  cmd->callback([&handler, opt] {
    handler = [opt] {
      const File f = File::open(opt->model);
      if (opt->json) {
        print_json(f, *opt);
      } else {
        print_text(f, *opt);
      }
      return 0;
    };
  });
}

}  // namespace hearth::cli

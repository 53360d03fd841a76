// /api/tags, /api/show, /api/ps, /api/version: what the server can load and
// what is loaded, described the way Ollama describes models.
#include <algorithm>
#include <cstdio>

#include "gguf/summary.h"
#include "server/api_error.h"
#include "server/json_fields.h"
#include "server/ollama.h"
#include "server/ollama_request.h"

namespace hearth::server::ollama {

namespace {

// "260.0K", "1.2B": the parameter count as Ollama abbreviates it.
std::string parameter_size(uint64_t n) {
  const auto v = static_cast<double>(n);
  char buf[32];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.1fB", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  }
  return buf;
}

Json details(const gguf::File& f) {
  const gguf::Summary s = gguf::summarize(f);
  // The quantization level: the type holding most of the parameters.
  const gguf::TypeTotals* main = nullptr;
  for (const auto& t : s.by_type) {
    if (!main || t.n_elements > main->n_elements) main = &t;
  }
  const std::string arch = f.architecture();
  return {{"parent_model", ""},
          {"format", "gguf"},
          {"family", arch},
          {"families", Json::array({arch})},
          {"parameter_size", parameter_size(s.n_params)},
          {"quantization_level", main ? std::string(tensor_type_name(main->type)) : std::string()}};
}

Json details(const ModelService& model) { return details(model.model().file()); }

// A listed file's details (its header is mapped and read; nothing is loaded),
// or null when it cannot be read.
Json file_details(const ModelFile& file) {
  try {
    return details(gguf::File::open(file.path));
  } catch (const std::exception&) {
    return nullptr;
  }
}

Json unix_time(int64_t seconds) { return rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds))); }

Json modified_at(const ModelService& model) {
  return rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(model.created())));
}

// One GGUF metadata value as JSON (arrays only when `arrays`, else null).
Json metadata_json(const gguf::Value& v, bool arrays) {
  using gguf::ValueType;
  if (v.type() == ValueType::ARRAY) {
    if (!arrays) return nullptr;
    Json a = Json::array();
    for (const auto& item : v.items()) a.push_back(metadata_json(item, true));
    return a;
  }
  if (v.type() == ValueType::STRING) return v.as_string();
  if (v.type() == ValueType::BOOL) return v.as_bool();
  if (gguf::is_float(v.type())) return v.as_float();
  if (gguf::is_signed_integer(v.type())) return v.as_int();
  return v.as_uint();
}

}  // namespace

HttpReply tags(const std::vector<ModelFile>& files) {
  Json list = Json::array();
  for (const auto& f : files) {
    list.push_back({{"name", f.name},
                    {"model", f.name},
                    {"modified_at", unix_time(f.modified)},
                    {"size", f.size},
                    {"details", file_details(f)}});
  }
  return json_reply({{"models", list}});
}

HttpReply show(const ModelService& model, const HttpRequest& req) {
  const Json b = parse_body(req.body);
  const Fields f(b);
  // "name" is the field's older spelling.
  check_tagged_model(b, f.has("model") || !f.has("name") ? "model" : "name", model);
  const bool verbose = f.boolean("verbose").value_or(false);
  const gguf::File& file = model.model().file();
  Json info = Json::object();
  for (const auto& [key, value] : file.metadata()) info[key] = metadata_json(value, verbose);
  return json_reply({{"license", file.get_string("general.license").value_or("")},
                     {"modelfile", ""},
                     {"parameters", ""},
                     {"template", file.get_string("tokenizer.chat_template").value_or("")},
                     {"details", details(model)},
                     {"model_info", info},
                     {"capabilities", Json::array({"completion"})},
                     {"modified_at", modified_at(model)}});
}

HttpReply ps(ModelRegistry& models) {
  const std::vector<ModelFile> files = models.available();
  const auto now = std::chrono::system_clock::now();
  Json list = Json::array();
  for (const auto& m : models.loaded()) {
    // Busy, or kept for ever: Ollama reports a date centuries ahead; so do we.
    const auto expires = m.expires_in_s ? now + std::chrono::milliseconds(static_cast<int64_t>(*m.expires_in_s * 1000))
                                        : now + std::chrono::hours(24 * 365 * 200);
    const auto file = std::find_if(files.begin(), files.end(), [&](const ModelFile& f) { return f.name == m.name; });
    list.push_back({{"name", m.name},
                    {"model", m.name},
                    {"size", m.bytes},
                    {"details", file == files.end() ? Json(nullptr) : file_details(*file)},
                    {"expires_at", rfc3339(expires)},
                    {"size_vram", 0},
                    {"context_length", m.n_ctx}});
  }
  return json_reply({{"models", list}});
}

HttpReply version() { return json_reply({{"version", "0.1.0"}}); }  // hearth's version (cli/main.cpp)

}  // namespace hearth::server::ollama

// fuzz-links: server
// Request-body fuzzer for `hearth serve`: any bytes, taken as the body of a
// request to one endpoint, must either parse into a request (prompt
// tokenized) or throw hearth::Error (the dialects' ApiError: a 400/404
// naming the field), never crash, hang or throw anything else (an escaped
// nlohmann::json exception is a bug: it would become a 500 without context).
//
// Input: byte 0 picks the endpoint (kEndpoints), the rest is the body. The
// dialects' parse functions are called directly, the same way their
// handlers call them, but nothing is generated (that would make each input
// slow): the handlers' remaining step only submits the parsed request.
//
// The model is models/stories260K.gguf of this source tree, or
// $HEARTH_FUZZ_MODEL; it is loaded once, with a tiny context.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "server/anthropic.h"
#include "server/api_error.h"
#include "server/embeddings.h"
#include "server/json_fields.h"
#include "server/keep_alive.h"
#include "server/model_route.h"
#include "server/model_service.h"
#include "server/ollama.h"
#include "server/ollama_request.h"
#include "server/openai_params.h"
#include "server/tokenize_api.h"

namespace {

using namespace hearth::server;
using Json = nlohmann::ordered_json;

std::filesystem::path model_path() {
  if (const char* p = std::getenv("HEARTH_FUZZ_MODEL")) return p;
  return std::filesystem::path(HEARTH_SOURCE_DIR) / "models" / "stories260K.gguf";
}

ModelService& service() {
  static ModelService* model = [] {
    hearth::engine::SchedulerConfig sc;
    sc.n_ctx = 64;
    sc.max_running = 1;
    try {
      return new ModelService(model_path(), sc, 1);  // lives for the process
    } catch (const hearth::Error& e) {
      // Not a finding: without the model every input would test nothing.
      std::fprintf(stderr, "request_fuzz: cannot load %s: %s (set HEARTH_FUZZ_MODEL)\n", model_path().c_str(), e.what());
      std::exit(2);
    }
  }();
  return *model;
}

// Completion prompt as openai::completions reads it.
void completion_prompt(const ModelService& model, const Json& body) {
  const Json& prompt = body.contains("prompt") ? body["prompt"] : Json();
  if (prompt.is_string()) {
    (void)model.text_prompt(prompt.get<std::string>());
  } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) {
    (void)model.text_prompt(prompt[0].get<std::string>());
  }
}

void embeddings(const ModelService& model, const Limits& limits, const std::string& body, bool allow_ids) {
  const Json b = parse_body(body);
  if (b.contains("input")) (void)embedding_inputs(b["input"], model, limits, allow_ids);
}

void keep_alive(const std::string& body) {
  (void)parse_go_duration(body);
  try {
    (void)parse_keep_alive(std::string_view(body));
  } catch (const hearth::Error&) {
  }
  const Json b = parse_body(body);
  if (b.contains("keep_alive")) (void)parse_keep_alive(b["keep_alive"], "keep_alive");
}

void run(uint8_t endpoint, const std::string& body) {
  ModelService& model = service();
  const Limits limits;
  HttpRequest req;
  req.method = "POST";
  req.body = body;
  switch (endpoint % 12) {
    case 0: {
      auto p = openai::parse_request(body, openai::Endpoint::chat, model, limits);
      if (p.body.contains("messages")) (void)model.chat_prompt(p.body["messages"]);
      break;
    }
    case 1:
      completion_prompt(model, openai::parse_request(body, openai::Endpoint::completion, model, limits).body);
      break;
    case 2: (void)anthropic::parse_messages(parse_body(body), model, limits); break;
    case 3: (void)anthropic::count_tokens(model, req); break;
    case 4: (void)ollama::parse_request(parse_body(body), ollama::Endpoint::generate, model, limits); break;
    case 5: (void)ollama::parse_request(parse_body(body), ollama::Endpoint::chat, model, limits); break;
    case 6: embeddings(model, limits, body, /*allow_ids=*/true); break;
    case 7: embeddings(model, limits, body, /*allow_ids=*/false); break;
    case 8: (void)tokenize(model, req); break;
    case 9: (void)detokenize(model, req); break;
    case 10: keep_alive(body); break;
    default: (void)model_field(req); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    run(data[0], body);
  } catch (const ApiError& e) {
    // The expected answer to bad input: it must render in every dialect's
    // error shape (the message may quote the input).
    (void)error_body(e);
    (void)anthropic::error_body(e);
    (void)ollama::error_body(e);
  } catch (const hearth::Error&) {
    // The engine's own errors (e.g. a malformed chat) are expected too.
  }
  return 0;
}

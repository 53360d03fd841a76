// hearth tokens FILE... --model M [--ctx N] [--prices FILE] [--json]
//
// Exact token counts of files with a model's tokenizer: whether each fits
// the model's context and what it would cost as input tokens at cloud
// prices (plan/cost.h's table, or --prices FILE). A file ending in .json that
// holds a chat request {"messages": [...]} or a bare messages array is
// counted as the prompt `hearth serve` would build from it (content given as
// an array of text parts joined as serve joins them, chat/message_content.h;
// the model's chat template, or the plain "Role: content" prompt without
// one; special-token text parsed). Any other file is plain text: BOS/EOS added as the
// vocabulary says, special-token text kept as text.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/message_content.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/file_text.h"
#include "engine/generation.h"
#include "gguf/file.h"
#include "plan/cost.h"
#include "plan/report_json.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

using Json = nlohmann::ordered_json;

struct TokensOptions {
  std::vector<std::string> files;
  std::string model, prices;
  int64_t ctx = 0;  // 0: the model's trained context
  bool json = false;
};

// What the counts are taken against: the tokenizer, template and context.
struct Counter {
  tokenizer::Tokenizer tok;
  std::optional<chat::ChatTemplate> tmpl;
  std::optional<int64_t> ctx;
};

bool is_json_path(const std::string& path) { return path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0; }

// The messages of a chat file; throws FormatError naming the file.
Json chat_messages(const std::string& path, const std::string& text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw FormatError(path + ": not valid JSON (a .json file is read as a chat request)");
  if (j.is_array()) return j;
  if (j.is_object() && j.contains("messages") && j["messages"].is_array()) return j["messages"];
  throw FormatError(path + ": expected a chat request {\"messages\": [...]} or a messages array");
}

plan::TokenCount count_file(const Counter& c, const std::string& path) {
  const std::string text = read_file_text(path, "file");
  if (!is_json_path(path)) {
    return {path, false, c.tok.encode(text, /*add_special=*/true, /*parse_special=*/false).size()};
  }
  std::string prompt;
  try {
    const Json messages = chat::flatten_message_content(chat_messages(path, text));
    prompt = engine::render_chat_prompt(c.tmpl ? &*c.tmpl : nullptr, c.tok, messages);
  } catch (const Error& e) {  // a bad message or the template's own error: say which file
    const std::string what = e.what();
    throw FormatError(what.rfind(path, 0) == 0 ? what : path + ": " + what);
  }
  return {path, true, c.tok.encode(prompt, /*add_special=*/true, /*parse_special=*/true).size()};
}

Counter load_counter(const TokensOptions& o) {
  const auto file = gguf::File::open(o.model);
  if (!file.get_string_array("tokenizer.ggml.tokens")) {
    throw FormatError(o.model + ": this GGUF has no tokenizer (tokenizer.ggml.tokens); pass a model that has one");
  }
  Counter c{tokenizer::Tokenizer::from_gguf(file), std::nullopt, std::nullopt};
  if (auto src = file.get_string("tokenizer.chat_template")) c.tmpl.emplace(*src);
  if (o.ctx > 0) {
    c.ctx = o.ctx;
  } else if (auto arch = file.get_string("general.architecture")) {
    if (auto n = file.get_uint(*arch + ".context_length")) c.ctx = static_cast<int64_t>(*n);
  }
  return c;
}

void print_table(const Counter& c, const std::vector<plan::TokenCount>& counts, size_t total,
                 const std::vector<plan::CloudPrice>& prices) {
  std::printf("context: %s\n", c.ctx ? (std::to_string(*c.ctx) + " tokens").c_str() : "unknown (pass --ctx N)");
  std::printf("%-40s %10s %5s", "file", "tokens", "fits");
  for (const auto& p : prices) std::printf("  %14s", (p.name + " in").c_str());
  std::printf("\n");
  auto row = [&](const std::string& name, size_t tokens, const char* fits) {
    std::printf("%-40s %10zu %5s", name.c_str(), tokens, fits);
    for (const auto& p : prices) std::printf("  %14s", ("$" + std::to_string(plan::input_cost(tokens, p))).c_str());
    std::printf("\n");
  };
  for (const auto& f : counts) {
    const char* fits = !c.ctx ? "?" : static_cast<int64_t>(f.tokens) <= *c.ctx ? "yes" : "no";
    row(f.path + (f.chat ? " (chat)" : ""), f.tokens, fits);
  }
  if (counts.size() > 1) row("total", total, "");
}

int run_tokens(const TokensOptions& o) {
  const Counter c = load_counter(o);
  const auto prices = o.prices.empty() ? plan::default_cloud_prices() : plan::load_cloud_prices(o.prices);
  std::vector<plan::TokenCount> counts;
  size_t total = 0;
  for (const auto& path : o.files) {
    counts.push_back(count_file(c, path));
    total += counts.back().tokens;
  }
  if (!o.json) {
    print_table(c, counts, total, prices);
    return 0;
  }
  const Json out = plan::tokens_json(o.model, c.ctx, counts, prices);
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

void register_tokens(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<TokensOptions>();
  auto* cmd = app.add_subcommand(
      "tokens", "Exact token counts of files with a model's tokenizer: fits the context? input cost in the cloud?");
  cmd->add_option("FILE", o->files,
                  "Files to count. FILE.json holding {\"messages\": [...]} or a messages array is rendered with the "
                  "model's chat template first (as `hearth serve` does); any other file is plain text, counted with "
                  "BOS/EOS as the model adds them and special-token text kept as text")
      ->required();
  cmd->add_option("--model,-m", o->model, "GGUF file with a tokenizer (a model or a vocab-only file)")->required();
  cmd->add_option("--ctx", o->ctx, "Context to fit in (default: the model's trained context)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--prices", o->prices, "Cloud price file (JSON; see `hearth cost --write-prices`)");
  cmd->add_flag("--json", o->json, "Print one JSON object: model, ctx, files[] {path, kind, tokens, fits, "
                                   "input_cost_usd}, totals");
  cmd->callback([o, &handler] { handler = [o] { return run_tokens(*o); }; });
}

}  // namespace hearth::cli

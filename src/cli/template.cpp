// hearth template (MODEL | --template-file T.jinja) --request R.json [--bos S] [--eos S]
//
// Renders a chat request through a chat template and prints exactly the
// prompt (no newline added). With MODEL the template is the GGUF key
// tokenizer.chat_template, and BOS/EOS default to the text of the model's
// bos/eos tokens; otherwise they default to "<s>" / "</s>". A template that
// calls raise_exception() makes the command fail with the template's message.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/file_text.h"
#include "gguf/file.h"

namespace hearth::cli {
namespace {

struct TemplateOptions {
  std::string model;
  std::string template_file;
  std::string request_file;
  std::optional<std::string> bos;
  std::optional<std::string> eos;
};

// The text of token `id_key` (e.g. tokenizer.ggml.bos_token_id), if the model has it.
std::optional<std::string> token_text(const gguf::File& file, std::string_view id_key) {
  const auto id = file.get_uint(id_key);
  const auto tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!id || !tokens || *id >= tokens->size()) return std::nullopt;
  return (*tokens)[*id];
}

int run_template(const TemplateOptions& o) {
  std::string source;
  std::string bos = o.bos.value_or("<s>");
  std::string eos = o.eos.value_or("</s>");
  if (!o.model.empty()) {
    const auto file = gguf::File::open(o.model);
    const auto tmpl = file.get_string("tokenizer.chat_template");
    if (!tmpl) throw FormatError(o.model + ": no tokenizer.chat_template in this model (use --template-file)");
    source = *tmpl;
    if (!o.bos) bos = token_text(file, "tokenizer.ggml.bos_token_id").value_or(bos);
    if (!o.eos) eos = token_text(file, "tokenizer.ggml.eos_token_id").value_or(eos);
  } else {
    source = read_file_text(o.template_file, "template file");
  }
  const auto request = nlohmann::ordered_json::parse(read_file_text(o.request_file, "request file"), nullptr,
                                                     /*allow_exceptions=*/false);
  if (request.is_discarded()) throw FormatError(o.request_file + ": not valid JSON");

  const std::string origin = o.model.empty() ? o.template_file : o.model + " (tokenizer.chat_template)";
  std::string prompt;
  try {
    const chat::ChatTemplate chat_template(source);
    prompt = chat_template.apply(request, bos, eos);
  } catch (const chat::TemplateRaisedError&) {
    throw;  // the template's own message, unchanged
  } catch (const jinja::TemplateError& e) {
    throw jinja::TemplateError(origin + ": " + e.what());
  }
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  return 0;
}

}  // namespace

void register_template(CLI::App& app, Handler& handler) {
  auto opts = std::make_shared<TemplateOptions>();
  auto* cmd = app.add_subcommand("template", "Render a chat request through a chat template and print the prompt");
  auto* model = cmd->add_option("MODEL", opts->model, "GGUF model whose tokenizer.chat_template to use");
  auto* file = cmd->add_option("--template-file", opts->template_file, "Jinja chat template file");
  model->excludes(file);
  cmd->add_option("--request", opts->request_file, "JSON request: messages, tools, add_generation_prompt, "
                                                   "chat_template_kwargs")
      ->required();
  cmd->add_option("--bos", opts->bos, "BOS token text (default: the model's, else <s>)");
  cmd->add_option("--eos", opts->eos, "EOS token text (default: the model's, else </s>)");
  cmd->callback([opts, &handler] {
    if (opts->model.empty() && opts->template_file.empty()) {
      throw CLI::ValidationError("template", "give a MODEL or --template-file");
    }
    handler = [opts] { return run_template(*opts); };
  });
}

}  // namespace hearth::cli

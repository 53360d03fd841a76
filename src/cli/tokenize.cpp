// hearth tokenize MODEL (--text-file F | TEXT) [--no-bos] [--no-special] [--json]
//
// Prints the token ids of the text as a one-line JSON array. By default BOS
// (and EOS) are added as the vocabulary says and special-token text such as
// "<|begin_of_text|>" is parsed into its id. TEXT "-" reads standard input.
// --json prints {"tokens":[...],"pieces":[...],"n_tokens":N} instead, where
// each piece is the token's text (special tokens rendered; bytes that are not
// valid UTF-8 on their own shown as U+FFFD).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string text_file;
  bool no_bos = false;
  bool no_special = false;
  bool json = false;
};

std::string read_input(const TokenizeOptions& o) {
  if (!o.text_file.empty()) {
    std::ifstream in(o.text_file, std::ios::binary);
    if (!in) throw IoError("cannot open text file '" + o.text_file + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  if (o.text == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return o.text;
}

int run_tokenize(const TokenizeOptions& o) {
  const auto file = gguf::File::open(o.model);
  const auto tok = tokenizer::Tokenizer::from_gguf(file);
  const std::string text = read_input(o);
  const auto ids = tok.encode(text, /*add_special=*/!o.no_bos, /*parse_special=*/!o.no_special);

  nlohmann::ordered_json out;  // keys in the documented order
  if (o.json) {
    nlohmann::ordered_json pieces = nlohmann::ordered_json::array();
    for (const int32_t id : ids) pieces.push_back(tok.token_to_piece(id, /*render_special=*/true));
    out = {{"tokens", ids}, {"pieces", pieces}, {"n_tokens", ids.size()}};
  } else {
    out = ids;
  }
  const std::string line = out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

void register_tokenize(CLI::App& app, Handler& handler) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
  cmd->add_option("MODEL", opts->model, "GGUF file with a tokenizer (a model or a vocab-only file)")
      ->required();
  auto* text = cmd->add_option("TEXT", opts->text, "Text to tokenize ('-' reads standard input)");
  auto* file = cmd->add_option("--text-file", opts->text_file, "Read the text from this file");
  text->excludes(file);
  cmd->add_flag("--no-bos", opts->no_bos, "Do not add BOS/EOS tokens");
  cmd->add_flag("--no-special", opts->no_special, "Treat special-token text as plain text");
  cmd->add_flag("--json", opts->json, "Print {\"tokens\", \"pieces\", \"n_tokens\"}");
  cmd->callback([&handler, opts, text, file] {
    if (text->count() == 0 && file->count() == 0) {
      throw CLI::ValidationError("tokenize", "give the text as TEXT, '-' for standard input, or --text-file F");
    }
    handler = [opts] { return run_tokenize(*opts); };
  });
}

}  // namespace hearth::cli

// hearth tokenize MODEL (--text-file F | TEXT) [--no-bos] [--no-special] [--json] [--jsonl]
//
// Prints the token ids of the text as a one-line JSON array. By default BOS
// (and EOS) are added as the vocabulary says and special-token text such as
// "<|begin_of_text|>" is parsed into its id. TEXT "-" reads standard input.
// --json prints {"tokens":[...],"pieces":[...],"n_tokens":N} instead, where
// each piece is the token's text (special tokens rendered; bytes that are not
// valid UTF-8 on their own shown as U+FFFD).
// --jsonl tokenizes many texts with one load of the vocabulary: the input is
// JSON lines, each a JSON string (blank lines skipped), and each gets its
// output line, in order, as soon as it is read; a line that is not a JSON
// string stops the run with an error naming it (the lines before it are out).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_text.h"
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
  bool jsonl = false;
};

std::string read_input(const TokenizeOptions& o) {
  if (!o.text_file.empty()) {
    return read_file_text(o.text_file, "text file");
  }
  if (o.text == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return o.text;
}

// One text's output line: the ids, or with --json the object.
void print_tokens(const tokenizer::Tokenizer& tok, const std::string& text, const TokenizeOptions& o) {
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
}

// --jsonl: a line per JSON string of `in`, written as it is read.
void print_lines(const tokenizer::Tokenizer& tok, std::istream& in, const std::string& source,
                 const TokenizeOptions& o) {
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!value.is_string()) {
      throw FormatError(source + ", line " + std::to_string(n) + ": " +
                        (value.is_discarded() ? "not valid JSON" : "a JSON " + std::string(value.type_name())) +
                        "; --jsonl wants one JSON string per line, such as \"Hello world\"");
    }
    print_tokens(tok, value.get<std::string>(), o);
  }
  if (in.bad()) throw IoError("cannot read " + source);
}

int run_tokenize(const TokenizeOptions& o) {
  const auto file = gguf::File::open(o.model);
  const auto tok = tokenizer::Tokenizer::from_gguf(file);
  if (!o.jsonl) {
    print_tokens(tok, read_input(o), o);
    return 0;
  }
  if (!o.text_file.empty()) {
    std::ifstream in(o.text_file, std::ios::binary);
    if (!in) throw IoError(o.text_file + ": cannot open the text file");
    print_lines(tok, in, "'" + o.text_file + "'", o);
  } else {
    print_lines(tok, std::cin, "standard input", o);
  }
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
  cmd->add_flag("--jsonl", opts->jsonl,
                "Many texts, one load: the input ('-' or --text-file) is JSON lines, each a JSON string; "
                "prints one line per string");
  cmd->callback([&handler, opts, text, file] {
    if (text->count() == 0 && file->count() == 0) {
      throw CLI::ValidationError("tokenize", "give the text as TEXT, '-' for standard input, or --text-file F");
    }
    if (opts->jsonl && file->count() == 0 && opts->text != "-") {
      throw CLI::ValidationError("tokenize", "--jsonl reads JSON lines from '-' (standard input) or --text-file F");
    }
    handler = [opts] { return run_tokenize(*opts); };
  });
}

}  // namespace hearth::cli

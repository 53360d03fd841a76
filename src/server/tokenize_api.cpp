#include "server/tokenize_api.h"

#include <string_view>

#include "core/utf8.h"
#include "server/api_error.h"
#include "server/json_fields.h"

namespace hearth::server {

namespace {

using json = nlohmann::ordered_json;

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_char_len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// A piece as llama-server shows it: the text, or its bytes when the token
// is part of a multi-byte character (not valid UTF-8 by itself).
json piece_json(const std::string& piece) {
  if (valid_utf8(piece)) return piece;
  json bytes = json::array();
  for (const char c : piece) bytes.push_back(static_cast<unsigned char>(c));
  return bytes;
}

}  // namespace

HttpReply tokenize(const ModelService& model, const HttpRequest& req) {
  const json b = parse_body(req.body);
  const Fields f(b);
  const auto content = f.string("content");
  if (!content) throw bad_request("content is required", "content");
  const bool add_special = f.boolean("add_special").value_or(false);
  const bool parse_special = f.boolean("parse_special").value_or(true);
  const bool with_pieces = f.boolean("with_pieces").value_or(false);
  const auto& tok = model.tokenizer();
  const std::vector<int32_t> ids = tok.encode(*content, add_special, parse_special);
  json tokens = json::array();
  for (const int32_t id : ids) {
    if (with_pieces) {
      tokens.push_back({{"id", id}, {"piece", piece_json(tok.token_to_piece(id, /*render_special=*/true))}});
    } else {
      tokens.push_back(id);
    }
  }
  return json_reply({{"tokens", tokens}});
}

HttpReply detokenize(const ModelService& model, const HttpRequest& req) {
  const json b = parse_body(req.body);
  if (!b.contains("tokens") || !b["tokens"].is_array()) throw bad_request("tokens must be an array of token ids", "tokens");
  const int32_t n_vocab = model.tokenizer().n_vocab();
  std::vector<int32_t> ids;
  for (const auto& t : b["tokens"]) {
    if (!t.is_number_integer()) throw bad_request("tokens must be an array of integer token ids", "tokens");
    const auto id = t.get<int64_t>();
    if (id < 0 || id >= n_vocab) {
      throw bad_request("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                            std::to_string(n_vocab - 1) + ")",
                        "tokens");
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return json_reply({{"content", model.tokenizer().decode(ids, /*render_special=*/true)}});
}

}  // namespace hearth::server

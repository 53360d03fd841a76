// llama-server's tokenizer endpoints:
//
//   POST /tokenize   {"content": "...", "add_special": false, "parse_special": true, "with_pieces": false}
//                    -> {"tokens": [id, ...]}
//                       with_pieces: {"tokens": [{"id": id, "piece": "text" | [bytes]}, ...]}
//                       (a piece that is not valid UTF-8 on its own comes as its byte values)
//   POST /detokenize {"tokens": [id, ...]} -> {"content": "..."}  (special tokens rendered)
//
// add_special adds BOS/EOS as the vocabulary asks; parse_special turns
// special-token text ("<s>") into its id. A token id outside the vocabulary,
// or a field of the wrong type, is a 400 naming it.
#pragma once

#include "server/http_types.h"
#include "server/model_service.h"

namespace hearth::server {

HttpReply tokenize(const ModelService& model, const HttpRequest& req);
HttpReply detokenize(const ModelService& model, const HttpRequest& req);

}  // namespace hearth::server

// Embeddings: OpenAI's POST /v1/embeddings and Ollama's POST /api/embed,
// over one shared core.
//
// An embedding is the mean over the input's tokens of the model's final
// hidden state (rms_norm(x) * output_norm, what the output head
// multiplies), L2-normalised: n_embd floats of length 1 (engine/embedding.h).
// Strings are tokenized as completion prompts are (BOS when the vocabulary
// adds one; special-token syntax stays text); token-id inputs are used as
// given. Each input is one request through the scheduler, so embeddings
// batch with generation and obey the same context limit; at most
// Limits::embedding_inputs_in_flight inputs of one request are queued at a
// time, the next submitted as earlier ones finish.
//
// OpenAI: input = string | [string] | [int] | [[int]]; encoding_format
// float (default) | base64 (little-endian float32); dimensions must equal
// n_embd (no truncation of vectors); usage.prompt_tokens = all inputs'
// tokens. An input longer than the context: 400 context_length_exceeded
// with both numbers.
//
// Ollama: input = string | [string]; truncate (Ollama's default true) is
// honoured only when given explicitly as true: the input is cut to the
// context's length (its first n_ctx tokens). Absent or false, a too-long
// input is a 400 with both numbers: hearth never truncates silently.
// Errors in Ollama's shape {"error": "..."}.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/config.h"
#include "server/http_types.h"
#include "server/model_service.h"

namespace hearth::server {

HttpReply openai_embeddings(ModelService& model, const Limits& limits, const HttpRequest& req);
HttpReply ollama_embed(ModelService& model, const Limits& limits, const HttpRequest& req);

// The `input` field as token ids, one vector per input: strings tokenized,
// token ids checked against the vocabulary (allow_ids: OpenAI's id forms).
// Throws a 400 ApiError for a bad shape, an empty input, an id outside the
// vocabulary or more than Limits::max_embedding_inputs inputs.
std::vector<std::vector<int32_t>> embedding_inputs(const nlohmann::ordered_json& input, const ModelService& model,
                                                   const Limits& limits, bool allow_ids);

}  // namespace hearth::server

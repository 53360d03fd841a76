// Errors at the HTTP boundary, in OpenAI's shape:
//   {"error": {"message": "...", "type": "...", "param": null|"...", "code": null|"..."}}
// Library errors (hearth::Error and kin) are mapped to an ApiError by
// to_api_error(), so every handler failure reaches the client typed.
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"
#include "server/http_types.h"

namespace hearth::server {

class ApiError : public Error {
 public:
  ApiError(int status, std::string type, const std::string& message, std::string param = {},
           std::string code = {})
      : Error(message), status_(status), type_(std::move(type)), param_(std::move(param)), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 invalid_request_error naming the offending field.
ApiError bad_request(const std::string& message, const std::string& param = {});

// JSON text that cannot fail: error messages quote request bytes, which need
// not be UTF-8 (JSON parse errors, command-line values); such bytes are
// written as U+FFFD instead of making dump() throw. Every error body uses it.
std::string json_text(const nlohmann::ordered_json& j);

// A 200 reply of JSON: json_text(j) (decoded text may end inside a
// character: its bytes become U+FFFD rather than failing the reply).
HttpReply json_reply(const nlohmann::ordered_json& j);

// The JSON text of the error body (OpenAI's shape).
std::string error_body(const ApiError& e);

// How a dialect writes an error body (error_body above, anthropic::error_body,
// ollama::error_body): routes carry theirs so every error, from auth to a
// failed generation, reaches a client in the shape its SDK parses.
using ErrorBody = std::string (*)(const ApiError&);

// A complete reply for the error (Retry-After added for 503).
HttpReply error_reply(const ApiError& e, int retry_after_s = 1, ErrorBody body = error_body);

// Maps an exception from a handler: ApiError as is, ContextFullError 400
// (code context_length_exceeded), QueueFullError 503, FormatError and
// UnsupportedError 400, other hearth::Error 400, anything else 500.
ApiError to_api_error(const std::exception& e);

}  // namespace hearth::server

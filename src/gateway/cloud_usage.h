// The token counts a cloud reports for one answer, read from what it sent:
// a JSON answer's "usage", or for a stream (server-sent events) the last
// event carrying one (OpenAI sends it only when asked with
// stream_options.include_usage). Both dialects' names are read:
// prompt_tokens / completion_tokens (OpenAI), input_tokens / output_tokens (Anthropic).
#pragma once

#include <cstdint>
#include <string>

namespace hearth::gateway {

struct CloudUsage {
  bool known = false;  // false: the answer carried no usage (counts are 0)
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// Never throws: an answer that is not JSON nor SSE has no known usage.
CloudUsage read_cloud_usage(const std::string& answer);

}  // namespace hearth::gateway

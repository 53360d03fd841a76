#include "sampling/params.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace hearth::sampling {
namespace {

[[noreturn]] void invalid(const char* field, const std::string& value, const char* rule) {
  throw Error(std::string("invalid sampling parameter ") + field + " = " + value + ": " + rule);
}

std::string str(float v) { return std::to_string(v); }
std::string str(int32_t v) { return std::to_string(v); }

}  // namespace

void SamplingParams::validate() const {
  if (!std::isfinite(temperature) || temperature < 0.0f)
    invalid("temperature", str(temperature), "must be finite and >= 0 (0 = greedy)");
  if (top_k < 0) invalid("top_k", str(top_k), "must be >= 0 (0 = off)");
  if (!(top_p > 0.0f && top_p <= 1.0f))  // also rejects NaN
    invalid("top_p", str(top_p), "must be in (0, 1] (1 = off)");
  if (!(min_p >= 0.0f && min_p <= 1.0f))
    invalid("min_p", str(min_p), "must be in [0, 1] (0 = off)");
  if (repeat_last_n < -1)
    invalid("repeat_last_n", str(repeat_last_n), "must be >= -1 (-1 = all, 0 = off)");
  if (!std::isfinite(repeat_penalty) || repeat_penalty <= 0.0f)
    invalid("repeat_penalty", str(repeat_penalty), "must be finite and > 0 (1 = off)");
  if (!std::isfinite(presence_penalty))
    invalid("presence_penalty", str(presence_penalty), "must be finite (0 = off)");
  if (!std::isfinite(frequency_penalty))
    invalid("frequency_penalty", str(frequency_penalty), "must be finite (0 = off)");
  if (n_probs < 0) invalid("n_probs", str(n_probs), "must be >= 0 (0 = none)");
}

}  // namespace hearth::sampling

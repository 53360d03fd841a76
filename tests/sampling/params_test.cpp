#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/error.h"
#include "sampling/params.h"
#include "sampling/sampler.h"

namespace hearth::sampling {
namespace {

TEST(SamplingParams, DefaultsAreLlamaCppsAndValid) {
  const SamplingParams p;
  EXPECT_EQ(p.temperature, 0.8f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_EQ(p.top_p, 0.95f);
  EXPECT_EQ(p.min_p, 0.05f);
  EXPECT_EQ(p.repeat_last_n, 64);
  EXPECT_EQ(p.repeat_penalty, 1.0f);
  EXPECT_FALSE(p.seed.has_value());
  EXPECT_FALSE(p.has_penalties());
  EXPECT_NO_THROW(p.validate());
}

// Each invalid field throws hearth::Error naming the field, also from the
// Sampler constructor.
TEST(SamplingParams, InvalidValuesThrowNamingTheField) {
  const std::vector<std::pair<std::string, std::function<void(SamplingParams&)>>> cases = {
      {"temperature", [](SamplingParams& p) { p.temperature = -0.1f; }},
      {"temperature", [](SamplingParams& p) { p.temperature = NAN; }},
      {"temperature", [](SamplingParams& p) { p.temperature = INFINITY; }},
      {"top_k", [](SamplingParams& p) { p.top_k = -1; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 0.0f; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 1.01f; }},
      {"top_p", [](SamplingParams& p) { p.top_p = NAN; }},
      {"min_p", [](SamplingParams& p) { p.min_p = -0.01f; }},
      {"min_p", [](SamplingParams& p) { p.min_p = 1.5f; }},
      {"repeat_last_n", [](SamplingParams& p) { p.repeat_last_n = -2; }},
      {"repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = 0.0f; }},
      {"repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = NAN; }},
      {"presence_penalty", [](SamplingParams& p) { p.presence_penalty = INFINITY; }},
      {"frequency_penalty", [](SamplingParams& p) { p.frequency_penalty = NAN; }},
      {"n_probs", [](SamplingParams& p) { p.n_probs = -1; }},
  };
  for (const auto& [field, spoil] : cases) {
    SamplingParams p;
    spoil(p);
    try {
      p.validate();
      ADD_FAILURE() << field << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field + " = "), std::string::npos) << e.what();
    }
    EXPECT_THROW(Sampler{p}, Error) << field;
  }
}

TEST(SamplingParams, EdgeValuesAreValid) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 1.0f;
  p.repeat_last_n = -1;
  p.presence_penalty = -2.0f;
  EXPECT_NO_THROW(p.validate());
  EXPECT_TRUE(p.greedy());
  EXPECT_TRUE(p.has_penalties());
}

}  // namespace
}  // namespace hearth::sampling

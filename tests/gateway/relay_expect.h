// What an UpstreamCall relaying the two-event stream "data: 1", then (later)
// "data: [DONE]" must hand over: the first event alone, before the second
// arrives, then the rest, and no failure. Shared by the plain and the TLS tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "gateway/upstream_call.h"

namespace hearth::gateway::test {

inline void expect_events_one_at_a_time(UpstreamCall& call) {
  std::string first;
  while (first.empty() && call.next(first)) {
  }
  EXPECT_EQ(first, "data: 1\n\n");  // not held back until the second event
  std::string rest;
  while (call.next(rest)) {
  }
  EXPECT_EQ(rest, "data: [DONE]\n\n");
  EXPECT_FALSE(call.failed()) << call.error();
}

}  // namespace hearth::gateway::test

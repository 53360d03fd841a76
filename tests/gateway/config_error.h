// The message parse_config throws for a gateway.toml text ("(no error)" when
// it parses), for the config tests' expectations on errors.
#pragma once

#include <string>

#include "gateway/config.h"

namespace hearth::gateway::test {

inline std::string config_error(const std::string& text) {
  try {
    parse_config(text, "gw.toml");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hearth::gateway::test

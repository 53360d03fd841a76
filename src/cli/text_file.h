// Reading a user's text file (calibration or evaluation text) whole.
#pragma once

#include <string>

namespace hearth::cli {

// The file's bytes. Throws IoError "PATH: cannot open the WHAT" when it
// cannot be read (what: "text file", "calibration text", ...).
std::string read_text_file(const std::string& path, const std::string& what = "text file");

}  // namespace hearth::cli

// A whole file's bytes, read in one go: for the text and JSON files the tools
// take (prompts, templates, tokenizer.json, configurations), which a parser
// then reads from memory. (Weights are never read this way: core/mapped_file.h.)
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hearth {

// The bytes of the file at `path`. `what` names it in errors: IoError
// "PATH: cannot open the WHAT: REASON", or "... cannot read the WHAT" (a
// directory: "...: Is a directory").
std::string read_file_text(const std::filesystem::path& path, std::string_view what);

}  // namespace hearth

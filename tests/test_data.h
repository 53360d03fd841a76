// Helpers shared by all test suites: where the fixtures are, reading files,
// and running the real hearth binary as a user would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hearth::test {

// tests/data/<rel>
std::filesystem::path data_path(const std::string& rel);
std::string read_text(const std::filesystem::path& p);
std::vector<uint8_t> read_bytes(const std::filesystem::path& p);
std::vector<float> read_f32(const std::filesystem::path& p);

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  int64_t peak_rss_bytes = -1;  // the child's peak resident set (rusage ru_maxrss), run_hearth only
};
// Runs the built hearth binary with `args` (each passed as one argv entry),
// optional stdin text. Never goes through a shell.
RunResult run_hearth(const std::vector<std::string>& args, const std::string& stdin_text = "");

// Runs hearth on a pseudo-terminal (stdin/stdout/stderr all the tty), types
// `input` and returns everything the terminal showed (echo included).
RunResult run_hearth_tty(const std::vector<std::string>& args, const std::string& input);

// A fresh empty directory under the system temp dir, removed by the caller.
std::filesystem::path temp_dir(const std::string& prefix);

}  // namespace hearth::test

namespace hearth::test {
// <repo root>/<rel>, e.g. repo_path("models/stories260K.gguf") (the built-in model).
std::filesystem::path repo_path(const std::string& rel);
// The built-in model's path, as the CLI takes it (initialised before any
// later namespace-scope variable of a file that includes this header).
inline const std::string kStories = repo_path("models/stories260K.gguf").string();
}  // namespace hearth::test

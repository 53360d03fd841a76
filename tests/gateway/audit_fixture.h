// A small audit log written through AuditLog with a fixed clock, and line
// editing helpers for the tamper tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/audit.h"

namespace hearth::gateway::test {

// 2026-11-28T10:00:00Z + `minutes`.
inline TimePoint at_minute(int minutes) {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 28} + hours{10} + std::chrono::minutes{minutes};
}

inline AuditEntry entry(const std::string& key, const std::string& model, int64_t prompt, int64_t completion,
                        double cost) {
  AuditEntry e;
  e.key_id = key;
  e.route = "*";
  e.model = model;
  e.cloud = "burst";
  e.cloud_model = "gpt-5.5";
  e.prompt_tokens = prompt;
  e.completion_tokens = completion;
  e.cost_usd = cost;
  e.request_hash = std::string(64, 'a');
  return e;
}

// Writes `pairs` request + completion pairs (2 * pairs records), one minute
// apart, alternating keys "team-a" / "team-b".
inline void write_log(const std::filesystem::path& path, int pairs) {
  int minute = 0;
  AuditLog log(path, [&minute] { return at_minute(minute); });
  for (int i = 0; i < pairs; ++i) {
    const std::string key = i % 2 == 0 ? "team-a" : "team-b";
    const uint64_t seq = log.append_request(entry(key, "llama", 10 + i, 0, 0));
    ++minute;
    AuditEntry done = entry(key, "llama", 10 + i, 20 + i, 0.001 * (i + 1));
    done.outcome = "ok";
    log.append_completion(seq, done);
    ++minute;
  }
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline void write_lines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& l : lines) out << l << "\n";
}

inline std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_all(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace hearth::gateway::test

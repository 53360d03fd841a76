// The gateway's audit log: every request that leaves for a cloud is appended
// (and on disk) before the first byte is sent, then its completion with the
// final token counts and cost. Append-only JSON lines, each record sealing the
// previous one's hash (line format and hash: audit_record.h), so an edited,
// deleted, reordered or torn line shows in verify_audit_log().
//
// Crash safety: append returns only after the line is written and fsync'd
// (and, for a new file, its directory fsync'd too). A crash mid-write leaves a
// torn last line (no '\n'); verify reports it, and AuditLog refuses to append
// after it, so the chain is never continued past damage. What the chain alone
// cannot show: whole records cut off the end at a line boundary (keep the last
// seq elsewhere, e.g. in metrics, to catch that). One process writes a log
// file (the chain lives in its memory): give each gateway replica its own file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit_record.h"
#include "gateway/clock.h"

namespace hearth::gateway {

class AuditLog {
 public:
  // Opens `path` for appending, creating it when absent. An existing log goes
  // on from its last record, whose line is checked (complete, parses, hash
  // matches) — a torn or corrupt tail throws FormatError naming the file and
  // saying to run `hearth audit verify`. IoError when the OS refuses.
  explicit AuditLog(std::filesystem::path path, Clock clock = system_clock());
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends a "request" record and fsyncs it; returns its seq. Call before
  // the request is sent. Thread-safe (one writer at a time). Throws IoError
  // when the write or fsync fails; after that the log refuses further appends
  // (its tail may be torn) until reopened.
  uint64_t append_request(const AuditEntry& entry);
  // Appends a "completion" record for the request record `request_seq`
  // (which must already be in the log), with the final counts, cost and outcome.
  uint64_t append_completion(uint64_t request_seq, const AuditEntry& entry);

  uint64_t last_seq() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  uint64_t append(const std::string& type, uint64_t ref, const AuditEntry& entry);

  std::filesystem::path path_;
  Clock clock_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
  bool broken_ = false;  // a write failed: the tail may be torn
};

struct AuditVerdict {
  bool ok = false;
  uint64_t records = 0;   // good records read (all of them when ok)
  uint64_t bad_line = 0;  // 1-based line of the first problem; 0 when ok
  std::string reason;     // "hash mismatch ...", "broken chain ...", "seq gap ...", "bad JSON ...", "torn line ..."
};

// Reads the whole log and checks every line and the chain. Throws IoError
// only when the file cannot be read; damage is a verdict, not an exception.
AuditVerdict verify_audit_log(const std::filesystem::path& path);

// Empty strings and absent times match everything.
struct AuditFilter {
  std::optional<TimePoint> since;  // records at or after this time
  std::optional<TimePoint> until;  // records before this time
  std::string key_id, route, cloud;
  std::string model;  // matches the requested model or the cloud model
};

struct AuditSummary {
  uint64_t requests = 0;     // "request" records
  uint64_t completions = 0;  // "completion" records
  int64_t prompt_tokens = 0, completion_tokens = 0;  // summed over completions (the final counts)
  double cost_usd = 0;                               // summed over completions
};

struct AuditQueryResult {
  std::vector<AuditRecord> records;  // in log order
  AuditSummary summary;
};

// The records matching `filter`. Each line is checked as it is read; a bad
// one throws FormatError naming the file and line (run verify for the chain).
AuditQueryResult query_audit_log(const std::filesystem::path& path, const AuditFilter& filter);

}  // namespace hearth::gateway

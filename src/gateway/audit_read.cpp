// verify_audit_log and query_audit_log: the readers of audit.h.
#include <string>

#include "core/error.h"
#include "gateway/audit.h"
#include "gateway/audit_lines.h"

namespace hearth::gateway {

AuditVerdict verify_audit_log(const std::filesystem::path& path) {
  AuditVerdict v;
  std::string prev_hash(kAuditGenesis);
  uint64_t prev_seq = 0;
  for_each_audit_line(path, [&](uint64_t line, std::string_view text, bool complete) {
    const auto fail = [&](std::string reason) {
      v.bad_line = line;
      v.reason = std::move(reason);
      return false;
    };
    if (!complete) return fail("torn line: the last line has no newline (a write was cut short)");
    AuditRecord r;
    try {
      r = parse_audit_record(text);
    } catch (const FormatError& e) {
      return fail(e.what());
    }
    if (r.prev_hash != prev_hash) {
      return fail(line == 1 ? "broken chain: the first record's prev_hash is not the genesis value"
                            : "broken chain: prev_hash does not match the hash of line " + std::to_string(line - 1) +
                                  " (a record was deleted, inserted or moved)");
    }
    if (r.seq != prev_seq + 1) {
      return fail("seq gap: expected seq " + std::to_string(prev_seq + 1) + ", found " + std::to_string(r.seq));
    }
    if (r.type == "completion" && (r.ref == 0 || r.ref >= r.seq)) {
      return fail("completion refers to seq " + std::to_string(r.ref) + ", which is not an earlier record");
    }
    prev_hash = r.hash;
    prev_seq = r.seq;
    ++v.records;
    return true;
  });
  v.ok = v.bad_line == 0;
  return v;
}

namespace {

bool matches(const AuditRecord& r, const AuditFilter& f) {
  const AuditEntry& e = r.entry;
  if (!f.key_id.empty() && e.key_id != f.key_id) return false;
  if (!f.route.empty() && e.route != f.route) return false;
  if (!f.cloud.empty() && e.cloud != f.cloud) return false;
  if (!f.model.empty() && e.model != f.model && e.cloud_model != f.model) return false;
  if (f.since || f.until) {
    const TimePoint t = parse_rfc3339(r.time);
    if (f.since && t < *f.since) return false;
    if (f.until && t >= *f.until) return false;
  }
  return true;
}

}  // namespace

AuditQueryResult query_audit_log(const std::filesystem::path& path, const AuditFilter& filter) {
  AuditQueryResult out;
  for_each_audit_line(path, [&](uint64_t line, std::string_view text, bool complete) {
    const std::string where = path.string() + ":" + std::to_string(line) + ": ";
    if (!complete) throw FormatError(where + "torn line (run `hearth audit verify " + path.string() + "`)");
    AuditRecord r;
    try {
      r = parse_audit_record(text);
      if (!matches(r, filter)) return true;
    } catch (const FormatError& e) {
      throw FormatError(where + e.what() + " (run `hearth audit verify " + path.string() + "`)");
    }
    AuditSummary& s = out.summary;
    if (r.type == "request") {
      ++s.requests;
    } else {
      ++s.completions;
      s.prompt_tokens += r.entry.prompt_tokens;
      s.completion_tokens += r.entry.completion_tokens;
      s.cost_usd += r.entry.cost_usd;
    }
    out.records.push_back(std::move(r));
    return true;
  });
  return out;
}

}  // namespace hearth::gateway

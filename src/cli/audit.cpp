// hearth audit verify FILE [--json]
// hearth audit query FILE [--since T] [--until T] [--key K] [--route R] [--model M] [--cloud C] [--json]
//
// The gateway's audit log (gateway/audit.h): `verify` checks every line and
// the hash chain (exit 0 when intact, 1 naming the first bad line and why);
// `query` lists the records matching the filters and sums them (requests,
// final token counts, cost).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "gateway/audit.h"

namespace hearth::cli {
namespace {

using Json = nlohmann::ordered_json;

struct AuditOptions {
  std::string file;
  std::string since, until, key, route, model, cloud;
  bool json = false;
};

int run_verify(const AuditOptions& o) {
  const gateway::AuditVerdict v = gateway::verify_audit_log(o.file);
  if (o.json) {
    Json out = {{"file", o.file}, {"ok", v.ok}, {"records", v.records}};
    if (!v.ok) {
      out["bad_line"] = v.bad_line;
      out["reason"] = v.reason;
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else if (v.ok) {
    std::printf("%s: ok, %llu records, hash chain intact\n", o.file.c_str(),
                static_cast<unsigned long long>(v.records));
  } else {
    std::printf("%s: TAMPERED or damaged at line %llu: %s (%llu good records before it)\n", o.file.c_str(),
                static_cast<unsigned long long>(v.bad_line), v.reason.c_str(),
                static_cast<unsigned long long>(v.records));
  }
  return v.ok ? 0 : 1;
}

gateway::AuditFilter filter_of(const AuditOptions& o) {
  gateway::AuditFilter f;
  if (!o.since.empty()) f.since = gateway::parse_rfc3339(o.since);
  if (!o.until.empty()) f.until = gateway::parse_rfc3339(o.until);
  f.key_id = o.key;
  f.route = o.route;
  f.model = o.model;
  f.cloud = o.cloud;
  return f;
}

Json summary_json(const gateway::AuditSummary& s) {
  return {{"requests", s.requests},
          {"completions", s.completions},
          {"prompt_tokens", s.prompt_tokens},
          {"completion_tokens", s.completion_tokens},
          {"cost_usd", s.cost_usd}};
}

void print_records(const gateway::AuditQueryResult& q) {
  std::printf("%-6s %-24s %-10s %-12s %-24s %8s %8s %10s\n", "seq", "time", "type", "key", "model -> cloud",
              "prompt", "output", "cost $");
  for (const gateway::AuditRecord& r : q.records) {
    const gateway::AuditEntry& e = r.entry;
    const std::string models = e.model + " -> " + e.cloud + "/" + e.cloud_model;
    std::printf("%-6llu %-24s %-10s %-12s %-24s %8lld %8lld %10.6f\n", static_cast<unsigned long long>(r.seq),
                r.time.c_str(), r.type.c_str(), e.key_id.c_str(), models.c_str(),
                static_cast<long long>(e.prompt_tokens), static_cast<long long>(e.completion_tokens), e.cost_usd);
  }
  const gateway::AuditSummary& s = q.summary;
  std::printf("%llu records: %llu requests, %llu completed; tokens %lld prompt + %lld output; cost $%.6f\n",
              static_cast<unsigned long long>(q.records.size()), static_cast<unsigned long long>(s.requests),
              static_cast<unsigned long long>(s.completions), static_cast<long long>(s.prompt_tokens),
              static_cast<long long>(s.completion_tokens), s.cost_usd);
}

int run_query(const AuditOptions& o) {
  const gateway::AuditQueryResult q = gateway::query_audit_log(o.file, filter_of(o));
  if (!o.json) {
    print_records(q);
    return 0;
  }
  Json records = Json::array();
  for (const gateway::AuditRecord& r : q.records) records.push_back(gateway::audit_record_json(r));
  const Json out = {{"file", o.file}, {"records", records}, {"summary", summary_json(q.summary)}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

void register_audit(CLI::App& app, Handler& handler) {
  auto* cmd = app.add_subcommand("audit", "Check and search the gateway's audit log (hash-chained JSON lines)");
  cmd->require_subcommand(1);

  auto v = std::make_shared<AuditOptions>();
  auto* verify = cmd->add_subcommand(
      "verify", "Check every record and the hash chain; exit 0 when intact, 1 naming the first bad line");
  verify->add_option("FILE", v->file, "The audit log (JSON lines)")->required();
  verify->add_flag("--json", v->json, "Print {file, ok, records, bad_line, reason} as JSON");
  verify->callback([v, &handler] { handler = [v] { return run_verify(*v); }; });

  auto q = std::make_shared<AuditOptions>();
  auto* query = cmd->add_subcommand("query", "List the records matching the filters, with totals of tokens and cost");
  query->add_option("FILE", q->file, "The audit log (JSON lines)")->required();
  query->add_option("--since", q->since, "Records at or after this time (RFC 3339, e.g. 2026-11-28 or 2026-11-28T09:00:00Z)");
  query->add_option("--until", q->until, "Records before this time (RFC 3339)");
  query->add_option("--key", q->key, "Only this gateway key id");
  query->add_option("--route", q->route, "Only this route (its model pattern)");
  query->add_option("--model", q->model, "Only this model (the one asked for, or the cloud model)");
  query->add_option("--cloud", q->cloud, "Only this cloud upstream");
  query->add_flag("--json", q->json, "Print {file, records[], summary {requests, completions, prompt_tokens, "
                                     "completion_tokens, cost_usd}} as JSON");
  query->callback([q, &handler] { handler = [q] { return run_query(*q); }; });
}

}  // namespace hearth::cli

// The JSON API behind the /tools pages: the answers of `hearth plan`, `fit`,
// `cost` and `tokens --json`, built by the same functions
// (plan/queries.h, plan/report_json.h), so a page shows what the command
// line prints for the same inputs.
//
//   GET  /tools/api/options  catalog shapes, file types, KV types, hardware
//                            and the served models, for the forms
//   POST /tools/api/plan     {model (a served model) | shape [, type], ctx,
//                            kv_type, parallel, batch, hardware, gpus,
//                            finetune, rank, finetune_seq}
//   POST /tools/api/fit      {hardware, gpus, ctx}
//   POST /tools/api/cost     {model | shape [, type] | tok_s, price, power_w,
//                            electricity, utilization, amortization_months,
//                            input_ratio, hardware, gpus, parallel, ctx}
//   POST /tools/api/tokens   {model (optional when one is served), text |
//                            messages, ctx}: counted with the served model's
//                            tokenizer and chat template, as a chat request
//                            to it would be
// Fields are the CLI's flags ("--kv-type" is "kv_type") with the CLI's
// defaults and ranges; an unknown or out-of-range field is a 400 naming it,
// as is an unknown shape, type or hardware (the message lists the known).
// hardware "this" is probed once per server process (bandwidth measured
// once), so its figures match a `hearth plan --hardware this` run on the
// same machine up to the measurement's noise.
#pragma once

#include <vector>

#include "server/http_types.h"
#include "server/model_files.h"
#include "server/model_service.h"

namespace hearth::server {

HttpReply tools_options(const std::vector<ModelFile>& served);
HttpReply tools_plan(const HttpRequest& req, const std::vector<ModelFile>& served);
HttpReply tools_fit(const HttpRequest& req);
HttpReply tools_cost(const HttpRequest& req, const std::vector<ModelFile>& served);
HttpReply tools_tokens(const ModelService& model, const HttpRequest& req);

}  // namespace hearth::server

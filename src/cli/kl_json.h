// The JSON fields of a KL-divergence comparison (engine::KlResult), written
// the same way by `hearth perplexity --kl-base --json` and by each row of
// `hearth quantize --report --json`.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/perplexity.h"

namespace hearth::cli {

// kl_mean, kl_stderr, kl_max (nats), top1_agreement, top1_stderr (%),
// delta_p_mean, delta_p_stderr, delta_p_rms.
inline void add_kl_fields(nlohmann::ordered_json& j, const engine::KlResult& r) {
  j["kl_mean"] = r.kl_mean;
  j["kl_stderr"] = r.kl_stderr;
  j["kl_max"] = r.kl_max;
  j["top1_agreement"] = r.top1_agreement;
  j["top1_stderr"] = r.top1_stderr;
  j["delta_p_mean"] = r.delta_p_mean;
  j["delta_p_stderr"] = r.delta_p_stderr;
  j["delta_p_rms"] = r.delta_p_rms;
}

}  // namespace hearth::cli

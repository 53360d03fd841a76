// hearth quantize --report BASE.gguf --text F [--types T,...] [--ctx N] [--json]
//
// The size/quality dial in one table: BASE quantized to each file type (into a
// temporary folder, removed after), then each result scored against BASE on
// the same text with the perplexity tool's method (engine/perplexity.h): file
// size, bits per weight, perplexity ± stderr, KL(BASE || quantized), top-1
// agreement and RMS Δp.
#pragma once

#include <string>

namespace hearth::cli {

struct QualityReportOptions {
  std::string base, text, types;  // types: comma-separated file types; empty: the default list
  int64_t ctx = 512;
  int64_t batch = 512;
  int threads = 0;
  bool json = false;
};

int run_quality_report(const QualityReportOptions& o);

}  // namespace hearth::cli

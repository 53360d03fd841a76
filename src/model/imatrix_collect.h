// Collecting an importance matrix (model/imatrix.h) by running a model over
// calibration text: for every weight matrix, the sum over all tokens of the
// squared activation entering each of its input columns, and how many token
// rows were summed. The text is cut into chunks of `chunk` tokens, each run
// as one batch from position 0 (as the reference imatrix tool does), so
// every chunk sees the same context length.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "core/thread_pool.h"
#include "model/imatrix.h"
#include "model/model.h"

namespace hearth::model {

// Called after each chunk: chunks done, of how many.
using ImatrixProgress = std::function<void(int64_t done, int64_t total)>;

// Runs min(max_chunks, tokens / chunk) chunks (max_chunks <= 0: all). Throws
// Error when the tokens do not fill one chunk (saying how many are needed).
Imatrix collect_imatrix(const Model& model, std::span<const int32_t> tokens, int64_t chunk, int64_t max_chunks,
                        ThreadPool& pool, const ImatrixProgress& progress = {});

}  // namespace hearth::model

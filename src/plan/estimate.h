// Will it run, and how fast: a model (model::ModelDims) on some hardware
// (plan/hardware.h) for a context, KV type, batch and parallel sequences.
//
// Memory comes from model/memory.h, the formulas the engine allocates with:
//   weights   the tensors' bytes (the file is mapped; per GPU, its layers)
//   kv        model::kv_store_bytes(ctx x parallel cells): 2 x n_layers x
//             n_kv_heads x head_dim x cells x bytes per value, + cell tags
//   buffers   model::forward_scratch_bytes of the largest step (a prompt
//             chunk of `batch` tokens ending at the last position)
//   overhead  model::runtime_overhead_bytes on a CPU; the CUDA context on a GPU
// Speed:
//   decode tok/s  = bandwidth x efficiency / bytes read per token
//                   (model::decode_traffic: weights once + the visible KV)
//   prefill tok/s = peak FLOP/s x efficiency / FLOP per token, where
//                   FLOP per token = 2 x matrix parameters + 4 x n_layer x
//                   n_head x head_dim x mean visible cells.
// The efficiencies are stated per device kind (kDecodeEfficiency...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/tensor_type.h"
#include "model/memory.h"
#include "plan/hardware.h"

namespace hearth::plan {

// Fractions of the bandwidth / FLOP peak reached in practice.
// CPU decode: 0.59, the mean of hearth's measured fractions of read
// bandwidth on 2 cores, the probe on huge pages (README, session 7:
// llama3.2-1b Q4_K_M 0.57, Q8_0 0.62, Q4_0 0.58). CPU prefill: hearth's pp512 Q4_K_M reaches about 0.65 of
// the int8-dot peak (cores x clock x 64 ops, plan/probe.cpp).
// GPU / unified: typical figures of mature GPU runtimes.
struct Efficiency {
  double decode = 0;
  double prefill = 0;
};
Efficiency efficiency_of(DeviceKind kind);

struct PlanRequest {
  int64_t ctx = 0;                        // per sequence; 0: the model's trained length
  TensorType kv_type = TensorType::F16;  // F16, Q8_0, Q4_0 (F32 too)
  int parallel = 1;                       // sequences decoded together (serve --parallel)
  int64_t batch = 512;                    // prompt tokens per step (engine::Session's chunk)
  int threads = 0;                        // CPU threads (attention scratch); 0: all cores
};

struct DevicePlan {
  Device device;
  int64_t first_layer = 0, n_layers = 0;  // the layers it holds
  uint64_t weights = 0, kv = 0, buffers = 0, overhead = 0;
  uint64_t total() const { return weights + kv + buffers + overhead; }
  bool fits() const { return total() <= device.usable_bytes; }
};

struct Plan {
  std::string model;                // label
  std::string hardware;             // description
  uint64_t params = 0;
  int64_t n_layer = 0, n_ctx_train = 0;
  PlanRequest request;              // ctx resolved
  uint64_t weights = 0, kv = 0, kv_windowed = 0, buffers = 0, overhead = 0;  // sums over the devices
  uint64_t total() const { return weights + kv + buffers + overhead; }
  std::vector<DevicePlan> devices;
  bool fits = false;
  int64_t max_context = 0;          // largest per-sequence context that fits (multiple of 256, or the trained length); 0: none
  double bytes_per_token = 0;       // decode traffic at the short-chat context
  double decode_tok_s = 0;          // one sequence, short chat (kShortChatContext cells visible)
  double decode_tok_s_full = 0;     // one sequence with the context full
  double decode_tok_s_total = 0;    // all `parallel` sequences together, short chat
  double prefill_tok_s = 0;         // a prompt of `batch` tokens
  Efficiency efficiency;
  std::vector<std::string> notes;
};

// Mean visible context of the "short chat" decode figure.
constexpr double kShortChatContext = 128;

// Throws hearth::Error for an impossible request (ctx <= 0 after
// resolution, parallel < 1, a hardware without devices).
Plan make_plan(const model::ModelDims& model, const Hardware& hw, PlanRequest request);

// Training memory (one device, batch 1 x seq tokens, bf16 compute, AdamW,
// gradient checkpointing per layer):
//   full   16 B/param: bf16 weights 2 + bf16 grads 2 + fp32 master 4 + Adam m, v 8
//   lora   bf16 frozen weights 2 B/param + adapters r x (n_in + n_out) per
//          matrix x 16 B
//   qlora  4-bit frozen weights 0.5625 B/param (NF4 + block scales) + adapters x 16 B
// activations = seq x (n_layer x n_embd x 2 B  [checkpoints]
//                      + (10 x n_embd + 3 x n_ff) x 2 B  [one layer recomputed]
//                      + n_vocab x 4 B  [logits])
enum class FinetuneMethod { Full, Lora, Qlora };
struct FinetuneEstimate {
  FinetuneMethod method;
  int rank = 0;
  int64_t seq = 0;
  uint64_t trainable_params = 0;
  uint64_t weights = 0, gradients = 0, optimizer = 0, activations = 0;
  uint64_t total() const { return weights + gradients + optimizer + activations; }
  std::string formula;
};
FinetuneMethod finetune_method_or_throw(const std::string& name);  // "full", "lora", "qlora"
FinetuneEstimate estimate_finetune(const model::ModelDims& model, FinetuneMethod method, int rank, int64_t seq);

}  // namespace hearth::plan

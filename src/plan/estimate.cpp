#include "plan/estimate.h"

#include <algorithm>
#include <thread>

#include "core/error.h"
#include "model/footprint.h"

namespace hearth::plan {

namespace {

struct LayerBytes {
  std::vector<uint64_t> per_layer;  // weights of blk.N
  uint64_t embd = 0;                // token_embd
  uint64_t head = 0;                // output_norm + output (+ token_embd again when tied)
};

LayerBytes layer_bytes(const model::ModelDims& m) {
  LayerBytes b;
  b.per_layer.assign(static_cast<size_t>(m.hp.n_layer), 0);
  for (const auto& t : m.tensors) {
    if (t.layer >= 0 && t.layer < m.hp.n_layer) {
      b.per_layer[static_cast<size_t>(t.layer)] += t.bytes;
    } else if (t.name == "token_embd.weight") {
      b.embd = t.bytes;
    } else {
      b.head += t.bytes;
    }
  }
  return b;
}

int threads_of(const PlanRequest& r) {
  return r.threads > 0 ? r.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// The largest forward step: with one sequence, a prompt chunk of `batch`
// tokens ending at the last cell (engine::Session); with several, the
// scheduler's prefill chunk plus one decode row per other sequence.
uint64_t step_buffers(const model::ModelDims& m, const PlanRequest& r, int64_t ctx) {
  const int64_t tokens = std::min<int64_t>(ctx, r.batch) + (r.parallel - 1);
  return model::forward_scratch_bytes(m, tokens, ctx - 1, r.parallel, threads_of(r)).total();
}

// Memory per device for a context of `ctx` cells per sequence. Layers are
// split evenly over the devices (the first ones take the remainder); the
// embedding table goes with the first layers, the output head with the last.
std::vector<DevicePlan> place(const model::ModelDims& m, const Hardware& hw, const PlanRequest& r, int64_t ctx,
                              const LayerBytes& lb) {
  const auto n_dev = static_cast<int64_t>(hw.devices.size());
  const int64_t cells = ctx * r.parallel;
  const uint64_t kv_layer = (model::kv_bytes_per_cell(m.hp, r.kv_type) / static_cast<uint64_t>(m.hp.n_layer)) *
                            static_cast<uint64_t>(cells);
  const uint64_t tags = model::kKvTagBytesPerCell * static_cast<uint64_t>(cells);
  const uint64_t buffers = step_buffers(m, r, ctx);
  std::vector<DevicePlan> out;
  int64_t layer = 0;
  for (int64_t d = 0; d < n_dev; ++d) {
    DevicePlan p;
    p.device = hw.devices[static_cast<size_t>(d)];
    p.first_layer = layer;
    p.n_layers = m.hp.n_layer / n_dev + (d < m.hp.n_layer % n_dev ? 1 : 0);
    for (int64_t l = layer; l < layer + p.n_layers; ++l) p.weights += lb.per_layer[static_cast<size_t>(l)];
    layer += p.n_layers;
    if (d == 0) p.weights += lb.embd;
    if (d == n_dev - 1) p.weights += lb.head;
    p.kv = kv_layer * static_cast<uint64_t>(p.n_layers) + (d == 0 ? tags : 0);  // the tags live once
    p.buffers = buffers;
    p.overhead = p.device.kind == DeviceKind::Gpu ? p.device.overhead_bytes : model::runtime_overhead_bytes(m);
    out.push_back(p);
  }
  return out;
}

bool all_fit(const std::vector<DevicePlan>& devices) {
  return std::all_of(devices.begin(), devices.end(), [](const DevicePlan& d) { return d.fits(); });
}

// Largest ctx in [1, limit] whose placement fits (memory grows with ctx),
// rounded down to a multiple of 256 unless it is the limit itself; 0 if none.
int64_t max_fitting_context(const model::ModelDims& m, const Hardware& hw, const PlanRequest& r, int64_t limit,
                            const LayerBytes& lb) {
  const auto fits = [&](int64_t ctx) { return all_fit(place(m, hw, r, ctx, lb)); };
  if (fits(limit)) return limit;
  if (!fits(1)) return 0;
  int64_t lo = 1, hi = limit;  // fits(lo), !fits(hi)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo >= 256 ? lo / 256 * 256 : lo;
}

// Matrix parameters a token multiplies with: every 2-D tensor but the
// embedding table, which is only looked up (counted once more when tied,
// as the output projection).
double matmul_params(const model::ModelDims& m) {
  double p = 0;
  for (const auto& t : m.tensors) {
    if (t.n_rows <= 1) continue;
    if (t.name == "token_embd.weight" && !m.tied()) continue;
    p += static_cast<double>(t.n_in * t.n_rows);
  }
  return p;
}

}  // namespace

Efficiency efficiency_of(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::Cpu: return {0.59, 0.65};
    case DeviceKind::Gpu: return {0.75, 0.5};
    case DeviceKind::Unified: return {0.70, 0.5};
  }
  return {};
}

Plan make_plan(const model::ModelDims& m, const Hardware& hw, PlanRequest r) {
  if (hw.devices.empty()) throw Error("hardware '" + hw.name + "' has no devices to plan for");
  if (r.parallel < 1) throw Error("--parallel must be at least 1");
  if (r.batch < 1) throw Error("the batch must be at least 1 token");
  if (r.ctx <= 0) r.ctx = m.hp.n_ctx_train;
  if (r.ctx <= 0) throw Error(m.label + " states no trained context length: pass --ctx");
  Plan p;
  p.model = m.label;
  p.hardware = hw.description;
  p.params = m.params();
  p.n_layer = m.hp.n_layer;
  p.n_ctx_train = m.hp.n_ctx_train;
  p.request = r;
  const LayerBytes lb = layer_bytes(m);
  p.devices = place(m, hw, r, r.ctx, lb);
  for (const auto& d : p.devices) {  // each device holds its own step buffers
    p.weights += d.weights;
    p.kv += d.kv;
    p.buffers += d.buffers;
    p.overhead += d.overhead;
  }
  p.fits = all_fit(p.devices);
  p.max_context = max_fitting_context(m, hw, r, std::max(r.ctx, m.hp.n_ctx_train), lb);
  p.kv_windowed = model::kv_bytes_windowed(m.hp, r.ctx * r.parallel, r.kv_type);

  // Pipeline over the devices: a token passes each in turn, so the time per
  // token is the sum of each device's bytes over its bandwidth.
  const Device& dev = hw.devices.front();
  p.efficiency = efficiency_of(dev.kind);
  const auto seconds_per_token = [&](double n_ctx, int sequences) {
    const model::DecodeTraffic t = model::decode_traffic(m, n_ctx, r.kv_type);
    const double bytes = static_cast<double>(t.weights + t.embd_row) + t.kv * sequences;
    return bytes / (dev.bandwidth_gb_s * 1e9 * p.efficiency.decode);
  };
  const double short_ctx = std::min(kShortChatContext, static_cast<double>(r.ctx));
  p.bytes_per_token = model::decode_traffic(m, short_ctx, r.kv_type).total();
  if (dev.bandwidth_gb_s > 0) {
    p.decode_tok_s = 1.0 / seconds_per_token(short_ctx, 1);
    p.decode_tok_s_full = 1.0 / seconds_per_token(static_cast<double>(r.ctx), 1);
    p.decode_tok_s_total = r.parallel / seconds_per_token(short_ctx, r.parallel);
  } else {
    p.notes.push_back("no memory bandwidth figure: decode speed unknown");
  }
  if (dev.tflops > 0) {
    const double mean_visible = static_cast<double>(std::min(r.batch, r.ctx)) / 2.0;
    const double flop = 2.0 * matmul_params(m) + 4.0 * static_cast<double>(m.hp.n_layer * m.hp.n_head * m.hp.head_dim) *
                                                     mean_visible;
    const double peak = dev.tflops * 1e12;  // a pipeline keeps one device busy at a time
    p.prefill_tok_s = peak * p.efficiency.prefill / flop;
  } else {
    p.notes.push_back("no FLOP peak figure: prefill speed unknown");
  }
  if (m.hp.sliding_window > 0) {
    p.notes.push_back("sliding-window layers: hearth keeps every cell in them; a windowed cache would need " +
                      std::to_string(p.kv_windowed >> 20) + " MiB of KV");
  }
  if (r.ctx > m.hp.n_ctx_train) {
    p.notes.push_back("--ctx is beyond the trained length " + std::to_string(m.hp.n_ctx_train));
  }
  if (r.kv_type != TensorType::F16 && r.kv_type != TensorType::Q8_0 && r.kv_type != TensorType::F32) {
    p.notes.push_back("hearth runs KV caches in f16, q8_0 or f32; " + std::string(tensor_type_name(r.kv_type)) +
                      " is sized for planning only");
  }
  return p;
}

FinetuneMethod finetune_method_or_throw(const std::string& name) {
  if (name == "full") return FinetuneMethod::Full;
  if (name == "lora") return FinetuneMethod::Lora;
  if (name == "qlora") return FinetuneMethod::Qlora;
  throw Error("unknown --finetune method '" + name + "' (full, lora or qlora)");
}

FinetuneEstimate estimate_finetune(const model::ModelDims& m, FinetuneMethod method, int rank, int64_t seq) {
  if (rank < 1) throw Error("--rank must be at least 1");
  if (seq < 1) throw Error("the training sequence length must be at least 1");
  FinetuneEstimate e;
  e.method = method;
  e.rank = rank;
  e.seq = seq;
  const auto params = static_cast<double>(m.params());
  uint64_t adapters = 0;
  for (const auto& t : m.tensors) {
    if (t.layer >= 0 && t.n_rows > 1) adapters += static_cast<uint64_t>(rank) * (t.n_in + t.n_rows);
  }
  const auto& hp = m.hp;
  e.activations = static_cast<uint64_t>(seq) *
                  static_cast<uint64_t>(hp.n_layer * hp.n_embd * 2 + (10 * hp.n_embd + 3 * hp.n_ff) * 2 + hp.n_vocab * 4);
  switch (method) {
    case FinetuneMethod::Full:
      e.trainable_params = m.params();
      e.weights = static_cast<uint64_t>(params * 2);
      e.gradients = static_cast<uint64_t>(params * 2);
      e.optimizer = static_cast<uint64_t>(params * 12);
      e.formula = "16 B/param (bf16 weights 2 + bf16 grads 2 + fp32 master 4 + AdamW m,v 8) + activations";
      break;
    case FinetuneMethod::Lora:
    case FinetuneMethod::Qlora:
      e.trainable_params = adapters;
      e.weights = static_cast<uint64_t>(params * (method == FinetuneMethod::Lora ? 2.0 : 0.5625)) + adapters * 2;
      e.gradients = adapters * 2;
      e.optimizer = adapters * 12;
      e.formula = std::string(method == FinetuneMethod::Lora ? "bf16 frozen weights 2 B/param"
                                                               : "NF4 frozen weights 0.5625 B/param") +
                  " + adapters r x (n_in + n_out) per layer matrix x 16 B + activations";
      break;
  }
  e.formula += "; activations = seq x (n_layer x n_embd x 2 + (10 n_embd + 3 n_ff) x 2 + n_vocab x 4) B";
  return e;
}

}  // namespace hearth::plan

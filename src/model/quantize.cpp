#include "model/quantize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <span>

#include "core/error.h"
#include "core/thread_pool.h"
#include "quant/type_traits.h"

namespace hearth::model {

namespace {

using gguf::KeyValue;
using gguf::Value;
using gguf::ValueType;

// Matrices that are never quantized, as the reference leaves them: small or
// precision-critical tensors (MoE router, learned position / token-type
// embeddings, SSM convolutions, relative-position biases, Gemma 3n's tiny
// AltUp / Laurel projections).
constexpr std::array<std::string_view, 7> kKeptMatrices{
    "ffn_gate_inp.weight", "position_embd.weight", "token_types.weight", "ssm_conv1d.weight",
    "attn_rel_b.weight",   "altup",                "laurel",
};

// Keys rewritten (at the end) or dropped: the output is one file.
bool replaced_key(const std::string& key) {
  return key == "general.quantization_version" || key == "general.file_type" || key.starts_with("split.") ||
         key.starts_with("quantize.imatrix.");
}

// Dimensions up to the last one above 1 (a [64, 1] tensor is a vector).
size_t effective_dims(const std::vector<uint64_t>& shape) {
  size_t n = shape.empty() ? 1 : shape.size();
  while (n > 1 && shape[n - 1] == 1) --n;
  return n;
}

bool is_float_type(TensorType t) { return t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16; }

bool quantizable(const gguf::Tensor& t) {
  if (effective_dims(t.shape) < 2 || t.name.ends_with("_norm.weight")) return false;
  return std::none_of(kKeptMatrices.begin(), kKeptMatrices.end(),
                      [&](std::string_view k) { return t.name.find(k) != std::string::npos; });
}

// The reference's tensor order: non-layer tensors first, by name; then by
// layer number (numerically: blk.10 after blk.9); by name within a layer.
bool output_order(const gguf::Tensor* a, const gguf::Tensor* b) {
  const int64_t la = classify_tensor(a->name, a->shape).layer;
  const int64_t lb = classify_tensor(b->name, b->shape).layer;
  if (la != lb) return la < lb;
  return a->name < b->name;
}

std::string class_name(TensorRole role) {
  switch (role) {
    case TensorRole::TokenEmbd: return "token_embd";
    case TensorRole::Output: return "output";
    case TensorRole::Norm: return "norm";
    case TensorRole::Bias: return "bias";
    case TensorRole::AttnQ: return "attn_q";
    case TensorRole::AttnK: return "attn_k";
    case TensorRole::AttnV: return "attn_v";
    case TensorRole::AttnOutput: return "attn_output";
    case TensorRole::FfnGate: return "ffn_gate";
    case TensorRole::FfnUp: return "ffn_up";
    case TensorRole::FfnDown: return "ffn_down";
    case TensorRole::Other: break;
  }
  return "other";
}

// An unsigned hyper-parameter, or nullopt when absent or stored per layer (an array).
std::optional<uint64_t> scalar_uint(const gguf::File& f, const std::string& key) {
  const Value* v = f.find(key);
  if (v == nullptr || v->type() == ValueType::ARRAY) return std::nullopt;
  return f.get_uint(key);
}

RecipeModel recipe_model(const gguf::File& f, bool has_imatrix) {
  const std::string arch = f.architecture();
  RecipeModel m;
  m.has_imatrix = has_imatrix;
  m.tied = f.find_tensor("output.weight") == nullptr;
  int64_t max_layer = -1;
  for (const auto& t : f.tensors()) max_layer = std::max(max_layer, classify_tensor(t.name, t.shape).layer);
  m.n_layer = static_cast<int64_t>(scalar_uint(f, arch + ".block_count").value_or(static_cast<uint64_t>(max_layer + 1)));
  const auto heads = scalar_uint(f, arch + ".attention.head_count");
  const auto kv_heads = scalar_uint(f, arch + ".attention.head_count_kv");
  if (heads && kv_heads && *kv_heads > 0) m.n_gqa = static_cast<int64_t>(*heads / *kv_heads);
  return m;
}

std::vector<KeyValue> output_metadata(const gguf::File& f, const QuantizeOptions& o) {
  std::vector<KeyValue> meta;
  for (const auto& kv : f.metadata()) {
    if (!replaced_key(kv.first)) meta.push_back(kv);
  }
  meta.emplace_back("general.quantization_version", Value::unsigned_int(ValueType::U32, 2));
  meta.emplace_back("general.file_type", Value::unsigned_int(ValueType::U32, static_cast<uint32_t>(o.type)));
  if (o.imatrix != nullptr) {
    const Imatrix& im = *o.imatrix;
    meta.emplace_back("quantize.imatrix.file", Value::string(o.imatrix_name));
    if (!im.datasets.empty()) meta.emplace_back("quantize.imatrix.dataset", Value::string(im.datasets.front()));
    meta.emplace_back("quantize.imatrix.entries_count",
                      Value::signed_int(ValueType::I32, static_cast<int64_t>(im.entries.size())));
    meta.emplace_back("quantize.imatrix.chunks_count", Value::signed_int(ValueType::I32, im.chunk_count));
  }
  return meta;
}

// The imatrix entry for `t` when it is quantized to a block type: checked
// against the tensor's shape (one vector per row length, per expert).
const ImatrixEntry* imatrix_for(const gguf::Tensor& t, TensorType to, const QuantizeOptions& o) {
  if (o.imatrix == nullptr || is_float_type(to)) return nullptr;
  const ImatrixEntry* e = o.imatrix->find(t.name);
  if (e == nullptr) return nullptr;
  const uint64_t n_mat = t.shape.size() > 2 ? t.shape[2] : 1;
  if (static_cast<uint64_t>(e->n_per_row) != t.row_length() || (e->n_mat != 1 && static_cast<uint64_t>(e->n_mat) != n_mat)) {
    throw FormatError("imatrix entry '" + t.name + "' has " + std::to_string(e->n_mat) + " x " +
                      std::to_string(e->n_per_row) + " values, which do not fit the tensor's rows of " +
                      std::to_string(t.row_length()) + " (was the imatrix made for another model?)");
  }
  return e;
}

TensorChoice choose(const gguf::Tensor& t, const RecipeModel& m, const QuantizeOptions& o) {
  const ShapeTensor st = classify_tensor(t.name, t.shape);
  TensorChoice c{t.name, class_name(st.role), t.shape, t.type, t.type, t.n_bytes, t.n_bytes, false};
  if (!quantizable(t)) return c;
  c.to = recipe_tensor_type(o.type, st, m);
  if (c.to == c.from) return c;
  if (!is_float_type(t.type) && !o.allow_requantize) {
    throw Error("tensor '" + t.name + "' is already quantized (" + std::string(tensor_type_name(t.type)) +
                "); quantizing it again to " + std::string(tensor_type_name(c.to)) +
                " compounds the rounding errors. Quantize from the F32/F16/BF16 original, or pass "
                "--allow-requantize to do it anyway");
  }
  if (!quant::has_kernels(t.type)) {
    throw UnsupportedError("tensor '" + t.name + "' has type " + std::string(tensor_type_name(t.type)) +
                           ", which hearth cannot dequantize");
  }
  c.bytes_out = row_bytes(layout_of(c.to), t.row_length()) * t.n_rows();
  c.uses_imatrix = imatrix_for(t, c.to, o) != nullptr;
  return c;
}

// Rows quantized per step of a worker: enough work (~64K elements) to make
// the hand-out cost negligible, small enough that the f32 scratch stays in cache.
int64_t rows_per_step(uint64_t row_length) {
  return std::max<int64_t>(1, static_cast<int64_t>(65536 / std::max<uint64_t>(row_length, 1)));
}

// Index of the first NaN / infinity in x[0, n), or n. Some quantizers would
// turn one silently into garbage scales for the whole block, so the driver
// checks every source value once (a linear pass, cheap next to quantizing).
int64_t first_non_finite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return i;
  }
  return n;
}

// Converts rows [r0, r1) of `t` to `to` into `out`. F32 rows are read in place
// from the mapping; any other source type is dequantized into `scratch` first.
void convert_rows(const gguf::Tensor& t, TensorType to, const std::vector<float>& imatrix, int64_t r0, int64_t r1,
                  uint8_t* out, std::vector<float>& scratch) {
  const auto n = static_cast<int64_t>(t.row_length());
  const uint64_t in_row = row_bytes(layout_of(t.type), t.row_length());
  const uint64_t out_row = row_bytes(layout_of(to), t.row_length());
  const int64_t rows_per_mat = t.shape.size() > 1 ? static_cast<int64_t>(t.shape[1]) : 1;
  const int64_t step = rows_per_step(t.row_length());
  for (int64_t r = r0; r < r1; r += step) {
    // A step never crosses an expert boundary, so it shares one imatrix slice.
    const int64_t mat = r / rows_per_mat;
    const int64_t rows = std::min({step, r1 - r, (mat + 1) * rows_per_mat - r});
    const uint8_t* src = t.data + static_cast<uint64_t>(r) * in_row;
    const float* x = reinterpret_cast<const float*>(src);
    if (t.type != TensorType::F32) {
      scratch.resize(static_cast<size_t>(rows * n));
      quant::dequantize(t.type, src, scratch.data(), rows * n);
      x = scratch.data();
    }
    if (const int64_t bad = first_non_finite(x, rows * n); bad < rows * n) {
      throw FormatError("row " + std::to_string(r + bad / n) + ", column " + std::to_string(bad % n) +
                        " holds " + std::to_string(x[bad]) + "; the source weights must be finite");
    }
    const float* w = nullptr;
    if (!imatrix.empty()) w = imatrix.data() + (imatrix.size() > static_cast<size_t>(n) ? mat * n : 0);
    quant::quantize(to, x, out + static_cast<uint64_t>(r) * out_row, rows, n, w);
  }
}

}  // namespace

QuantizePlan plan_quantization(const gguf::File& input, const QuantizeOptions& options) {
  const std::string where = input.name() + ": ";
  if (input.tensors().empty()) {
    throw FormatError(where + "holds no tensors (a vocabulary-only file?); quantize a model file");
  }
  const RecipeModel model = recipe_model(input, options.imatrix != nullptr);
  std::vector<const gguf::Tensor*> order;
  for (const auto& t : input.tensors()) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), output_order);

  std::vector<TensorChoice> choices;
  std::vector<gguf::TensorSpec> specs;
  for (const gguf::Tensor* t : order) {
    try {
      choices.push_back(choose(*t, model, options));
    } catch (const UnsupportedError& e) {
      throw UnsupportedError(where + e.what());
    } catch (const FormatError& e) {
      throw FormatError(where + e.what());
    } catch (const Error& e) {
      throw Error(where + e.what());
    }
    specs.push_back({t->name, choices.back().to, t->shape});
  }
  gguf::Layout layout(output_metadata(input, options), std::move(specs), input.version() >= 3 ? 3 : input.version());
  return QuantizePlan{options.type, std::move(choices), std::move(layout), input.file_size()};
}

void write_quantized(const gguf::File& input, const QuantizePlan& plan, const std::filesystem::path& output,
                     const QuantizeOptions& options, const QuantizeProgress& progress) {
  ThreadPool pool(options.n_threads);
  std::vector<std::vector<float>> scratch(static_cast<size_t>(pool.size()));
  gguf::Writer writer(output, plan.layout);
  std::vector<uint8_t> buffer;
  uint64_t written = 0;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const TensorChoice& c = plan.tensors[i];
    const gguf::Tensor& t = *input.find_tensor(c.name);
    if (c.to == c.from) {
      writer.write_tensor(c.name, {t.data, static_cast<size_t>(t.n_bytes)});
    } else {
      buffer.resize(static_cast<size_t>(c.bytes_out));
      std::vector<float> weights;
      if (const ImatrixEntry* e = c.uses_imatrix ? imatrix_for(t, c.to, options) : nullptr) weights = e->importance();
      try {
        pool.parallel_for(
            static_cast<int64_t>(t.n_rows()),
            [&](int64_t r0, int64_t r1, int thread) { convert_rows(t, c.to, weights, r0, r1, buffer.data(), scratch[thread]); },
            rows_per_step(t.row_length()));
      } catch (const Error& e) {
        throw Error(input.name() + ": tensor '" + c.name + "' (" + std::string(tensor_type_name(c.from)) + " -> " +
                    std::string(tensor_type_name(c.to)) + "): " + e.what());
      }
      writer.write_tensor(c.name, buffer);
    }
    written += c.bytes_out;
    if (progress) progress(i + 1, plan.tensors.size(), written, plan.output_size());
  }
  writer.commit();
}

}  // namespace hearth::model

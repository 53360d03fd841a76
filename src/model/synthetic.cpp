#include "model/synthetic.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <span>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/huge_pages.h"
#include "quant/type_traits.h"

namespace hearth::model {

namespace {

using gguf::Value;
using gguf::ValueType;

Value u32(int64_t v) { return Value::unsigned_int(ValueType::U32, static_cast<uint64_t>(v)); }
Value f32(double v) { return Value::floating(ValueType::F32, v); }

// The keys hearth (and the reference loader) read for this shape.
std::vector<gguf::KeyValue> shape_metadata(const ModelShape& s, FileType type) {
  const std::string a(s.arch);
  std::vector<gguf::KeyValue> kv = {
      {"general.architecture", Value::string(a)},
      {"general.name", Value::string("synthetic " + std::string(s.name))},
      {"general.file_type", u32(static_cast<int64_t>(type))},
      {a + ".vocab_size", u32(s.n_vocab)},
      {a + ".context_length", u32(s.n_ctx)},
      {a + ".embedding_length", u32(s.n_embd)},
      {a + ".block_count", u32(s.n_layer)},
      {a + ".feed_forward_length", u32(s.n_ff)},
      {a + ".attention.head_count", u32(s.n_head)},
      {a + ".attention.head_count_kv", u32(s.n_head_kv)},
      {a + ".attention.key_length", u32(s.head_dim)},
      {a + ".attention.value_length", u32(s.head_dim)},
      {a + ".rope.dimension_count", u32(s.head_dim)},
      {a + ".rope.freq_base", f32(s.rope_base)},
      {a + ".attention.layer_norm_rms_epsilon", f32(s.norm_eps)},
  };
  const ShapeRopeScaling& rs = s.rope_scaling;
  if (rs.kind != ShapeRopeScaling::Kind::None) {
    const bool llama3 = rs.kind == ShapeRopeScaling::Kind::Llama3;
    kv.push_back({a + ".rope.scaling.type", Value::string(llama3 ? "llama3" : "linear")});
    kv.push_back({a + ".rope.scaling.factor", f32(rs.factor)});
    if (llama3) {
      kv.push_back({a + ".rope.scaling.low_freq_factor", f32(rs.low_freq_factor)});
      kv.push_back({a + ".rope.scaling.high_freq_factor", f32(rs.high_freq_factor)});
      kv.push_back({a + ".rope.scaling.original_context_length", u32(rs.original_context)});
    }
  }
  if (s.rope_base_swa > 0) kv.push_back({a + ".rope.freq_base_swa", f32(s.rope_base_swa)});
  if (s.sliding_window > 0) kv.push_back({a + ".attention.sliding_window", u32(s.sliding_window)});
  if (s.query_pre_attn_scalar > 0) {
    kv.push_back({a + ".attention.query_pre_attn_scalar", f32(s.query_pre_attn_scalar)});
  }
  if (s.attn_softcap > 0) kv.push_back({a + ".attn_logit_softcapping", f32(s.attn_softcap)});
  if (s.final_softcap > 0) kv.push_back({a + ".final_logit_softcapping", f32(s.final_softcap)});
  return kv;
}

// Bytes of tiled rows handed to the writer at once.
constexpr uint64_t kTileBytes = uint64_t{1} << 20;
// Distinct random rows per (type, row length); the rest are copies.
constexpr int64_t kDistinctRows = 16;

// Quantized rows of one (type, row length), repeated to about kTileBytes.
std::vector<uint8_t> make_tile(TensorType type, int64_t row_length, std::mt19937& rng) {
  const uint64_t rb = row_bytes(layout_of(type), static_cast<uint64_t>(row_length));
  // Weights ~ N(0, 1/row_length) keep activations near unit scale.
  std::normal_distribution<float> dist(0.0f, 1.0f / std::sqrt(static_cast<float>(row_length)));
  std::vector<float> src(static_cast<size_t>(kDistinctRows * row_length));
  for (float& v : src) v = dist(rng);
  std::vector<uint8_t> rows(static_cast<size_t>(kDistinctRows * rb));
  quant::quantize(type, src.data(), rows.data(), kDistinctRows, row_length, nullptr);

  const uint64_t n_rows = std::max<uint64_t>(kDistinctRows, kTileBytes / rb / kDistinctRows * kDistinctRows);
  std::vector<uint8_t> tile(static_cast<size_t>(n_rows * rb));
  for (uint64_t off = 0; off < tile.size(); off += rows.size()) {
    std::copy(rows.begin(), rows.end(), tile.begin() + static_cast<std::ptrdiff_t>(off));
  }
  return tile;
}

// Streams one F32 vector of `value`s.
void write_constant(gguf::Writer& w, uint64_t n, float value) {
  const std::vector<float> v(static_cast<size_t>(n), value);
  w.write({reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float)});
}

// Streams `bytes` of a matrix from its tile (a whole number of rows per chunk).
void write_tiled(gguf::Writer& w, const std::vector<uint8_t>& tile, uint64_t bytes) {
  while (bytes > 0) {
    const uint64_t n = std::min<uint64_t>(bytes, tile.size());
    w.write({tile.data(), static_cast<size_t>(n)});
    bytes -= n;
  }
}

}  // namespace

gguf::Layout synthetic_layout(const ModelShape& shape, FileType type) {
  std::vector<gguf::TensorSpec> specs;
  for (const ShapeTensor& t : shape_tensors(shape)) {
    specs.push_back({t.name, recipe_tensor_type(type, t, shape.n_layer, shape.tied_embeddings), t.shape});
  }
  return gguf::Layout(shape_metadata(shape, type), std::move(specs));
}

std::unique_ptr<SyntheticModel> SyntheticModel::build(const ModelShape& shape, FileType type,
                                                      const Progress& progress, const BandChoice& bands) {
  const std::string what = "synthetic " + std::string(shape.name) + " " + std::string(file_type_name(type));
  gguf::Layout layout = synthetic_layout(shape, type);
  const std::vector<ShapeTensor> tensors = shape_tensors(shape);
  for (const auto& spec : layout.tensors()) {
    if (spec.type != TensorType::F32 && !quant::has_kernels(spec.type)) {
      throw UnsupportedError(what + ": tensor type " + std::string(tensor_type_name(spec.type)) +
                             " has no kernels");
    }
  }

  std::unique_ptr<SyntheticModel> m(new SyntheticModel());
  m->bytes_.reserve(static_cast<size_t>(layout.file_size()));  // one allocation, no regrowth
  if (huge_pages_for_weights()) advise_huge_pages(m->bytes_.data(), m->bytes_.capacity());  // before it is written
  gguf::Writer writer(m->bytes_, layout);
  std::mt19937 rng(1234);
  std::map<std::pair<TensorType, int64_t>, std::vector<uint8_t>> tiles;
  const uint64_t data_bytes = layout.file_size() - layout.data_offset();
  uint64_t done = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const ShapeTensor& t = tensors[i];
    const TensorType type_i = layout.tensors()[i].type;
    if (t.role == TensorRole::Norm || t.role == TensorRole::Bias) {
      write_constant(writer, t.n_elements(), t.role == TensorRole::Norm ? 1.0f : 0.0f);
    } else {
      const auto key = std::make_pair(type_i, static_cast<int64_t>(t.shape[0]));
      auto it = tiles.find(key);
      if (it == tiles.end()) it = tiles.emplace(key, make_tile(type_i, key.second, rng)).first;
      write_tiled(writer, it->second, layout.tensor_bytes(i));
    }
    done = (i + 1 < tensors.size()) ? layout.tensor_offset(i + 1) : data_bytes;
    if (progress) progress(done, data_bytes);
  }
  writer.commit();
  gguf::File file = gguf::File::parse(m->bytes_, what);
  m->model_ = Model::from_file(std::move(file), bands);
  return m;
}

}  // namespace hearth::model

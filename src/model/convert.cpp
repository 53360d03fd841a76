#include "model/convert.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/fp16.h"
#include "gguf/writer.h"
#include "model/convert/checkpoint.h"
#include "model/convert/hf_config.h"
#include "model/convert/hf_vocab.h"
#include "model/convert/tensor_names.h"
#include "quant/type_traits.h"

namespace hearth::model {

namespace {

using convert::Checkpoint;
using convert::HfConfig;
using gguf::SafetensorsDtype;
using gguf::Value;
using gguf::ValueType;

struct Planned {
  std::string hf_name;
  const gguf::SafetensorsTensor* src = nullptr;
  gguf::TensorSpec spec;
  int64_t permute_heads = 0;  // > 0: permute rotary rows with this many heads
};

// Element-wise widening of one source tensor to f32. Source data sits at
// arbitrary byte offsets in the mapping, so elements are read with memcpy
// (compiled to plain loads) rather than through a cast pointer.
template <typename Bits, typename Widen>
void widen_elements(const uint8_t* src, float* dst, uint64_t n, Widen widen) {
  for (uint64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, src + i * sizeof(Bits), sizeof(Bits));
    dst[i] = widen(b);
  }
}

void to_f32(const gguf::SafetensorsTensor& t, float* dst) {
  const uint64_t n = t.n_elements();
  switch (t.dtype) {
    case SafetensorsDtype::F32: std::memcpy(dst, t.data.data(), n * 4); return;
    case SafetensorsDtype::F16: widen_elements<uint16_t>(t.data.data(), dst, n, fp16_to_fp32); return;
    case SafetensorsDtype::BF16: widen_elements<uint16_t>(t.data.data(), dst, n, bf16_to_fp32); return;
    default: break;
  }
  throw UnsupportedError("tensor '" + t.name + "' has dtype " + std::string(gguf::dtype_name(t.dtype)) +
                         " (hearth converts F32, F16 and BF16 checkpoints)");
}

bool is_float_dtype(SafetensorsDtype d) {
  return d == SafetensorsDtype::F32 || d == SafetensorsDtype::F16 || d == SafetensorsDtype::BF16;
}

// Sort key: global tensors first (as the reference orders them), then blocks
// by their number, then by name.
std::pair<int64_t, std::string> order_key(const std::string& gguf_name) {
  if (gguf_name.rfind("blk.", 0) != 0) {
    const int64_t rank = gguf_name == "token_embd.weight" ? -3 : gguf_name == "output_norm.weight" ? -2 : -1;
    return {rank, gguf_name};
  }
  return {std::stoll(gguf_name.substr(4)), gguf_name};
}

std::vector<Planned> plan_tensors(const Checkpoint& ckpt, const HfConfig& cfg, TensorType type) {
  std::vector<Planned> plan;
  for (const auto& [hf_name, t] : ckpt.tensors()) {
    auto name = convert::gguf_tensor_name(hf_name);
    if (!name) continue;
    if (*name == "output.weight" && cfg.tie_word_embeddings) continue;  // the embedding serves
    if (!is_float_dtype(t->dtype)) {
      throw UnsupportedError(hf_name + ": dtype " + std::string(gguf::dtype_name(t->dtype)) +
                             " (hearth converts F32, F16 and BF16 checkpoints)");
    }
    if (t->shape.empty() || t->shape.size() > 2 || t->n_elements() == 0) {
      throw FormatError(hf_name + ": unexpected shape for a weight (" + std::to_string(t->shape.size()) + " dims)");
    }
    Planned p;
    p.hf_name = hf_name;
    p.src = t;
    p.spec.name = *name;
    p.spec.shape.assign(t->shape.rbegin(), t->shape.rend());  // GGUF: innermost first
    p.spec.type = TensorType::F32;
    if (t->shape.size() == 2) {
      p.spec.type = type;
      if (type == TensorType::Q8_0 && p.spec.shape[0] % 32 != 0) p.spec.type = TensorType::F16;
    }
    const bool is_q = name->find(".attn_q.") != std::string::npos;
    const bool is_k = name->find(".attn_k.") != std::string::npos;
    if (cfg.permute_qk() && (is_q || is_k)) {
      p.permute_heads = is_q ? cfg.n_head : cfg.n_head_kv;
      if (static_cast<int64_t>(t->shape[0]) != p.permute_heads * cfg.head_dim) {
        throw FormatError(hf_name + ": " + std::to_string(t->shape[0]) + " rows, but config.json gives " +
                          std::to_string(p.permute_heads) + " heads of " + std::to_string(cfg.head_dim));
      }
    }
    plan.push_back(std::move(p));
  }
  std::sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) {
    return order_key(a.spec.name) < order_key(b.spec.name);
  });
  const auto embd = std::find_if(plan.begin(), plan.end(), [](const Planned& p) { return p.spec.name == "token_embd.weight"; });
  if (embd == plan.end()) throw FormatError("the checkpoint has no model.embed_tokens.weight");
  if (embd->spec.shape[0] != static_cast<uint64_t>(cfg.hidden_size)) {
    throw FormatError("model.embed_tokens.weight has rows of " + std::to_string(embd->spec.shape[0]) +
                      " but config.json's hidden_size is " + std::to_string(cfg.hidden_size));
  }
  if (!cfg.tie_word_embeddings &&
      std::none_of(plan.begin(), plan.end(), [](const Planned& p) { return p.spec.name == "output.weight"; })) {
    throw FormatError("config.json says tie_word_embeddings is false but the checkpoint has no lm_head.weight");
  }
  return plan;
}

std::vector<gguf::KeyValue> model_metadata(const HfConfig& c, const std::string& name, TensorType type) {
  const std::string a = c.arch;
  std::vector<gguf::KeyValue> md;
  auto u32 = [&](const std::string& k, int64_t v) {
    md.emplace_back(k, Value::unsigned_int(ValueType::U32, static_cast<uint64_t>(v)));
  };
  auto f32 = [&](const std::string& k, double v) { md.emplace_back(k, Value::floating(ValueType::F32, v)); };
  md.emplace_back("general.architecture", Value::string(a));
  md.emplace_back("general.name", Value::string(name));
  u32(a + ".context_length", c.context_length);
  u32(a + ".embedding_length", c.hidden_size);
  u32(a + ".block_count", c.n_layer);
  u32(a + ".feed_forward_length", c.n_ff);
  u32(a + ".attention.head_count", c.n_head);
  u32(a + ".attention.head_count_kv", c.n_head_kv);
  if (c.head_dim * c.n_head != c.hidden_size) {
    u32(a + ".attention.key_length", c.head_dim);
    u32(a + ".attention.value_length", c.head_dim);
  }
  if (c.arch == "llama") u32(a + ".rope.dimension_count", c.head_dim);
  f32(a + ".rope.freq_base", c.rope_theta);
  f32(a + ".attention.layer_norm_rms_epsilon", c.rms_norm_eps);
  if (c.rope_scaling) {
    const auto& s = *c.rope_scaling;
    md.emplace_back(a + ".rope.scaling.type", Value::string(s.type));
    f32(a + ".rope.scaling.factor", s.factor);
    if (s.type == "llama3") {
      f32(a + ".rope.scaling.low_freq_factor", s.low_freq_factor);
      f32(a + ".rope.scaling.high_freq_factor", s.high_freq_factor);
      u32(a + ".rope.scaling.original_context_length", s.original_context);
    }
  }
  u32("general.file_type", file_type_of(type));
  if (type == TensorType::Q8_0) u32("general.quantization_version", 2);
  return md;
}

// Reads, permutes and encodes one tensor into `out` (its GGUF bytes).
void encode_tensor(const Planned& p, int64_t head_dim, std::vector<float>& f32, std::vector<float>& tmp,
                   std::vector<uint8_t>& out) {
  const uint64_t n = p.src->n_elements();
  f32.resize(n);
  to_f32(*p.src, f32.data());
  if (p.permute_heads > 0) {
    tmp.resize(n);
    const int64_t row_len = static_cast<int64_t>(p.spec.shape.size() == 2 ? p.spec.shape[0] : 1);
    permute_rotary_rows(f32.data(), tmp.data(), p.permute_heads, head_dim, row_len);
    f32.swap(tmp);
  }
  const auto row_len = static_cast<int64_t>(p.spec.shape[0]);
  const auto n_rows = static_cast<int64_t>(n / p.spec.shape[0]);
  const auto& layout = layout_of(p.spec.type);
  out.resize(static_cast<size_t>(n / layout.block_size * layout.type_size));
  quant::quantize(p.spec.type, f32.data(), out.data(), n_rows, row_len, nullptr);
}

}  // namespace

uint32_t file_type_of(TensorType type) {
  switch (type) {
    case TensorType::F32: return 0;
    case TensorType::F16: return 1;
    case TensorType::Q8_0: return 7;
    case TensorType::BF16: return 32;
    default: break;
  }
  throw UnsupportedError("hearth convert writes F32, F16, BF16 or Q8_0, not " +
                         std::string(tensor_type_name(type)));
}

void permute_rotary_rows(const float* src, float* dst, int64_t n_head, int64_t head_dim, int64_t row_len) {
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    for (int64_t side = 0; side < 2; ++side) {
      for (int64_t i = 0; i < half; ++i) {
        const int64_t from = h * head_dim + side * half + i;
        const int64_t to = h * head_dim + 2 * i + side;
        std::memcpy(dst + to * row_len, src + from * row_len, static_cast<size_t>(row_len) * sizeof(float));
      }
    }
  }
}

ConvertResult convert_hf_to_gguf(const ConvertOptions& o) {
  (void)file_type_of(o.type);
  const HfConfig cfg = convert::read_hf_config(o.hf_dir);
  const Checkpoint ckpt = Checkpoint::open(o.hf_dir);
  const std::vector<Planned> plan = plan_tensors(ckpt, cfg, o.type);
  const auto& embd = *std::find_if(plan.begin(), plan.end(), [](const Planned& p) { return p.spec.name == "token_embd.weight"; });
  const auto n_vocab = static_cast<int64_t>(embd.spec.shape[1]);

  std::string name = std::filesystem::absolute(o.hf_dir).lexically_normal().filename().string();
  if (name.empty()) name = std::filesystem::absolute(o.hf_dir).lexically_normal().parent_path().filename().string();
  std::vector<gguf::KeyValue> md = model_metadata(cfg, name, o.type);
  auto vocab = convert::read_hf_vocab(o.hf_dir, cfg, n_vocab);
  md.insert(md.end(), std::make_move_iterator(vocab.begin()), std::make_move_iterator(vocab.end()));

  ConvertResult r;
  r.model_type = cfg.model_type;
  r.arch = cfg.arch;
  r.shards = ckpt.files();
  r.n_vocab = n_vocab;
  for (const auto& [k, v] : md) {
    if (k == "tokenizer.ggml.model") r.tokenizer = v.as_string();
  }
  std::vector<gguf::TensorSpec> specs;
  for (const auto& p : plan) {
    specs.push_back(p.spec);
    r.n_params += p.src->n_elements();
    ++r.tensors_by_type[std::string(tensor_type_name(p.spec.type))];
  }
  r.n_tensors = static_cast<int64_t>(plan.size());

  gguf::Writer writer(o.out, gguf::Layout(std::move(md), std::move(specs)));
  r.file_size = writer.layout().file_size();
  std::vector<float> f32, tmp;
  std::vector<uint8_t> bytes;
  for (const auto& p : plan) {
    encode_tensor(p, cfg.head_dim, f32, tmp, bytes);
    writer.write_tensor(p.spec.name, bytes);
  }
  writer.commit();
  return r;
}

}  // namespace hearth::model

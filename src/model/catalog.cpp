#include "model/catalog.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace hearth::model {

namespace {

using Rope = ShapeRopeScaling;

// Llama 3.1+ rope scaling (rope_scaling in config.json, rope_type "llama3").
constexpr Rope llama3_rope(double factor) {
  return {Rope::Kind::Llama3, factor, 1.0, 4.0, 8192};
}
constexpr Rope kGemma3Rope{Rope::Kind::Linear, 8.0};

ModelShape llama(std::string_view name, std::string_view source, int64_t n_embd, int64_t n_layer,
                 int64_t n_head, int64_t n_head_kv, int64_t n_ff, bool tied, double rope_factor) {
  return {.name = name, .arch = "llama", .source = source, .n_embd = n_embd, .n_layer = n_layer,
          .n_head = n_head, .n_head_kv = n_head_kv, .head_dim = n_embd / n_head, .n_ff = n_ff,
          .n_vocab = 128256, .n_ctx = 131072, .tied_embeddings = tied, .rope_base = 500000.0,
          .rope_scaling = llama3_rope(rope_factor), .norm_eps = 1e-5};
}

ModelShape qwen25(std::string_view name, std::string_view source, int64_t n_embd, int64_t n_layer,
                  int64_t n_head, int64_t n_head_kv, int64_t n_ff, int64_t n_vocab, int64_t n_ctx,
                  bool tied, double eps) {
  return {.name = name, .arch = "qwen2", .source = source, .n_embd = n_embd, .n_layer = n_layer,
          .n_head = n_head, .n_head_kv = n_head_kv, .head_dim = n_embd / n_head, .n_ff = n_ff,
          .n_vocab = n_vocab, .n_ctx = n_ctx, .tied_embeddings = tied, .qkv_bias = true,
          .rope_base = 1000000.0, .norm_eps = eps};
}

// Qwen3 heads are 128 wide whatever n_embd is.
ModelShape qwen3(std::string_view name, std::string_view source, int64_t n_embd, int64_t n_layer,
                 int64_t n_head, int64_t n_ff, bool tied) {
  return {.name = name, .arch = "qwen3", .source = source, .n_embd = n_embd, .n_layer = n_layer,
          .n_head = n_head, .n_head_kv = 8, .head_dim = 128, .n_ff = n_ff, .n_vocab = 151936,
          .n_ctx = 40960, .tied_embeddings = tied, .qk_norm = true, .rope_base = 1000000.0,
          .norm_eps = 1e-6};
}

// Gemma 2: soft-capping, a 4096 sliding window on every other layer.
ModelShape gemma2(std::string_view name, std::string_view source, int64_t n_embd, int64_t n_layer,
                  int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t n_ff, double qpas) {
  return {.name = name, .arch = "gemma2", .source = source, .n_embd = n_embd, .n_layer = n_layer,
          .n_head = n_head, .n_head_kv = n_head_kv, .head_dim = head_dim, .n_ff = n_ff,
          .n_vocab = 256000, .n_ctx = 8192, .tied_embeddings = true, .post_norms = true,
          .rope_base = 10000.0, .norm_eps = 1e-6, .sliding_window = 4096,
          .query_pre_attn_scalar = qpas, .attn_softcap = 50.0, .final_softcap = 30.0};
}

// Gemma 3: five sliding layers then one global; the global layers use base 1e6
// (linearly scaled by 8 above 1B), the sliding ones base 1e4.
ModelShape gemma3(std::string_view name, std::string_view source, int64_t n_embd, int64_t n_layer,
                  int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t n_ff,
                  int64_t n_vocab, int64_t n_ctx, int64_t window, double qpas, Rope rope) {
  return {.name = name, .arch = "gemma3", .source = source, .n_embd = n_embd, .n_layer = n_layer,
          .n_head = n_head, .n_head_kv = n_head_kv, .head_dim = head_dim, .n_ff = n_ff,
          .n_vocab = n_vocab, .n_ctx = n_ctx, .tied_embeddings = true, .qk_norm = true,
          .post_norms = true, .rope_base = 1000000.0, .rope_base_swa = 10000.0,
          .rope_scaling = rope, .norm_eps = 1e-6, .sliding_window = window,
          .query_pre_attn_scalar = qpas};
}

std::vector<ModelShape> build_catalog() {
  std::vector<ModelShape> c;
  // Meta Llama 3.x (rope_theta 500000, llama3 rope scaling).
  c.push_back(llama("llama3.2-1b", "meta-llama/Llama-3.2-1B", 2048, 16, 32, 8, 8192, true, 32.0));
  c.push_back(llama("llama3.2-3b", "meta-llama/Llama-3.2-3B", 3072, 28, 24, 8, 8192, true, 32.0));
  c.push_back(llama("llama3.1-8b", "meta-llama/Llama-3.1-8B", 4096, 32, 32, 8, 14336, false, 8.0));
  c.push_back(llama("llama3.1-70b", "meta-llama/Llama-3.1-70B", 8192, 80, 64, 8, 28672, false, 8.0));
  // Qwen2.5 (q/k/v biases, rope_theta 1e6).
  c.push_back(qwen25("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", 896, 24, 14, 2, 4864, 151936, 32768, true, 1e-6));
  c.push_back(qwen25("qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B", 1536, 28, 12, 2, 8960, 151936, 131072, true, 1e-6));
  c.push_back(qwen25("qwen2.5-3b", "Qwen/Qwen2.5-3B", 2048, 36, 16, 2, 11008, 151936, 32768, true, 1e-6));
  c.push_back(qwen25("qwen2.5-7b", "Qwen/Qwen2.5-7B", 3584, 28, 28, 4, 18944, 152064, 131072, false, 1e-6));
  c.push_back(qwen25("qwen2.5-14b", "Qwen/Qwen2.5-14B", 5120, 48, 40, 8, 13824, 152064, 131072, false, 1e-5));
  c.push_back(qwen25("qwen2.5-32b", "Qwen/Qwen2.5-32B", 5120, 64, 40, 8, 27648, 152064, 131072, false, 1e-5));
  c.push_back(qwen25("qwen2.5-72b", "Qwen/Qwen2.5-72B", 8192, 80, 64, 8, 29568, 152064, 131072, false, 1e-5));
  // Qwen3 (per-head q/k norms, 8 KV heads of 128).
  c.push_back(qwen3("qwen3-0.6b", "Qwen/Qwen3-0.6B", 1024, 28, 16, 3072, true));
  c.push_back(qwen3("qwen3-1.7b", "Qwen/Qwen3-1.7B", 2048, 28, 16, 6144, true));
  c.push_back(qwen3("qwen3-4b", "Qwen/Qwen3-4B", 2560, 36, 32, 9728, true));
  c.push_back(qwen3("qwen3-8b", "Qwen/Qwen3-8B", 4096, 36, 32, 12288, false));
  c.push_back(qwen3("qwen3-14b", "Qwen/Qwen3-14B", 5120, 40, 40, 17408, false));
  c.push_back(qwen3("qwen3-32b", "Qwen/Qwen3-32B", 5120, 64, 64, 25600, false));
  // Mistral 7B v0.3: Llama layout, 32768 vocabulary, no sliding window.
  c.push_back({.name = "mistral-7b", .arch = "llama", .source = "mistralai/Mistral-7B-v0.3",
               .n_embd = 4096, .n_layer = 32, .n_head = 32, .n_head_kv = 8, .head_dim = 128,
               .n_ff = 14336, .n_vocab = 32768, .n_ctx = 32768, .rope_base = 1000000.0,
               .norm_eps = 1e-5});
  // Gemma 2 (query_pre_attn_scalar: 256 for 2B/9B, 144 = 4608/32 for 27B).
  c.push_back(gemma2("gemma2-2b", "google/gemma-2-2b", 2304, 26, 8, 4, 256, 9216, 256.0));
  c.push_back(gemma2("gemma2-9b", "google/gemma-2-9b", 3584, 42, 16, 8, 256, 14336, 256.0));
  c.push_back(gemma2("gemma2-27b", "google/gemma-2-27b", 4608, 46, 32, 16, 128, 36864, 144.0));
  // Gemma 3 text decoders (the 4B/12B/27B vision tower is not counted).
  c.push_back(gemma3("gemma3-1b", "google/gemma-3-1b-pt", 1152, 26, 4, 1, 256, 6912, 262144,
                     32768, 512, 256.0, Rope{}));
  c.push_back(gemma3("gemma3-4b", "google/gemma-3-4b-pt", 2560, 34, 8, 4, 256, 10240, 262208,
                     131072, 1024, 256.0, kGemma3Rope));
  c.push_back(gemma3("gemma3-12b", "google/gemma-3-12b-pt", 3840, 48, 16, 8, 256, 15360, 262208,
                     131072, 1024, 256.0, kGemma3Rope));
  c.push_back(gemma3("gemma3-27b", "google/gemma-3-27b-pt", 5376, 62, 32, 16, 128, 21504, 262208,
                     131072, 1024, 168.0, kGemma3Rope));
  // Phi-3-mini (4k): the original fuses q/k/v and gate/up into single
  // matrices; split, it is a Llama layout with 32 KV heads, so hearth runs it
  // as "llama" (same bytes and FLOPs per token).
  c.push_back({.name = "phi3-mini", .arch = "llama", .source = "microsoft/Phi-3-mini-4k-instruct",
               .n_embd = 3072, .n_layer = 32, .n_head = 32, .n_head_kv = 32, .head_dim = 96,
               .n_ff = 8192, .n_vocab = 32064, .n_ctx = 4096, .rope_base = 10000.0,
               .norm_eps = 1e-5,
               .note = "phi3 runs as llama here (q/k/v and gate/up unfused); its 2047-token "
                       "sliding window is not applied"});
  return c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

}  // namespace

const std::vector<ModelShape>& shape_catalog() {
  static const std::vector<ModelShape> catalog = build_catalog();
  return catalog;
}

const ModelShape* find_shape(std::string_view name) {
  const std::string key = lower(name);
  for (const auto& s : shape_catalog()) {
    if (s.name == key) return &s;
  }
  return nullptr;
}

std::string shape_names() {
  std::string out;
  for (const auto& s : shape_catalog()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

const ModelShape& shape_or_throw(std::string_view name) {
  if (const ModelShape* s = find_shape(name)) return *s;
  throw Error("unknown model shape '" + std::string(name) + "' (known shapes: " + shape_names() + ")");
}

uint64_t ShapeTensor::n_elements() const {
  uint64_t n = 1;
  for (const uint64_t d : shape) n *= d;
  return n;
}

std::vector<ShapeTensor> shape_tensors(const ModelShape& s) {
  using R = TensorRole;
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  std::vector<ShapeTensor> t;
  t.push_back({"token_embd.weight", R::TokenEmbd, -1, {u(s.n_embd), u(s.n_vocab)}});
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    const auto add = [&](const std::string& name, R role, std::vector<uint64_t> shape) {
      t.push_back({p + name, role, l, std::move(shape)});
    };
    add("attn_norm.weight", R::Norm, {u(s.n_embd)});
    add("attn_q.weight", R::AttnQ, {u(s.n_embd), u(s.n_embd_q())});
    add("attn_k.weight", R::AttnK, {u(s.n_embd), u(s.n_embd_kv())});
    add("attn_v.weight", R::AttnV, {u(s.n_embd), u(s.n_embd_kv())});
    add("attn_output.weight", R::AttnOutput, {u(s.n_embd_q()), u(s.n_embd)});
    if (s.qkv_bias) {
      add("attn_q.bias", R::Bias, {u(s.n_embd_q())});
      add("attn_k.bias", R::Bias, {u(s.n_embd_kv())});
      add("attn_v.bias", R::Bias, {u(s.n_embd_kv())});
    }
    if (s.qk_norm) {
      add("attn_q_norm.weight", R::Norm, {u(s.head_dim)});
      add("attn_k_norm.weight", R::Norm, {u(s.head_dim)});
    }
    if (s.post_norms) {
      add("post_attention_norm.weight", R::Norm, {u(s.n_embd)});
      add("post_ffw_norm.weight", R::Norm, {u(s.n_embd)});
    }
    add("ffn_norm.weight", R::Norm, {u(s.n_embd)});
    add("ffn_gate.weight", R::FfnGate, {u(s.n_embd), u(s.n_ff)});
    add("ffn_up.weight", R::FfnUp, {u(s.n_embd), u(s.n_ff)});
    add("ffn_down.weight", R::FfnDown, {u(s.n_ff), u(s.n_embd)});
  }
  t.push_back({"output_norm.weight", R::Norm, -1, {u(s.n_embd)}});
  if (!s.tied_embeddings) t.push_back({"output.weight", R::Output, -1, {u(s.n_embd), u(s.n_vocab)}});
  return t;
}

uint64_t shape_params(const ModelShape& shape) {
  uint64_t n = 0;
  for (const auto& t : shape_tensors(shape)) n += t.n_elements();
  return n;
}

}  // namespace hearth::model

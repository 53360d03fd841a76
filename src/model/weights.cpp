#include "model/weights.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <vector>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/huge_pages.h"
#include "core/mapped_file.h"
#include "core/thread_pool.h"
#include "gguf/file.h"
#include "quant/type_traits.h"

namespace hearth::model {

namespace {

std::string shape_str(const std::vector<uint64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class Binder {
 public:
  explicit Binder(const gguf::File& f) : f_(f) {}

  const gguf::Tensor* find(const std::string& name) const { return f_.find_tensor(name); }

  compute::WeightView matrix(const std::string& name, int64_t n_in, int64_t n_out) const {
    const gguf::Tensor* t = require(name);
    check_shape(*t, {static_cast<uint64_t>(n_in), static_cast<uint64_t>(n_out)});
    if (!quant::has_kernels(t->type) || !quant::traits(t->type).weight_type) {
      throw UnsupportedError(f_.name() + ": tensor '" + name + "' has type " +
                             std::string(tensor_type_name(t->type)) +
                             ", which hearth cannot compute with");
    }
    return {t->type, t->data, n_in, n_out, row_bytes(layout_of(t->type), static_cast<uint64_t>(n_in))};
  }

  VectorView vector(const std::string& name, int64_t n, bool optional = false) const {
    const gguf::Tensor* t = optional ? find(name) : require(name);
    if (!t) return nullptr;
    check_shape(*t, {static_cast<uint64_t>(n)});
    if (t->type != TensorType::F32) {
      throw UnsupportedError(f_.name() + ": tensor '" + name + "' is " +
                             std::string(tensor_type_name(t->type)) + ", expected F32");
    }
    if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0) {
      throw FormatError(f_.name() + ": tensor '" + name + "' is not 4-byte aligned");
    }
    return reinterpret_cast<const float*>(t->data);
  }

 private:
  const gguf::Tensor* require(const std::string& name) const {
    const gguf::Tensor* t = find(name);
    if (!t) throw FormatError(f_.name() + ": missing tensor '" + name + "'");
    return t;
  }
  void check_shape(const gguf::Tensor& t, const std::vector<uint64_t>& want) const {
    if (t.shape != want) {
      throw FormatError(f_.name() + ": tensor '" + t.name + "' has shape " + shape_str(t.shape) +
                        ", expected " + shape_str(want));
    }
  }

  const gguf::File& f_;
};

}  // namespace

Weights bind_weights(const gguf::File& file, const HParams& hp) {
  Binder b(file);
  Weights w;
  w.token_embd = b.matrix("token_embd.weight", hp.n_embd, hp.n_vocab);
  w.output_norm = b.vector("output_norm.weight", hp.n_embd);
  w.output = b.find("output.weight") ? b.matrix("output.weight", hp.n_embd, hp.n_vocab) : w.token_embd;
  w.rope_freqs = b.vector("rope_freqs.weight", hp.rope_dim / 2, /*optional=*/true);

  for (int64_t l = 0; l < hp.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    LayerWeights L;
    L.attn_norm = b.vector(p + "attn_norm.weight", hp.n_embd);
    L.wq = b.matrix(p + "attn_q.weight", hp.n_embd, hp.n_embd_q());
    L.wk = b.matrix(p + "attn_k.weight", hp.n_embd, hp.n_embd_k());
    L.wv = b.matrix(p + "attn_v.weight", hp.n_embd, hp.n_embd_v());
    L.wo = b.matrix(p + "attn_output.weight", hp.n_head * hp.head_dim_v, hp.n_embd);
    if (hp.qkv_bias) {
      L.bq = b.vector(p + "attn_q.bias", hp.n_embd_q());
      L.bk = b.vector(p + "attn_k.bias", hp.n_embd_k());
      L.bv = b.vector(p + "attn_v.bias", hp.n_embd_v());
    }
    if (hp.qk_norm) {
      L.q_norm = b.vector(p + "attn_q_norm.weight", hp.head_dim);
      L.k_norm = b.vector(p + "attn_k_norm.weight", hp.head_dim);
    }
    if (hp.post_norms) {
      L.post_attn_norm = b.vector(p + "post_attention_norm.weight", hp.n_embd);
      L.post_ffn_norm = b.vector(p + "post_ffw_norm.weight", hp.n_embd);
    }
    L.ffn_norm = b.vector(p + "ffn_norm.weight", hp.n_embd);
    L.gate = b.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff);
    L.up = b.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff);
    L.down = b.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
    w.layers.push_back(L);
  }
  return w;
}

namespace {
bool interleaving_wanted() {
  const char* v = std::getenv("HEARTH_INTERLEAVE");
  if (v == nullptr) return true;
  const std::string_view s(v);
  return !(s == "0" || s == "off" || s == "no");
}

// Whether k is one of `type`'s band kernels (its reference's or a variant
// this CPU runs).
bool is_variant_of(TensorType type, const quant::InterleavedKernels* k) {
  if (k == quant::generic_traits(type).interleaved) return true;
  const auto variants = quant::band_kernel_variants(type);
  return std::any_of(variants.begin(), variants.end(), [&](const quant::BandKernelVariant& v) { return v.kernels == k; });
}
}  // namespace

// Bytes of rows copied into bands between two releases of the file's pages.
constexpr uint64_t kInterleaveChunkBytes = uint64_t{8} << 20;

void interleave_weights(Weights& w, const BandChoice& choice) {
  if (!interleaving_wanted()) return;
  std::vector<compute::WeightView*> views{&w.output};
  // An untied token_embd stays in rows: it is read a row per token, and in
  // rows only the rows looked up occupy memory (shared page cache). Tied, it
  // is the output, read whole every step.
  if (w.output.data == w.token_embd.data) views.push_back(&w.token_embd);
  for (LayerWeights& L : w.layers) {
    for (compute::WeightView* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down}) views.push_back(m);
  }
  // Each tensor once (views may share one): a view of it, and its offset in
  // the bands' buffer.
  struct Slot {
    const compute::WeightView* view;
    const quant::InterleavedKernels* kernels;
    uint64_t offset;
  };
  std::map<const uint8_t*, Slot> offsets;
  uint64_t total = 0;
  for (const compute::WeightView* m : views) {
    const quant::InterleavedKernels* k = choice ? choice(m->type) : quant::traits(m->type).interleaved;
    if (choice && k != nullptr && !is_variant_of(m->type, k)) {
      throw Error("interleave_weights: the band kernels chosen for a " + std::string(tensor_type_name(m->type)) +
                  " matrix are not " + std::string(tensor_type_name(m->type)) + "'s");
    }
    // Bands only where a SIMD band kernel reads them: the scalar reference
    // (a CPU without AVX2) unpacks every band back into rows on every call.
    if (k == nullptr || k == quant::generic_traits(m->type).interleaved) continue;
    k = quant::bands_for(k, m->n_out);
    if (k == nullptr || offsets.contains(m->data)) continue;
    offsets[m->data] = {m, k, total};
    total += (m->row_bytes * static_cast<uint64_t>(m->n_out) + 63) / 64 * 64;
  }
  if (total == 0) return;
  w.bands = map_huge_page_buffer(total);
  ThreadPool pool(0);  // all cores: packing is ~1 s per GB on one (the K formats)
  for (const auto& [file_rows, slot] : offsets) {
    const uint8_t* rows = file_rows;  // a plain local: lambdas cannot capture structured bindings (C++20, clang)
    const uint64_t offset = slot.offset;
    const compute::WeightView* m = slot.view;
    const quant::InterleavedKernels& k = *slot.kernels;
    const uint64_t rb = m->row_bytes;
    // Chunks of whole bands, each released from the file mapping once copied
    // (the file's copy leaves memory; only the bands are read from now on),
    // so a large matrix (an output of 128k rows is a quarter of a small
    // model) is never in memory twice: the peak is the file plus a chunk
    // per thread.
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(kInterleaveChunkBytes / (rb * k.rows))) * k.rows;
    pool.parallel_for((m->n_out + chunk - 1) / chunk, [&](int64_t cb, int64_t ce, int) {
      for (int64_t c = cb; c < ce; ++c) {
        const uint64_t at = static_cast<uint64_t>(c * chunk) * rb;
        const int64_t n_rows = std::min(chunk, m->n_out - c * chunk);
        quant::interleave_rows(k, m->n_in, rows + at, w.bands.get() + offset + at, n_rows, rb);
        release_pages(rows + at, static_cast<uint64_t>(n_rows) * rb);
      }
    });
    release_pages(rows, rb * static_cast<uint64_t>(m->n_out));  // the pages chunks shared
  }
  for (compute::WeightView* m : views) {
    if (const auto it = offsets.find(m->data); it != offsets.end()) {
      m->data = w.bands.get() + it->second.offset;
      m->interleaved = it->second.kernels;
    }
  }
}

BandChoice band_choice(std::string_view name) {
  if (name == "rows") return [](TensorType) -> const quant::InterleavedKernels* { return nullptr; };
  return [want = std::string(name)](TensorType type) {
    const quant::InterleavedKernels* k = quant::band_kernel_variant(type, want);
    return k != nullptr ? k : quant::traits(type).interleaved;
  };
}

}  // namespace hearth::model

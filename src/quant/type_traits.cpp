#include "quant/type_traits.h"

#include <array>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "gguf/tensor_type.h"
#include "quant/x86/fallbacks.h"

namespace hearth::quant {

namespace {

using TT = TensorType;

#define HEARTH_GENERIC(T, fmt, dot, dot_type, weight)                                        \
  TypeTraits {                                                                               \
    TT::T, generic::dequantize_row_##fmt, generic::quantize_row_##fmt, dot, TT::dot_type, weight \
  }

constexpr TypeTraits with_bands(TypeTraits t, const InterleavedKernels* k) {
  t.interleaved = k;
  return t;
}

// The scalar reference table.
const std::array kGeneric{
    HEARTH_GENERIC(F32, f32, generic::vec_dot_f32_f32, F32, true),
    HEARTH_GENERIC(F16, f16, generic::vec_dot_f16_f16, F16, true),
    with_bands(HEARTH_GENERIC(Q4_0, q4_0, generic::vec_dot_q4_0_q8_0, Q8_0, true), &generic::q4_0_x8),
    HEARTH_GENERIC(Q4_1, q4_1, generic::vec_dot_q4_1_q8_1, Q8_1, true),
    HEARTH_GENERIC(Q5_0, q5_0, generic::vec_dot_q5_0_q8_0, Q8_0, true),
    HEARTH_GENERIC(Q5_1, q5_1, generic::vec_dot_q5_1_q8_1, Q8_1, true),
    with_bands(HEARTH_GENERIC(Q8_0, q8_0, generic::vec_dot_q8_0_q8_0, Q8_0, true), &generic::q8_0_x8),
    HEARTH_GENERIC(Q8_1, q8_1, nullptr, Q8_1, false),
    HEARTH_GENERIC(Q2_K, q2_K, generic::vec_dot_q2_K_q8_K, Q8_K, true),
    HEARTH_GENERIC(Q3_K, q3_K, generic::vec_dot_q3_K_q8_K, Q8_K, true),
    with_bands(HEARTH_GENERIC(Q4_K, q4_K, generic::vec_dot_q4_K_q8_K, Q8_K, true), &generic::q4_K_x8),
    HEARTH_GENERIC(Q5_K, q5_K, generic::vec_dot_q5_K_q8_K, Q8_K, true),
    with_bands(HEARTH_GENERIC(Q6_K, q6_K, generic::vec_dot_q6_K_q8_K, Q8_K, true), &generic::q6_K_x8),
    HEARTH_GENERIC(Q8_K, q8_K, nullptr, Q8_K, false),
    HEARTH_GENERIC(IQ4_NL, iq4_nl, generic::vec_dot_iq4_nl_q8_0, Q8_0, true),
    HEARTH_GENERIC(IQ4_XS, iq4_xs, generic::vec_dot_iq4_xs_q8_K, Q8_K, true),
    HEARTH_GENERIC(BF16, bf16, generic::vec_dot_bf16_bf16, BF16, true),
};
#undef HEARTH_GENERIC

VecDotFn avx2_dot(TT t) {
  switch (t) {
    case TT::F32: return avx2::vec_dot_f32_f32;
    case TT::F16: return avx2::vec_dot_f16_f16;
    case TT::BF16: return avx2::vec_dot_bf16_bf16;
    case TT::Q4_0: return avx2::vec_dot_q4_0_q8_0;
    case TT::Q4_1: return avx2::vec_dot_q4_1_q8_1;
    case TT::Q5_0: return avx2::vec_dot_q5_0_q8_0;
    case TT::Q5_1: return avx2::vec_dot_q5_1_q8_1;
    case TT::Q8_0: return avx2::vec_dot_q8_0_q8_0;
    case TT::Q2_K: return avx2::vec_dot_q2_K_q8_K;
    case TT::Q3_K: return avx2::vec_dot_q3_K_q8_K;
    case TT::Q4_K: return avx2::vec_dot_q4_K_q8_K;
    case TT::Q5_K: return avx2::vec_dot_q5_K_q8_K;
    case TT::Q6_K: return avx2::vec_dot_q6_K_q8_K;
    case TT::IQ4_NL: return avx2::vec_dot_iq4_nl_q8_0;
    case TT::IQ4_XS: return avx2::vec_dot_iq4_xs_q8_K;
    default: return nullptr;
  }
}

// The activation side data a type's AVX2 dot and gemm read (kernels.h).
const ActivationExtras* avx2_extras(TT t) {
  switch (t) {
    case TT::Q4_0: return &avx2::q4_0_activation_extras;
    case TT::Q8_0: return &avx2::q8_0_activation_extras;
    default: return nullptr;
  }
}

GemmFn avx2_gemm(TT t) {
  switch (t) {
    case TT::Q4_0: return avx2::gemm_q4_0_q8_0;
    case TT::Q8_0: return avx2::gemm_q8_0_q8_0;
    case TT::Q4_K: return avx2::gemm_q4_K_q8_K;
    case TT::Q6_K: return avx2::gemm_q6_K_q8_K;
    default: return nullptr;
  }
}

GemmFn avx512_gemm(TT t) {
  switch (t) {
    case TT::Q4_K: return avx512::gemm_q4_K_q8_K;
    case TT::Q6_K: return avx512::gemm_q6_K_q8_K;
    default: return nullptr;
  }
}

VecDotFn avx512_dot(TT t) {
  switch (t) {
    case TT::Q4_K: return avx512::vec_dot_q4_K_q8_K;
    case TT::Q6_K: return avx512::vec_dot_q6_K_q8_K;
    default: return nullptr;
  }
}

// A type's AVX-512 VNNI dot and gemm, and the activation side data they read.
struct VnniKernels {
  VecDotFn dot = nullptr;
  GemmFn gemm = nullptr;
  const ActivationExtras* extras = nullptr;
};
VnniKernels avx512_vnni_kernels(TT t) {
  switch (t) {
    case TT::Q4_0:
      return {avx512::vec_dot_q4_0_q8_0, avx512::gemm_q4_0_q8_0, &avx512::q4_0_activation_extras};
    default: return {};
  }
}

// Whether the table takes the AVX-512 kernels: the CPU has them, and
// HEARTH_KERNELS=avx2 does not keep them out (to compare the two on one
// machine). The AVX-512 kernels return the AVX2 bits (quant/kernels.h).
bool avx512_wanted() {
  if (!cpu_features().has_avx512_kernels()) return false;
  const char* want = std::getenv("HEARTH_KERNELS");
  return want == nullptr || std::string_view(want) != "avx2";
}

struct Table {
  std::array<TypeTraits, kGeneric.size()> best = kGeneric;
  const char* isa = "generic";

  Table() {
    if (!cpu_features().has_avx2_kernels()) return;
    isa = "avx2";
    for (const auto& k : x86::kAvx2Kernels) {
      if (!k.vec_dot) continue;
      for (auto& t : best) {
        if (t.type != k.type) continue;
        t.vec_dot = avx2_dot(k.type);
        t.act_extras = avx2_extras(k.type);
        if (const InterleavedKernels* bands = avx2_band_kernels(k.type)) t.interleaved = bands;
      }
    }
    for (auto& t : best) {
      if (t.type == TT::Q8_0) t.quantize = avx2::quantize_row_q8_0;
      if (t.type == TT::Q8_K) t.quantize = avx2::quantize_row_q8_K;
    }
    for (const TT g : x86::kAvx2Gemms) {
      for (auto& t : best) {
        if (t.type == g) t.gemm = avx2_gemm(g);
      }
    }
    if (!avx512_wanted()) return;
    isa = "avx2+avx512";
    for (const TT g : x86::kAvx512Gemms) {
      for (auto& t : best) {
        if (t.type == g) t.gemm = avx512_gemm(g);
      }
    }
    for (const TT d : x86::kAvx512Dots) {
      for (auto& t : best) {
        if (t.type == d) t.vec_dot = avx512_dot(d);
      }
    }
    for (auto& t : best) {
      if (const InterleavedKernels* bands = avx512_band_kernels(t.type)) t.interleaved = bands;
    }
    if (!cpu_features().has_avx512_vnni_kernels()) return;
    isa = "avx2+avx512vnni";
    for (const TT d : x86::kAvx512VnniDots) {
      for (auto& t : best) {
        if (t.type != d) continue;
        const VnniKernels k = avx512_vnni_kernels(d);
        t.vec_dot = k.dot;
        t.gemm = k.gemm;
        t.act_extras = k.extras;
      }
    }
    for (auto& t : best) {
      if (const InterleavedKernels* bands = avx512_vnni_band_kernels(t.type)) t.interleaved = bands;
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

template <typename Arr>
const TypeTraits* lookup(const Arr& arr, TT type) {
  for (const auto& t : arr) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

std::array<TT, kGeneric.size()> sorted_types() {
  std::array<TT, kGeneric.size()> out{};
  for (size_t i = 0; i < kGeneric.size(); ++i) out[i] = kGeneric[i].type;
  for (size_t i = 0; i < out.size(); ++i) {
    for (size_t j = i + 1; j < out.size(); ++j) {
      if (static_cast<uint32_t>(out[j]) < static_cast<uint32_t>(out[i])) std::swap(out[i], out[j]);
    }
  }
  return out;
}

}  // namespace

// A type's AVX2 band kernels. They (and the AVX-512 ones) read only the
// corrections and scales of the activation side data, which sit at the same
// offsets in the AVX-512 VNNI layout (x86/block_groups.h): they run on the
// side data of whichever ISA's dots the table picked.
const InterleavedKernels* avx2_band_kernels(TensorType t) {
  switch (t) {
    case TensorType::Q4_0: return &avx2::q4_0_x8;
    case TensorType::Q8_0: return &avx2::q8_0_x8;
    case TensorType::Q4_K: return &avx2::q4_K_x8;
    case TensorType::Q6_K: return &avx2::q6_K_x8;
    default: return nullptr;
  }
}

// A type's AVX-512 band kernels: the AVX2 ones on vectors of two bands.
const InterleavedKernels* avx512_band_kernels(TensorType t) {
  switch (t) {
    case TensorType::Q4_0: return &avx512::q4_0_x8;
    case TensorType::Q8_0: return &avx512::q8_0_x8;
    case TensorType::Q4_K: return &avx512::q4_K_x8;
    case TensorType::Q6_K: return &avx512::q6_K_x8;
    default: return nullptr;
  }
}

// With AVX-512 VNNI: the same on vpdpbusd; Q4_0 and Q8_0 in wide bands on
// Zen 4 (legacy_bands.h says why; not measured on other CPUs).
const InterleavedKernels* avx512_vnni_band_kernels(TensorType t) {
  switch (t) {
    case TensorType::Q4_0: return cpu_features().zen4 ? &avx512::q4_0_vnni_x16 : &avx512::q4_0_vnni_x8;
    case TensorType::Q8_0: return cpu_features().zen4 ? &avx512::q8_0_vnni_x16 : &avx512::q8_0_vnni_x8;
    case TensorType::Q4_K: return &avx512::q4_K_vnni_x8;
    case TensorType::Q6_K: return cpu_features().zen4 ? &avx512::q6_K_vnni_decode_x8 : &avx512::q6_K_vnni_x8;
    default: return nullptr;
  }
}

namespace {

// The AVX-512 VNNI kernels in wide bands of 16 rows, for the types that
// have them.
const InterleavedKernels* wide_vnni_band_kernels(TensorType t) {
  switch (t) {
    case TensorType::Q4_0: return &avx512::q4_0_vnni_x16;
    case TensorType::Q8_0: return &avx512::q8_0_vnni_x16;
    case TensorType::Q4_K: return &avx512::q4_K_vnni_x16;
    case TensorType::Q6_K: return &avx512::q6_K_vnni_x16;
    default: return nullptr;
  }
}

}  // namespace

std::vector<BandKernelVariant> band_kernel_variants(TensorType t) {
  std::vector<BandKernelVariant> out;
  if (const TypeTraits* picked = lookup(table().best, t); picked != nullptr && picked->interleaved != nullptr) {
    out.push_back({"table", picked->interleaved});
  }
  const CpuFeatures& cpu = cpu_features();
  const auto add = [&](const char* name, const InterleavedKernels* k) {
    if (k != nullptr) out.push_back({name, k});
  };
  if (cpu.has_avx2_kernels()) add("avx2", avx2_band_kernels(t));
  if (cpu.has_avx512_kernels()) add("avx512", avx512_band_kernels(t));
  if (cpu.has_avx512_vnni_kernels()) {
    add("avx512vnni", avx512_vnni_band_kernels(t));
    // each type's two VNNI layouts, bands of 8 rows and wide bands of 16,
    // whichever the table took (Q6_K's of 8 with the VNNI decode, the wide
    // ones' narrower kernels)
    if (const InterleavedKernels* wide = wide_vnni_band_kernels(t)) {
      add("avx512vnni-x8", wide->narrower);
      add("avx512vnni-x16", wide);
    }
    if (t == TensorType::Q6_K) {
      add("avx512vnni/avx512-decode", &avx512::q6_K_vnni_x8);
      add("avx512vnni/vnni-decode", &avx512::q6_K_vnni_decode_x8);
    }
  }
  return out;
}

const InterleavedKernels* band_kernel_variant(TensorType type, std::string_view name) {
  for (const BandKernelVariant& v : band_kernel_variants(type)) {
    if (v.name == name) return v.kernels;
  }
  return nullptr;
}

const TypeTraits& traits(TensorType type) {
  if (const TypeTraits* t = lookup(table().best, type)) return *t;
  throw UnsupportedError("tensor type " + std::string(tensor_type_name(type)) +
                         " is not supported by hearth's kernels");
}

bool has_kernels(TensorType type) { return lookup(kGeneric, type) != nullptr; }

const TypeTraits& generic_traits(TensorType type) {
  if (const TypeTraits* t = lookup(kGeneric, type)) return *t;
  throw UnsupportedError("tensor type " + std::string(tensor_type_name(type)) +
                         " is not supported by hearth's kernels");
}

const TensorType* types_with_kernels(int* count) {
  static const auto types = sorted_types();
  *count = static_cast<int>(types.size());
  return types.data();
}

const char* kernel_isa() { return table().isa; }

bool avx512_kernels_in_use() {
  static const bool in_use = avx512_wanted();
  return in_use;
}

uint64_t activation_row_bytes(const TypeTraits& tr, int64_t n) {
  if (tr.act_extras) return tr.act_extras->row_bytes(n);
  return row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(n));
}

void quantize_activation(const TypeTraits& tr, const float* x, uint8_t* row, int64_t n) {
  quantize_activation_blocks(tr, x, row, n, 0, n);  // the row as one piece
}

void add_activation_extras(const TypeTraits& tr, uint8_t* row, int64_t n) {
  if (tr.act_extras) tr.act_extras->fill(n, row, 0, n / layout_of(tr.vec_dot_type).block_size);
}

int64_t activation_piece_size(const TypeTraits& tr) {
  const int64_t block = layout_of(tr.vec_dot_type).block_size;
  return tr.act_extras ? block * tr.act_extras->piece_blocks : block;
}

void quantize_activation_blocks(const TypeTraits& tr, const float* x, uint8_t* row, int64_t n, int64_t begin,
                                int64_t end) {
  const auto& l = layout_of(tr.vec_dot_type);
  const int64_t piece = activation_piece_size(tr);
  if (begin % piece != 0 || (end % piece != 0 && end != n) || end % l.block_size != 0 || end < begin || end > n) {
    throw Error("quantize_activation_blocks: [" + std::to_string(begin) + ", " + std::to_string(end) +
                ") is not a piece of a " + std::to_string(n) + "-element row (multiples of " + std::to_string(piece) +
                " elements)");
  }
  traits(tr.vec_dot_type).quantize(x + begin, row + row_bytes(l, static_cast<uint64_t>(begin)), end - begin, nullptr);
  if (tr.act_extras) tr.act_extras->fill(n, row, begin / l.block_size, end / l.block_size);
}

void dequantize(TensorType type, const void* src, float* dst, int64_t n) {
  traits(type).dequantize(src, dst, n);
}

uint64_t quantize(TensorType type, const float* src, void* dst, int64_t n_rows,
                  int64_t n_per_row, const float* imatrix) {
  const auto& tr = traits(type);
  const auto& layout = layout_of(type);
  if (n_per_row % layout.block_size != 0) {
    throw Error("cannot quantize rows of " + std::to_string(n_per_row) + " elements to " +
                std::string(layout.name) + " (block size " + std::to_string(layout.block_size) +
                ")");
  }
  const uint64_t rb = row_bytes(layout, static_cast<uint64_t>(n_per_row));
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t r = 0; r < n_rows; ++r) {
    tr.quantize(src + r * n_per_row, out + r * rb, n_per_row, imatrix);
  }
  return rb * static_cast<uint64_t>(n_rows);
}

}  // namespace hearth::quant

// The per-type kernel table: one lookup gives everything needed to work with a
// tensor type. Filled once at start-up from the CPU's features (the best
// kernel for each type); hot loops call through it and never test features.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gguf/tensor_type.h"
#include "quant/gemm.h"
#include "quant/interleave.h"
#include "quant/kernels.h"

namespace hearth::quant {

struct TypeTraits {
  TensorType type;
  DequantizeRowFn dequantize = nullptr;
  QuantizeRowFn quantize = nullptr;  // also the activation quantizer (from_float)
  VecDotFn vec_dot = nullptr;        // weight row · activation row in vec_dot_type
  TensorType vec_dot_type = TensorType::F32;
  bool weight_type = true;           // false for activation-only types (Q8_1, Q8_K)
  // Several weight rows x several activation rows at once (quant/gemm.h);
  // nullptr: no batched kernel, callers loop over vec_dot.
  GemmFn gemm = nullptr;
  // Side data vec_dot and gemm read after each activation row (kernels.h);
  // nullptr: they read the plain vec_dot_type row.
  const ActivationExtras* act_extras = nullptr;
  // Kernels over weight rows interleaved in bands (quant/interleave.h), which
  // read the same activation rows as vec_dot and gemm; nullptr: none.
  const InterleavedKernels* interleaved = nullptr;
};

// Traits of a type with kernels; throws UnsupportedError naming the type when
// hearth has none (e.g. IQ2_XXS).
const TypeTraits& traits(TensorType type);
bool has_kernels(TensorType type);

// The scalar reference table (for tests and for the kernel-vs-reference checks).
const TypeTraits& generic_traits(TensorType type);

// Every type with kernels, in enum order (tests walk this list).
const TensorType* types_with_kernels(int* count);

// The band kernels (quant/interleave.h) of one x86 ISA for `type`, whatever
// the table picked (nullptr: none): for tests and benchmarks that run one
// ISA's kernels beside another's. Only call those the CPU can run. With
// VNNI, Q6_K's depend on the CPU too (Zen 4 decodes on the VNNI kernel).
const InterleavedKernels* avx2_band_kernels(TensorType type);
const InterleavedKernels* avx512_band_kernels(TensorType type);
const InterleavedKernels* avx512_vnni_band_kernels(TensorType type);

// A band table (quant/interleave.h) by name.
struct BandKernelVariant {
  const char* name;
  const InterleavedKernels* kernels;
};
// Every band table of `type` this CPU runs: first the table's own pick
// ("table", when the type has band kernels at all), then "avx2", "avx512"
// and "avx512vnni" as the CPU has them, and with VNNI each type's two
// layouts ("avx512vnni-x8", bands of 8 rows, and "avx512vnni-x16", wide
// bands of 16: the table picks one) and Q6_K's two decodes
// ("avx512vnni/avx512-decode", "avx512vnni/vnni-decode": the CPU picks one).
// All give the reference's bits (tests/quant/interleave_test.cpp); a model
// can be loaded on any of them (model::BandChoice) to compare their speed in
// one process (bench/ab_bench.cpp).
std::vector<BandKernelVariant> band_kernel_variants(TensorType type);
// The band table of `type` named `name` among band_kernel_variants(type);
// nullptr where there is none.
const InterleavedKernels* band_kernel_variant(TensorType type, std::string_view name);

// Name of the ISA whose kernels the table uses: "generic", "avx2",
// "avx2+avx512" (AVX2 dots with the AVX-512 gemms of x86/fallbacks.h) or
// "avx2+avx512vnni" (and the AVX-512 VNNI dots).
const char* kernel_isa();

// Whether the table uses AVX-512 kernels: the CPU has them
// (CpuFeatures::has_avx512_kernels) and HEARTH_KERNELS is not "avx2". The
// compute layer's own kernels (attention) follow the same choice.
bool avx512_kernels_in_use();

// Activation rows as `tr`'s vec_dot and gemm read them: the row quantized to
// tr.vec_dot_type, then the side data its kernels want (TypeTraits::act_extras).
// Callers size rows with activation_row_bytes and fill them with
// quantize_activation; a row already quantized to vec_dot_type (at the start
// of an activation_row_bytes buffer) is completed by add_activation_extras.
uint64_t activation_row_bytes(const TypeTraits& tr, int64_t n);
void quantize_activation(const TypeTraits& tr, const float* x, uint8_t* row, int64_t n);
void add_activation_extras(const TypeTraits& tr, uint8_t* row, int64_t n);
// A row of n elements in pieces (threads sharing one row: compute/matmul.cpp):
// elements [begin, end) of x, begin a multiple of activation_piece_size and
// end too (or n), quantized into their place in `row` with their side data:
// once every piece is in, the row is complete, the same bytes as
// quantize_activation (a vec_dot_type block and its side data depend on the
// block's own elements only), with no step over the whole row after them.
int64_t activation_piece_size(const TypeTraits& tr);
void quantize_activation_blocks(const TypeTraits& tr, const float* x, uint8_t* row, int64_t n, int64_t begin,
                                int64_t end);

// Convenience: dequantize / quantize n_rows rows of n_per_row elements.
void dequantize(TensorType type, const void* src, float* dst, int64_t n);
// Returns bytes written. imatrix: n_per_row weights or nullptr.
uint64_t quantize(TensorType type, const float* src, void* dst, int64_t n_rows,
                  int64_t n_per_row, const float* imatrix);

}  // namespace hearth::quant

// Weight rows in bands (quant/interleave.h): packing is lossless, every band
// kernel this CPU runs (each ISA's) returns the scalar reference's bits for
// every number of bands and tokens (the formula both compute, and what keeps compute::matmul
// batch-invariant on weights in bands), and the result is the rows' dot
// product, as the row-wise vec_dot computes it up to float rounding.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "quant/bands.h"
#include "quant/blocks.h"
#include "quant/interleave.h"
#include "quant/type_traits.h"
#include "activation_rows.h"

namespace hearth::quant {
namespace {

// 1 and 3 blocks (a pair, then the odd one), 8 (a full pair run), 28 (Qwen2.5-0.5B's
// n_embd 896) and 64 (2048).
constexpr int64_t kBlockCounts[] = {1, 3, 8, 28, 64};
constexpr int64_t kBands = 3;
constexpr int64_t kMaxTokens = 9;

struct Rows {
  std::vector<uint8_t> bytes;
  uint64_t row_bytes = 0;
};

// n_rows quantized rows of `type`, each with its own magnitude.
Rows random_rows(TensorType type, int64_t n_rows, int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist;
  std::uniform_real_distribution<float> magnitude(0.01f, 4.0f);
  Rows r;
  r.row_bytes = row_bytes(layout_of(type), static_cast<uint64_t>(n));
  r.bytes.resize(r.row_bytes * static_cast<uint64_t>(n_rows));
  std::vector<float> src(static_cast<size_t>(n));
  for (int64_t i = 0; i < n_rows; ++i) {
    const float m = magnitude(rng);
    for (auto& v : src) v = dist(rng) * m;
    generic_traits(type).quantize(src.data(), r.bytes.data() + static_cast<uint64_t>(i) * r.row_bytes, n, nullptr);
  }
  return r;
}

const TensorType kTypes[] = {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K};

// Q4_K: the n offsets dmin m_e of a row (its codes set to 0, dequantized,
// negated); the other formats have none: zeros.
std::vector<float> offset_of(TensorType type, const uint8_t* row, int64_t n) {
  std::vector<float> o(static_cast<size_t>(n), 0.0f);
  if (type != TensorType::Q4_K) return o;
  std::vector<BlockQ4_K> blocks(static_cast<size_t>(n / kQKK));
  std::memcpy(blocks.data(), row, blocks.size() * sizeof(BlockQ4_K));
  for (BlockQ4_K& b : blocks) std::memset(b.qs, 0, sizeof(b.qs));
  generic_traits(type).dequantize(blocks.data(), o.data(), n);
  for (float& v : o) v = -v;
  return o;
}

// The layouts of `type`, as their references: bands of 8 rows, and wide
// bands of 16.
std::vector<const InterleavedKernels*> references(TensorType type) {
  std::vector<const InterleavedKernels*> out = {generic_traits(type).interleaved};
  if (type == TensorType::Q4_0) out.push_back(&generic::q4_0_x16);
  if (type == TensorType::Q8_0) out.push_back(&generic::q8_0_x16);
  if (type == TensorType::Q4_K) out.push_back(&generic::q4_K_x16);
  if (type == TensorType::Q6_K) out.push_back(&generic::q6_K_x16);
  return out;
}

TEST(Interleave, UnpackGivesBackTheRows) {
  std::mt19937 rng(1);
  for (const TensorType type : kTypes) {
    for (const InterleavedKernels* layout : references(type)) {
    const InterleavedKernels& k = *layout;
    for (const int64_t blocks : kBlockCounts) {
      const int64_t n = blocks * static_cast<int64_t>(layout_of(type).block_size);
      const Rows rows = random_rows(type, kBands * k.rows, n, rng);
      std::vector<uint8_t> bands(rows.bytes.size()), in_place = rows.bytes;
      interleave_rows(k, n, rows.bytes.data(), bands.data(), kBands * k.rows, rows.row_bytes);
      interleave_rows(k, n, in_place.data(), in_place.data(), kBands * k.rows, rows.row_bytes);
      EXPECT_EQ(in_place, bands) << blocks << " blocks: in place and out of place differ";
      EXPECT_NE(bands, rows.bytes) << blocks << " blocks: packing moved nothing";
      const uint64_t band_bytes = rows.row_bytes * static_cast<uint64_t>(k.rows);
      std::vector<uint8_t> back(rows.bytes.size());
      for (int64_t b = 0; b < kBands; ++b) k.unpack(n, bands.data() + b * band_bytes, back.data() + b * band_bytes);
      EXPECT_EQ(back, rows.bytes) << tensor_type_name(type) << ", " << k.rows << " rows, " << blocks << " blocks";
    }
    }
  }
}

TEST(Interleave, RowsThatAreNotWholeBandsAreAnError) {
  std::mt19937 rng(2);
  Rows rows = random_rows(TensorType::Q4_0, 12, 64, rng);
  EXPECT_THROW(interleave_rows(*traits(TensorType::Q4_0).interleaved, 64, rows.bytes.data(), rows.bytes.data(), 12,
                               rows.row_bytes),
               Error);
}

// The band kernels of `type` this CPU can run: the best table's (which must
// have them), and every variant quant::band_kernel_variants lists (each ISA's
// below the table's pick: on an AVX-512 CPU the AVX-512 ones, whose odd last
// band is the AVX2 kernel's; with VNNI both Q6_K decodes): all checked whole.
std::vector<std::pair<std::string, const InterleavedKernels*>> runnable_kernels(TensorType type) {
  std::vector<std::pair<std::string, const InterleavedKernels*>> out = {
      {std::string("table: ") + kernel_isa(), traits(type).interleaved}};
  for (const BandKernelVariant& v : band_kernel_variants(type)) {
    if (std::string_view(v.name) != "table") out.emplace_back(v.name, v.kernels);
  }
  return out;
}

// 1, 2 and 3 bands: the AVX-512 kernels take bands in pairs, the odd one by
// the AVX2 kernel. Every layout's kernels against the reference of bands of
// 8 rows on the same rows (the formula is a row's: wide bands give the same
// bits), and each wide-band reference as well.
TEST(Interleave, EveryKernelIsExactlyTheReference) {
  std::mt19937 rng(3);
  for (const TensorType type : kTypes) {
    const TypeTraits& best = traits(type);
    const TypeTraits& ref = generic_traits(type);
    auto checked = runnable_kernels(type);
    for (const InterleavedKernels* layout : references(type)) {
      if (layout != ref.interleaved) checked.emplace_back("reference of " + std::to_string(layout->rows) + " rows", layout);
    }
    for (const auto& [isa, kernels] : checked) {
      ASSERT_NE(kernels, nullptr) << isa;
      const int rows = kernels->rows, ref_rows = ref.interleaved->rows;
      for (const int64_t blocks : kBlockCounts) {
        const int64_t n = blocks * static_cast<int64_t>(layout_of(type).block_size);
        Rows w = random_rows(type, kBands * rows, n, rng);
        Rows w_ref = w;
        interleave_rows(*kernels, n, w.bytes.data(), w.bytes.data(), kBands * rows, w.row_bytes);
        interleave_rows(*ref.interleaved, n, w_ref.bytes.data(), w_ref.bytes.data(), kBands * rows, w.row_bytes);
        const Rows plain = random_rows(best.vec_dot_type, kMaxTokens, n, rng);
        // the kernels of every ISA read the same side data (interleave.h)
        const auto a = test::as_read_by(best, plain.bytes, plain.row_bytes, kMaxTokens, n);
        const uint64_t a_stride = activation_row_bytes(best, n);
        const int64_t ldy = kBands * rows + 5;
        for (int64_t n_bands = 1; n_bands <= kBands; ++n_bands) {
          for (int64_t n_tok = 1; n_tok <= kMaxTokens; ++n_tok) {
            std::vector<float> got(static_cast<size_t>(ldy * n_tok), -1.0f), want(got);
            kernels->gemm(n, w.bytes.data(), n_bands, a.data(), a_stride, n_tok, got.data(), ldy);
            ref.interleaved->gemm(n, w_ref.bytes.data(), n_bands * rows / ref_rows, plain.bytes.data(),
                                  plain.row_bytes, n_tok, want.data(), ldy);
            for (size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
                  << tensor_type_name(type) << " (" << isa << "), " << blocks << " blocks, " << n_bands << " bands, "
                  << n_tok << " tokens, output " << i << ": " << got[i] << " vs " << want[i];
            }
          }
        }
      }
    }
  }
}

// Q8_0 at the ends of its codes: weights of -128 (no quantizer writes it,
// but a file may hold it: the VNNI kernels read x ^ 0x80, 0 there), 127 and
// -127, against activations of -127..127 (the activation quantizer's range),
// many pairings in every lane, with every ISA's kernels and the reference
// giving the same bits.
TEST(Interleave, Q8_0CodesAtTheirEndsAreExact) {
  const int8_t ends[] = {-128, -127, 127, 0, 1, -1};
  const int8_t y_ends[] = {-127, 127, 126, 0, 1, -1};
  constexpr int64_t kN = 8 * kQK, kRowsOut = 2 * bands::kRows;
  const TypeTraits& best = traits(TensorType::Q8_0);
  Rows w;
  w.row_bytes = sizeof(BlockQ8_0) * (kN / kQK);
  w.bytes.resize(w.row_bytes * kRowsOut);
  Rows plain;
  plain.row_bytes = w.row_bytes;
  plain.bytes.resize(plain.row_bytes);
  auto* y = reinterpret_cast<BlockQ8_0*>(plain.bytes.data());
  for (int64_t b = 0; b < kN / kQK; ++b) {
    y[b].d = fp32_to_fp16(0.5f + static_cast<float>(b));
    for (int e = 0; e < kQK; ++e) y[b].qs[e] = y_ends[static_cast<size_t>(b + e / 5) % std::size(y_ends)];
  }
  for (int64_t r = 0; r < kRowsOut; ++r) {
    auto* x = reinterpret_cast<BlockQ8_0*>(w.bytes.data() + static_cast<uint64_t>(r) * w.row_bytes);
    for (int64_t b = 0; b < kN / kQK; ++b) {
      x[b].d = fp32_to_fp16(0.25f * static_cast<float>(r + 1));
      // row 0: all -128 against y; the others cycle through the ends
      for (int e = 0; e < kQK; ++e) {
        x[b].qs[e] = r == 0 ? int8_t{-128} : ends[static_cast<size_t>(r + b + e) % std::size(ends)];
      }
    }
  }
  const auto a = test::as_read_by(best, plain.bytes, plain.row_bytes, 1, kN);
  const TypeTraits& ref = generic_traits(TensorType::Q8_0);
  std::vector<float> want(kRowsOut);
  {
    Rows banded = w;
    interleave_rows(*ref.interleaved, kN, banded.bytes.data(), banded.bytes.data(), kRowsOut, banded.row_bytes);
    ref.interleaved->gemm(kN, banded.bytes.data(), 2, plain.bytes.data(), plain.row_bytes, 1, want.data(), 0);
  }
  for (const auto& [isa, kernels] : runnable_kernels(TensorType::Q8_0)) {
    Rows banded = w;
    interleave_rows(*kernels, kN, banded.bytes.data(), banded.bytes.data(), kRowsOut, banded.row_bytes);
    std::vector<float> got(kRowsOut, -1.0f);
    kernels->gemm(kN, banded.bytes.data(), kRowsOut / kernels->rows, a.data(), activation_row_bytes(best, kN), 1,
                  got.data(), 0);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
          << isa << ", row " << i << ": " << got[i] << " vs " << want[i];
    }
  }
  // row 0 is -128 x sum(y) d_x d_y per block: the reference computes it
  float row0 = 0;
  for (int64_t b = 0; b < kN / kQK; ++b) {
    int32_t sum = 0;
    for (const int8_t q : y[b].qs) sum += q;
    row0 += fp16_to_fp32(y[b].d) * 0.25f * static_cast<float>(-128 * sum);
  }
  EXPECT_NEAR(want[0], row0, 1e-3f * std::fabs(row0) + 1e-3f);
}

// Decode kernels (InterleavedKernels::decode) take S = decode_streams bands
// at once: bands k + j partner (j < S), each with the reference's bits (the
// reference of bands of 8 rows on the same rows), and no other output
// written. 2 S bands: k = 0 and k = 1 with partner 2 as two calls and as
// one; k = 0 with partner 1 (bands 0 .. S - 1 only). Rows of 3 blocks (Q4_0
// and Q8_0 end on an odd one after the pair) and of 8.
TEST(Interleave, DecodeKernelsAreExactlyTheReference) {
  std::mt19937 rng(5);
  int checked = 0;
  for (const TensorType type : kTypes) {
    const TypeTraits& best = traits(type);
    const TypeTraits& ref = generic_traits(type);
    for (const auto& [isa, kernels] : runnable_kernels(type)) {
      if (kernels->decode == nullptr) continue;
      const int64_t streams = kernels->decode_streams, n_bands = 2 * streams;
      ASSERT_GE(streams, 1) << isa;
      const int rows = kernels->rows;
      for (const int64_t blocks : {3, 8}) {
        const int64_t n = blocks * static_cast<int64_t>(layout_of(type).block_size);
        Rows w = random_rows(type, n_bands * rows, n, rng);
        Rows w_ref = w;
        interleave_rows(*kernels, n, w.bytes.data(), w.bytes.data(), n_bands * rows, w.row_bytes);
        interleave_rows(*ref.interleaved, n, w_ref.bytes.data(), w_ref.bytes.data(), n_bands * rows, w.row_bytes);
        const uint64_t band_bytes = w.row_bytes * static_cast<uint64_t>(rows);
        const Rows plain = random_rows(best.vec_dot_type, 1, n, rng);
        const auto a = test::as_read_by(best, plain.bytes, plain.row_bytes, 1, n);
        std::vector<float> want(static_cast<size_t>(n_bands * rows));
        ref.interleaved->gemm(n, w_ref.bytes.data(), n_bands * rows / ref.interleaved->rows, plain.bytes.data(),
                              plain.row_bytes, 1, want.data(), 0);
        struct Call {
          int64_t first, n_groups, partner;
        };
        const std::vector<std::vector<Call>> cases = {{{0, 1, 2}, {1, 1, 2}}, {{0, 2, 2}}, {{0, 1, 1}}};
        for (const auto& calls : cases) {
          std::vector<float> got(want.size() + 3, -1.0f);
          std::vector<bool> written(static_cast<size_t>(n_bands), false);
          for (const Call& c : calls) {
            kernels->decode(n, w.bytes.data() + static_cast<uint64_t>(c.first) * band_bytes, c.n_groups, c.partner,
                            a.data(), got.data() + c.first * rows);
            for (int64_t k = c.first; k < c.first + c.n_groups; ++k) {
              for (int64_t j = 0; j < streams; ++j) written[static_cast<size_t>(k + j * c.partner)] = true;
            }
          }
          for (size_t i = 0; i < got.size(); ++i) {
            const bool in_written_band = i < want.size() && written[i / static_cast<size_t>(rows)];
            const float expected = in_written_band ? want[i] : -1.0f;
            ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected))
                << tensor_type_name(type) << " (" << isa << "), " << blocks << " blocks, first call at band "
                << calls[0].first << ", partner " << calls[0].partner << ", output " << i;
          }
          ++checked;
        }
      }
    }
  }
  // the AVX2 and AVX-512 tables of all four types have decode kernels
  EXPECT_EQ(checked > 0, cpu_features().has_avx2_kernels());
}

// Where the CPU has AVX-512 (F, BW, VL), the table takes the AVX-512 band
// kernels, and nowhere else (an AVX2-only CPU must never reach them); with
// VNNI too, the VNNI ones.
TEST(Interleave, TableUsesTheAvx512KernelsExactlyWhereTheCpuHasAvx512) {
  const bool avx512 = std::string(kernel_isa()).starts_with("avx2+avx512");
  const bool vnni = std::string(kernel_isa()) == "avx2+avx512vnni";
  const char* env = std::getenv("HEARTH_KERNELS");
  ASSERT_EQ(avx512, cpu_features().has_avx512_kernels() && (env == nullptr || std::string(env) != "avx2"));
  ASSERT_EQ(vnni, avx512 && cpu_features().has_avx512_vnni_kernels());
  struct Expected {
    TensorType type;
    const InterleavedKernels* avx2;
    const InterleavedKernels* avx512;
    const InterleavedKernels* vnni;
  };
  const bool zen4 = cpu_features().zen4;
  const Expected expected[] = {
      {TensorType::Q4_0, &avx2::q4_0_x8, &avx512::q4_0_x8, zen4 ? &avx512::q4_0_vnni_x16 : &avx512::q4_0_vnni_x8},
      {TensorType::Q8_0, &avx2::q8_0_x8, &avx512::q8_0_x8, zen4 ? &avx512::q8_0_vnni_x16 : &avx512::q8_0_vnni_x8},
      {TensorType::Q4_K, &avx2::q4_K_x8, &avx512::q4_K_x8, &avx512::q4_K_vnni_x8},
      {TensorType::Q6_K, &avx2::q6_K_x8, &avx512::q6_K_x8, zen4 ? &avx512::q6_K_vnni_decode_x8 : &avx512::q6_K_vnni_x8}};
  for (const Expected& e : expected) {
    EXPECT_EQ(avx2_band_kernels(e.type), e.avx2) << tensor_type_name(e.type);
    EXPECT_EQ(avx512_band_kernels(e.type), e.avx512) << tensor_type_name(e.type);
    EXPECT_EQ(avx512_vnni_band_kernels(e.type), e.vnni) << tensor_type_name(e.type);
    if (vnni) {
      EXPECT_EQ(traits(e.type).interleaved, e.vnni) << tensor_type_name(e.type);
    } else if (avx512) {
      EXPECT_EQ(traits(e.type).interleaved, e.avx512) << tensor_type_name(e.type);
    } else if (cpu_features().has_avx2_kernels()) {
      EXPECT_EQ(traits(e.type).interleaved, e.avx2) << tensor_type_name(e.type);
    }
  }
}

// band_kernel_variants: the table's pick first, then one table per x86 ISA
// the CPU has (with VNNI, Q6_K's two decodes and every type's two layouts as
// well), each named once; the wide bands' narrower kernels are those of 8.
TEST(Interleave, VariantsAreTheTablesThisCpuRuns) {
  const CpuFeatures& cpu = cpu_features();
  for (const TensorType type : kTypes) {
    SCOPED_TRACE(tensor_type_name(type));
    const std::vector<BandKernelVariant> v = band_kernel_variants(type);
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(std::string_view(v[0].name), "table");
    EXPECT_EQ(v[0].kernels, traits(type).interleaved);
    // with VNNI: the two layouts, Q6_K's two decodes
    const size_t extra = 2 + (type == TensorType::Q6_K ? 2 : 0);
    const size_t vnni = cpu.has_avx512_vnni_kernels() ? 1 + extra : 0;
    EXPECT_EQ(v.size(), 1 + size_t{cpu.has_avx2_kernels()} + size_t{cpu.has_avx512_kernels()} + vnni);
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_NE(v[i].kernels, nullptr) << v[i].name;
      for (size_t j = 0; j < i; ++j) EXPECT_NE(std::string_view(v[i].name), std::string_view(v[j].name));
      EXPECT_EQ(band_kernel_variant(type, v[i].name), v[i].kernels) << v[i].name;  // the lookup by name
    }
    EXPECT_EQ(band_kernel_variant(type, "no such kernels"), nullptr);
    const InterleavedKernels* x8 = band_kernel_variant(type, "avx512vnni-x8");
    const InterleavedKernels* x16 = band_kernel_variant(type, "avx512vnni-x16");
    EXPECT_EQ(x16 != nullptr, cpu.has_avx512_vnni_kernels());
    if (cpu.has_avx512_vnni_kernels()) {
      ASSERT_NE(x16, nullptr);
      EXPECT_EQ(x16->rows, bands::kWideRows);
      EXPECT_EQ(x8->rows, bands::kRows);
      EXPECT_EQ(x16->narrower, x8);
    }
  }
  EXPECT_TRUE(band_kernel_variants(TensorType::Q5_K).empty());  // no band kernels
}

// The bands' dots are the rows' dots: against the dot of the dequantized
// rows and activations in double. The band kernel rounds each block's
// d_x d_y and each of its nb accumulations once (relative 2^-24 each), so its
// error is below 2 nb FLT_EPSILON times the sum of its terms' magnitudes:
// |x_e y_e| for the legacy formats; Q4_K adds up its two terms
// d sc q y and dmin m y apart, and |d sc q| <= |x| + dmin m, so its terms
// weigh at most |x_e y_e| + 2 |dmin m_e y_e|, with dmin m_e (>= 0) the
// value its element dequantizes to with code 0, negated (offset_of). Q6_K's
// -32 is inside its exact integer sum: |x_e y_e| as the legacy formats.
TEST(Interleave, BandsComputeTheRowsDots) {
  std::mt19937 rng(4);
  for (const TensorType type : kTypes) {
    const TypeTraits& ref = generic_traits(type);
    const int rows = ref.interleaved->rows;
    for (const int64_t blocks : kBlockCounts) {
      const int64_t n = blocks * static_cast<int64_t>(layout_of(type).block_size);
      const Rows w = random_rows(type, rows, n, rng);
      std::vector<uint8_t> band = w.bytes;
      interleave_rows(*ref.interleaved, n, band.data(), band.data(), rows, w.row_bytes);
      const Rows a = random_rows(ref.vec_dot_type, 1, n, rng);
      std::vector<float> y(static_cast<size_t>(rows)), x(static_cast<size_t>(n)), act(static_cast<size_t>(n));
      ref.interleaved->gemm(n, band.data(), 1, a.bytes.data(), a.row_bytes, 1, y.data(), rows);
      generic_traits(ref.vec_dot_type).dequantize(a.bytes.data(), act.data(), n);
      for (int r = 0; r < rows; ++r) {
        const uint8_t* row = w.bytes.data() + static_cast<uint64_t>(r) * w.row_bytes;
        ref.dequantize(row, x.data(), n);
        const std::vector<float> offset = offset_of(type, row, n);
        double dot = 0, magnitude = 0;
        for (size_t e = 0; e < static_cast<size_t>(n); ++e) {
          ASSERT_GE(offset[e], 0.0f);
          dot += static_cast<double>(x[e]) * act[e];
          magnitude += std::fabs(static_cast<double>(x[e]) * act[e]) + 2.0 * std::fabs(static_cast<double>(offset[e]) * act[e]);
        }
        EXPECT_NEAR(y[static_cast<size_t>(r)], dot, 2.0 * static_cast<double>(blocks) * FLT_EPSILON * magnitude)
            << tensor_type_name(type) << ", " << blocks << " blocks, row " << r;
      }
    }
  }
}

}  // namespace
}  // namespace hearth::quant

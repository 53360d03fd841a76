// The gemm kernels (quant/gemm.h) against the scalar reference dot, on random
// data, for every tile shape the tiling loop produces (4-token tiles and the
// 1..3-token remainders, row counts that are not a multiple of anything).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"
#include "reference.h"
#include "../quant/activation_rows.h"

namespace hearth::compute::test {
namespace {

std::vector<TensorType> types_with_gemm() {
  std::vector<TensorType> out;
  int n = 0;
  const TensorType* types = quant::types_with_kernels(&n);
  for (int i = 0; i < n; ++i) {
    if (quant::traits(types[i]).gemm) out.push_back(types[i]);
  }
  return out;
}

// Every AVX2 gemm listed in the fallbacks table is in the kernel table when
// the CPU has AVX2 (or its AVX-512 replacement; a listed kernel that never gets used would go unnoticed).
// Without AVX2 there is no gemm kernel at all (callers use vec_dot).
TEST(Gemm, TableMatchesFallbackList) {
  if (std::string(quant::kernel_isa()) == "generic") {
    EXPECT_TRUE(types_with_gemm().empty());
    return;
  }
  for (const TensorType t : quant::x86::kAvx2Gemms) {
    EXPECT_NE(quant::traits(t).gemm, nullptr) << tensor_type_name(t);
  }
  EXPECT_EQ(types_with_gemm().size(), std::size(quant::x86::kAvx2Gemms));
}

TEST(Gemm, MatchesReferenceDot) {
  constexpr int64_t kN = 1024;     // 4 super-blocks, 32 legacy blocks
  constexpr int64_t kRows = 7;
  for (const TensorType type : types_with_gemm()) {
    const auto& tr = quant::traits(type);
    const uint64_t wb = row_bytes(layout_of(type), kN), ab = row_bytes(layout_of(tr.vec_dot_type), kN);
    const uint64_t read_stride = quant::activation_row_bytes(tr, kN);
    const auto w = random_rows(type, kRows, kN, 1);
    for (int64_t n_tok : {1, 2, 3, 4, 5, 6, 7, 8, 11}) {
      const auto a = random_rows(tr.vec_dot_type, n_tok, kN, 2 + static_cast<uint32_t>(n_tok));
      const auto read = quant::test::as_read_by(tr, a, ab, n_tok, kN);  // with the kernels' side data
      const int64_t ldy = kRows + 3;  // y rows wider than the band: ldy is honoured
      std::vector<float> y(static_cast<size_t>(n_tok * ldy), -1.0f);
      tr.gemm(kN, w.data(), wb, kRows, read.data(), read_stride, n_tok, y.data(), ldy);
      for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t r = 0; r < ldy; ++r) {
          const float got = y[static_cast<size_t>(t * ldy + r)];
          if (r >= kRows) {
            EXPECT_EQ(got, -1.0f) << "wrote outside the band";
            continue;
          }
          const RefDot ref = reference_dot(type, kN, w.data() + r * wb, a.data() + t * ab);
          EXPECT_NEAR(got, ref.value, ref.bound)
              << tensor_type_name(type) << " row " << r << " token " << t << " of " << n_tok;
        }
      }
    }
  }
}

TEST(Gemm, RejectsPartialBlocks) {
  for (const TensorType type : types_with_gemm()) {
    const auto& tr = quant::traits(type);
    const int64_t block = layout_of(type).block_size;
    std::vector<uint8_t> w(4096), a(4096);
    float y[1];
    EXPECT_THROW(tr.gemm(block + 1, w.data(), 0, 1, a.data(), 0, 1, y, 1), Error)
        << tensor_type_name(type);
  }
}

}  // namespace
}  // namespace hearth::compute::test

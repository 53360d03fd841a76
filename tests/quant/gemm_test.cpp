// The batched kernels against vec_dot, bit for bit: for every type with a
// gemm kernel, in the scalar table and in the best table (AVX2 where the CPU
// has it), each (row, token) result of the batched path must carry exactly
// the bits vec_dot returns for that row and activation. compute::matmul
// relies on it: a token decoded alone goes through vec_dot, the same token in
// a prompt or a batch through gemm, and the scheduler promises identical
// tokens either way. Equal "up to rounding" is not enough, so the comparison
// is of the float bits, with no tolerance.
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "gguf/tensor_type.h"
#include "quant/gemm.h"
#include "quant/type_traits.h"
#include "quant/x86/fallbacks.h"
#include "activation_rows.h"

namespace hearth::quant {
namespace {

// Odd and even block counts, fewer and more than the 8 blocks the legacy
// vec_dot handles per step, so its tail and its two accumulators are covered.
constexpr int64_t kBlockCounts[] = {1, 2, 3, 8, 9, 17};
constexpr int64_t kRows = 5;
constexpr int64_t kMaxTokens = 9;  // 1..9: every register tile and remainder

// n_rows quantized rows of `type` (or of its activation type), each row with
// its own magnitude so the block scales differ from row to row.
std::vector<uint8_t> random_rows(const TypeTraits& tr, int64_t n_rows, int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::uniform_real_distribution<float> magnitude(0.01f, 4.0f);
  const uint64_t rb = row_bytes(layout_of(tr.type), static_cast<uint64_t>(n));
  std::vector<uint8_t> out(rb * static_cast<uint64_t>(n_rows));
  std::vector<float> src(static_cast<size_t>(n));
  for (int64_t r = 0; r < n_rows; ++r) {
    const float m = magnitude(rng);
    for (auto& v : src) v = dist(rng) * m;
    tr.quantize(src.data(), out.data() + static_cast<uint64_t>(r) * rb, n, nullptr);
  }
  return out;
}

// The batched path of a table entry, as compute::matmul runs it: the gemm
// kernel, or for a type without one the loop over vec_dot.
void run_batched(const TypeTraits& tr, int64_t n, const std::vector<uint8_t>& w, uint64_t w_stride,
                 const std::vector<uint8_t>& a, uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  if (tr.gemm) {
    tr.gemm(n, w.data(), w_stride, kRows, a.data(), a_stride, n_tok, y, ldy);
  } else {
    generic::gemm_by_vec_dot(tr.vec_dot, n, w.data(), w_stride, kRows, a.data(), a_stride, n_tok, y, ldy);
  }
}

void expect_gemm_equals_vec_dot(const TypeTraits& tr, uint32_t seed) {
  std::mt19937 rng(seed);
  const TypeTraits& act = generic_traits(tr.vec_dot_type);
  const int64_t block = static_cast<int64_t>(layout_of(tr.type).block_size);
  for (const int64_t blocks : kBlockCounts) {
    const int64_t n = blocks * block;
    const auto w = random_rows(generic_traits(tr.type), kRows, n, rng);
    const uint64_t w_stride = row_bytes(layout_of(tr.type), static_cast<uint64_t>(n));
    const auto a = test::as_read_by(tr, random_rows(act, kMaxTokens, n, rng),
                                    row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(n)), kMaxTokens, n);
    const uint64_t a_stride = activation_row_bytes(tr, n);
    for (int64_t n_tok = 1; n_tok <= kMaxTokens; ++n_tok) {
      const int64_t ldy = kRows + 3;  // a row stride wider than the band, as matmul's n_out
      std::vector<float> y(static_cast<size_t>(ldy * n_tok), -1.0f);
      run_batched(tr, n, w, w_stride, a, a_stride, n_tok, y.data(), ldy);
      for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t r = 0; r < kRows; ++r) {
          const float dot = tr.vec_dot(n, w.data() + static_cast<uint64_t>(r) * w_stride,
                                       a.data() + static_cast<uint64_t>(t) * a_stride);
          const float got = y[static_cast<size_t>(t * ldy + r)];
          ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(dot))
              << tensor_type_name(tr.type) << " n " << n << ", " << n_tok << " tokens, row " << r
              << ", token " << t << ": gemm " << got << ", vec_dot " << dot;
        }
      }
    }
  }
}

class GemmTest : public testing::TestWithParam<TensorType> {};

TEST_P(GemmTest, ScalarBatchedPathEqualsScalarVecDotBitForBit) {
  expect_gemm_equals_vec_dot(generic_traits(GetParam()), 1);
}

TEST_P(GemmTest, BestTableGemmEqualsItsVecDotBitForBit) {
  const TypeTraits& tr = traits(GetParam());
  // The AVX2 table must really hold a gemm for this type, or the check
  // below would only compare vec_dot with itself.
  EXPECT_EQ(tr.gemm != nullptr, std::string(kernel_isa()) != "generic") << kernel_isa();
  expect_gemm_equals_vec_dot(tr, 2);
}

// Where the CPU has AVX-512 (F, BW, VL), the table takes the AVX-512 gemm of
// every type that has one — so the test above checked it, bit for bit,
// against the AVX2 vec_dot — and nowhere else (an AVX2-only CPU must never
// reach it).
TEST(Avx512Gemm, TableUsesItExactlyWhereTheCpuHasAvx512) {
  const bool avx512 = std::string(kernel_isa()).starts_with("avx2+avx512");
  const char* env = std::getenv("HEARTH_KERNELS");
  EXPECT_EQ(avx512, cpu_features().has_avx512_kernels() && (env == nullptr || std::string(env) != "avx2"));
  for (const TensorType t : x86::kAvx512Gemms) {
    const GemmFn want = t == TensorType::Q4_K ? avx512::gemm_q4_K_q8_K : avx512::gemm_q6_K_q8_K;
    EXPECT_EQ(traits(t).gemm == want, avx512) << tensor_type_name(t);
  }
}

INSTANTIATE_TEST_SUITE_P(TypesWithGemm, GemmTest, testing::ValuesIn(x86::kAvx2Gemms),
                         [](const testing::TestParamInfo<TensorType>& p) {
                           return std::string(tensor_type_name(p.param));
                         });

}  // namespace
}  // namespace hearth::quant

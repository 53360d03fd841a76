// quantize_activation_blocks: a row quantized in pieces, in any order (each
// piece with its side data, as decode's threads make one), is byte for byte
// the row quantize_activation makes, for every type's table pick.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "quant/type_traits.h"

namespace hearth::quant {
namespace {

std::vector<float> random_row(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = dist(rng);
  return x;
}

// The row's bytes made whole, and in pieces of `piece` elements taken last
// first; both buffers start from the same filler (padding is never written).
void expect_pieces_make_the_row(const TypeTraits& tr, int64_t n, int64_t piece, const std::string& what) {
  const std::vector<float> x = random_row(n, static_cast<uint32_t>(n + piece));
  const uint64_t bytes = activation_row_bytes(tr, n);
  std::vector<uint8_t> whole(bytes, 0xa5), pieces(bytes, 0xa5);
  quantize_activation(tr, x.data(), whole.data(), n);
  for (int64_t b = (n - 1) / piece * piece; b >= 0; b -= piece) {
    quantize_activation_blocks(tr, x.data(), pieces.data(), n, b, std::min(n, b + piece));
  }
  EXPECT_EQ(std::memcmp(whole.data(), pieces.data(), bytes), 0) << what << " n=" << n << " piece=" << piece;
}

TEST(ActivationPieces, PiecesMakeTheSameRowForEveryType) {
  int count = 0;
  const TensorType* types = types_with_kernels(&count);
  int with_extras = 0;
  for (int i = 0; i < count; ++i) {
    const TypeTraits& tr = traits(types[i]);
    const std::string name(tensor_type_name(types[i]));
    if (tr.act_extras) ++with_extras;
    const int64_t block = layout_of(tr.vec_dot_type).block_size;
    const int64_t granule = activation_piece_size(tr);
    ASSERT_EQ(granule % block, 0) << name;
    // rows of whole pieces, a partial last piece, a tail of blocks beyond the
    // last whole group of 8 (the extras' groups), and a row shorter than a piece
    for (const int64_t blocks : {int64_t{1}, int64_t{7}, int64_t{9}, int64_t{33}, int64_t{64}, int64_t{257}}) {
      const int64_t n = blocks * block;
      for (const int64_t k : {int64_t{1}, int64_t{2}, int64_t{3}}) expect_pieces_make_the_row(tr, n, k * granule, name);
    }
  }
  // The x86 tables pick dots with side data for Q4_0 and Q8_0.
  if (std::string_view(kernel_isa()) != "generic") {
    EXPECT_GT(with_extras, 0);
  }
}

TEST(ActivationPieces, APieceOffItsGrainIsAnError) {
  const TypeTraits& tr = traits(TensorType::Q4_0);
  const int64_t granule = activation_piece_size(tr), n = 8 * granule;
  const std::vector<float> x = random_row(n, 1);
  std::vector<uint8_t> row(activation_row_bytes(tr, n));
  const int64_t block = layout_of(tr.vec_dot_type).block_size;
  if (granule > block) {
    EXPECT_THROW(quantize_activation_blocks(tr, x.data(), row.data(), n, block, granule), Error);  // mid-piece start
  }
  EXPECT_THROW(quantize_activation_blocks(tr, x.data(), row.data(), n, 0, granule + 1), Error);
  EXPECT_THROW(quantize_activation_blocks(tr, x.data(), row.data(), n, granule, 0), Error);
  EXPECT_THROW(quantize_activation_blocks(tr, x.data(), row.data(), n, 0, n + granule), Error);
  EXPECT_NO_THROW(quantize_activation_blocks(tr, x.data(), row.data(), n, granule, 3 * granule));
}

}  // namespace
}  // namespace hearth::quant

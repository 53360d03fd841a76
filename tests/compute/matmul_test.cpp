// compute::matmul against the scalar reference: one token (the decode path)
// and batches (the gemm path, or the vec_dot loop for types without a gemm
// kernel), with shapes that cross the row-band and token-tile boundaries,
// on pools of several sizes.
#include "compute/matmul.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "compute/ops.h"
#include "core/error.h"
#include "quant/interleave.h"
#include "quant/type_traits.h"
#include "reference.h"

namespace hearth::compute::test {
namespace {

struct Case {
  TensorType type;
  int64_t n_in;
};

// The view of rows `w`, or of a copy in bands (quant/interleave.h) held in
// `storage` when `bands`.
WeightView view_of(TensorType type, const std::vector<uint8_t>& w, int64_t n_in, int64_t n_out, bool bands,
                   std::vector<uint8_t>& storage) {
  const uint64_t wb = row_bytes(layout_of(type), static_cast<uint64_t>(n_in));
  if (!bands) return WeightView{type, w.data(), n_in, n_out, wb};
  storage = w;
  const quant::InterleavedKernels* k = quant::bands_for(quant::traits(type).interleaved, n_out);
  quant::interleave_rows(*k, n_in, w.data(), storage.data(), n_out, wb);
  return WeightView{type, storage.data(), n_in, n_out, wb, k};
}

void check_matmul(const Case& c, int64_t n_out, int64_t n_tok, ThreadPool& pool, bool bands = false) {
  const auto& tr = quant::traits(c.type);
  const uint64_t wb = row_bytes(layout_of(c.type), static_cast<uint64_t>(c.n_in));
  const auto w = random_rows(c.type, n_out, c.n_in, 7);
  std::vector<uint8_t> storage;
  const WeightView view = view_of(c.type, w, c.n_in, n_out, bands, storage);
  std::mt19937 rng(11);
  std::normal_distribution<float> dist;
  std::vector<float> x(static_cast<size_t>(n_tok * c.n_in));
  for (auto& v : x) v = dist(rng);

  std::vector<float> y(static_cast<size_t>(n_tok * n_out));
  MatmulScratch scratch;
  matmul(view, x.data(), n_tok, y.data(), pool, scratch);

  // Reference: activations quantized by the generic quantizer, generic dots.
  const auto& act_tr = quant::generic_traits(tr.vec_dot_type);
  const uint64_t ab = row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(c.n_in));
  std::vector<uint8_t> a(ab);
  for (int64_t t = 0; t < n_tok; ++t) {
    act_tr.quantize(x.data() + t * c.n_in, a.data(), c.n_in, nullptr);
    for (int64_t o = 0; o < n_out; ++o) {
      const RefDot ref = reference_dot(c.type, c.n_in, w.data() + o * wb, a.data());
      ASSERT_NEAR(y[static_cast<size_t>(t * n_out + o)], ref.value, ref.bound)
          << tensor_type_name(c.type) << (bands ? " in bands" : "") << " out " << o << " token " << t << " of "
          << n_tok << ", " << pool.size() << " threads";
    }
  }
}

// Q4_0 / Q8_0 / Q4_K / Q6_K have gemm kernels; Q5_K and F16 go through vec_dot.
const Case kCases[] = {{TensorType::Q4_0, 512},  {TensorType::Q8_0, 512}, {TensorType::Q4_K, 512},
                       {TensorType::Q6_K, 512},  {TensorType::Q5_K, 256}, {TensorType::F16, 64}};

TEST(Matmul, OneTokenMatchesReference) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const Case& c : kCases) check_matmul(c, 75, 1, pool);
  }
}

// 70 rows: two full 32-row bands and a partial one; 37 tokens: at n_in 512
// the token tile is 56 or 64, at 4096 (below) it is 4, so tiles and the 1..3
// token remainders of the register tile all occur.
TEST(Matmul, BatchMatchesReference) {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for (const Case& c : kCases) {
      for (int64_t n_tok : {2, 5, 37}) check_matmul(c, 70, n_tok, pool);
    }
  }
}

// Weights in bands (model/weights.h interleaves them at load): the band
// kernels on both paths, 9 bands (72 rows: two 32-row gemm bands and one of
// 8), pools whose row ranges split bands anywhere, and n_in 4096 for the
// small token tiles.
TEST(Matmul, BandsMatchReference) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const TensorType type : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K}) {
      // 3 blocks: Q4_0 and Q8_0 end on an odd one after the pair
      const int64_t three_blocks = 3 * static_cast<int64_t>(layout_of(type).block_size);
      for (int64_t n_tok : {1, 2, 5, 37}) {
        check_matmul({type, 512}, 72, n_tok, pool, true);
        check_matmul({type, three_blocks}, 8, n_tok, pool, true);
      }
      // decode takes 2 or 4 bands at once (quant/interleave.h), the last 0..3
      // of the matrix together
      for (int64_t n_bands : {10, 11, 16}) check_matmul({type, 512}, 8 * n_bands, 1, pool, true);
    }
  }
  ThreadPool pool(2);
  for (const TensorType type : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K}) {
    check_matmul({type, 4096}, 40, 19, pool, true);
  }
}

// An embedding lookup from bands gives the row's dequantized values.
TEST(Matmul, RowsOfBandsDequantizeAsTheRows) {
  for (const TensorType type : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K}) {
    const int64_t kIn = 3 * static_cast<int64_t>(layout_of(type).block_size), kOut = 24;
    const auto w = random_rows(type, kOut, kIn, 9);
    std::vector<uint8_t> storage;
    const WeightView rows = view_of(type, w, kIn, kOut, false, storage);
    const WeightView bands = view_of(type, w, kIn, kOut, true, storage);
    std::vector<float> want(kIn), got(kIn);
    for (int64_t r = 0; r < kOut; ++r) {
      dequantize_row(rows, r, want.data());
      dequantize_row(bands, r, got.data());
      EXPECT_EQ(got, want) << tensor_type_name(type) << " row " << r;
    }
  }
}

TEST(Matmul, BatchWithSmallTokenTiles) {
  ThreadPool pool(2);
  check_matmul({TensorType::Q4_K, 4096}, 33, 19, pool);
  check_matmul({TensorType::Q8_0, 4096}, 33, 19, pool);
}

// matmul_group gives exactly what one matmul per matrix gives (the same
// kernels on the same quantized activations): for matrices sharing an
// activation type (Q4_K, Q6_K, Q4_K: Q8_K; one loop over all their rows for
// one token), for a mix that does not share one (Q4_0 with Q4_K: separate
// calls), for one token and for batches, on pools of 1-3 threads.
//
// A group of Q4_0 matrices in bands and in rows (73 rows before the last, so
// its bands start at an odd row of the one-token loop) checks that the loop's
// ranges cut every matrix in bands into whole bands; Q4_K and Q6_K in bands
// and in rows (Q4_K_M's attention: one Q8_K loop) the same for Q8_K.
struct GroupMatrix {
  TensorType type;
  int64_t n_out;
  bool bands = false;
};

TEST(MatmulGroup, EqualsOneMatmulPerMatrix) {
  constexpr int64_t kIn = 512;
  const std::vector<std::vector<GroupMatrix>> groups = {
      {{TensorType::Q4_K, 75}, {TensorType::Q6_K, 19}, {TensorType::Q4_K, 40}},
      {{TensorType::Q4_0, 33}, {TensorType::Q4_K, 50}},
      {{TensorType::Q4_0, 40, true}, {TensorType::Q4_0, 33}, {TensorType::Q4_0, 24, true}},
      {{TensorType::Q4_K, 40, true}, {TensorType::Q6_K, 19}, {TensorType::Q4_K, 24, true}},
      {{TensorType::Q4_K, 40, true}, {TensorType::Q6_K, 24, true}, {TensorType::Q4_K, 16}}};
  std::mt19937 rng(5);
  std::normal_distribution<float> dist;
  for (const auto& group : groups) {
    std::vector<std::vector<uint8_t>> weights(group.size()), storage(group.size());
    std::vector<MatmulOutput> outs;
    for (size_t i = 0; i < group.size(); ++i) {
      const GroupMatrix& m = group[i];
      weights[i] = random_rows(m.type, m.n_out, kIn, static_cast<uint32_t>(i + 1));
      outs.push_back({view_of(m.type, weights[i], kIn, m.n_out, m.bands, storage[i]), nullptr});
    }
    for (const int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      for (const int64_t n_tok : {1, 5}) {
        std::vector<float> x(static_cast<size_t>(n_tok * kIn));
        for (auto& v : x) v = dist(rng);
        std::vector<std::vector<float>> got(outs.size()), want(outs.size());
        MatmulScratch scratch;
        for (size_t i = 0; i < outs.size(); ++i) {
          got[i].assign(static_cast<size_t>(n_tok * outs[i].w.n_out), -1.0f);
          want[i].resize(got[i].size());
          outs[i].y = got[i].data();
          matmul(outs[i].w, x.data(), n_tok, want[i].data(), pool, scratch);
        }
        matmul_group(outs, x.data(), n_tok, pool, scratch);
        for (size_t i = 0; i < outs.size(); ++i) {
          EXPECT_EQ(got[i], want[i]) << "matrix " << i << " (" << tensor_type_name(outs[i].w.type) << "), "
                                     << n_tok << " tokens, " << threads << " threads";
        }
      }
    }
  }
}

// Batch invariance: each token's row is bit-identical whether it is
// multiplied alone, in a register tile of 4, in a 1..3 remainder or in a
// large batch (the scheduler promises a seeded request the same tokens alone
// and batched, and the prefix cache reuses keys computed in other batches).
// Weights in bands too.
TEST(Matmul, ATokensRowDoesNotDependOnItsBatch) {
  ThreadPool pool(2);
  constexpr int64_t kOut = 40, kTok = 9;
  std::vector<std::pair<Case, bool>> cases;
  for (const Case& c : kCases) cases.emplace_back(c, false);
  cases.emplace_back(Case{TensorType::Q4_0, 512}, true);
  cases.emplace_back(Case{TensorType::Q8_0, 512}, true);
  cases.emplace_back(Case{TensorType::Q4_K, 512}, true);
  cases.emplace_back(Case{TensorType::Q6_K, 512}, true);
  for (const auto& [c, bands] : cases) {
    const auto w = random_rows(c.type, kOut, c.n_in, 5);
    std::vector<uint8_t> storage;
    const WeightView view = view_of(c.type, w, c.n_in, kOut, bands, storage);
    std::mt19937 rng(3);
    std::normal_distribution<float> dist;
    std::vector<float> x(static_cast<size_t>(kTok * c.n_in));
    for (auto& v : x) v = dist(rng);
    MatmulScratch scratch;
    std::vector<float> batched(static_cast<size_t>(kTok * kOut));
    matmul(view, x.data(), kTok, batched.data(), pool, scratch);
    for (int64_t t = 0; t < kTok; ++t) {
      std::vector<float> alone(static_cast<size_t>(kOut));
      matmul(view, x.data() + t * c.n_in, 1, alone.data(), pool, scratch);
      for (int64_t o = 0; o < kOut; ++o) {
        ASSERT_EQ(alone[static_cast<size_t>(o)], batched[static_cast<size_t>(t * kOut + o)])
            << tensor_type_name(c.type) << (bands ? " in bands" : "") << " token " << t << " out " << o
            << ": exact equality, not a bound";
      }
    }
  }
}

// An input made final by the product's threads (InputFill: one token's row
// in pieces shared by the loop's threads, a batch token by token) gives
// exactly the product of the input made final first, and every element is
// made once: rows of 4096 (4 pieces of 1024) and 1280 (a short last piece),
// one token and a batch, pools of 1-3 threads, a matrix alone and in a group
// that shares its activation type and in one that does not.
TEST(MatmulInput, AFillMakesTheSameProductAsTheFilledInput) {
  std::vector<std::pair<Case, bool>> cases;
  for (const int64_t n_in : {4096, 1280}) {
    for (const TensorType type : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K}) {
      cases.emplace_back(Case{type, n_in}, false);
      cases.emplace_back(Case{type, n_in}, true);
    }
    cases.emplace_back(Case{TensorType::F16, n_in}, false);
  }
  constexpr int64_t kOut = 24;
  const auto other = random_rows(TensorType::Q5_K, kOut, 4096, 8);  // Q8_K activations
  const auto other_q4_0 = random_rows(TensorType::Q4_0, kOut, 4096, 9);  // Q8_0 activations
  for (const auto& entry : cases) {
    const Case c = entry.first;  // not a structured binding: the lambdas below capture it
    const bool bands = entry.second;
    const auto w = random_rows(c.type, kOut, c.n_in, 4);
    std::vector<uint8_t> storage;
    const WeightView view = view_of(c.type, w, c.n_in, kOut, bands, storage);
    std::mt19937 rng(6);
    std::normal_distribution<float> dist;
    for (const int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      for (const int64_t n_tok : {1, 3}) {
        const auto n = static_cast<size_t>(n_tok * c.n_in);
        std::vector<float> gate(n), up(n);
        for (size_t i = 0; i < n; ++i) gate[i] = dist(rng), up[i] = dist(rng);
        std::vector<float> filled = gate;
        silu_mul(filled.data(), up.data(), static_cast<int64_t>(n));
        MatmulScratch scratch;
        std::vector<float> want(static_cast<size_t>(n_tok * kOut)), got(want.size(), -1.0f);
        matmul(view, filled.data(), n_tok, want.data(), pool, scratch);

        std::vector<float> x = gate;
        std::vector<int> times(n, 0);  // each range is filled by one thread: no two touch an element
        const InputFill fill = [&](int64_t b, int64_t e) {
          ASSERT_EQ(b / c.n_in, (e - 1) / c.n_in) << "a range across two tokens";
          silu_mul(x.data() + b, up.data() + b, e - b);
          for (int64_t i = b; i < e; ++i) ++times[static_cast<size_t>(i)];
        };
        const auto where = [&] {
          return std::string(tensor_type_name(c.type)) + (bands ? " in bands" : "") + ", n_in " +
                 std::to_string(c.n_in) + ", " + std::to_string(n_tok) + " tokens, " + std::to_string(threads) +
                 " threads";
        };
        matmul(view, x.data(), n_tok, got.data(), pool, scratch, fill);
        EXPECT_EQ(got, want) << where();
        EXPECT_EQ(x, filled) << where();
        EXPECT_EQ(std::count(times.begin(), times.end(), 1), static_cast<ptrdiff_t>(n)) << where();
        if (c.n_in != 4096) continue;

        // In groups: with a Q5_K matrix (Q8_K rows), with a Q4_0 one (Q8_0 rows).
        for (const auto* o : {&other, &other_q4_0}) {
          const TensorType ot = o == &other ? TensorType::Q5_K : TensorType::Q4_0;
          std::vector<float> want_o(static_cast<size_t>(n_tok * kOut)), got_o(want_o.size(), -1.0f);
          const WeightView ov{ot, o->data(), 4096, kOut, row_bytes(layout_of(ot), 4096)};
          matmul(ov, filled.data(), n_tok, want_o.data(), pool, scratch);
          x = gate;
          std::fill(times.begin(), times.end(), 0);
          std::fill(got.begin(), got.end(), -1.0f);
          const MatmulOutput outs[] = {{view, got.data()}, {ov, got_o.data()}};
          matmul_group(outs, x.data(), n_tok, pool, scratch, fill);
          EXPECT_EQ(got, want) << where() << ", grouped with " << tensor_type_name(ot);
          EXPECT_EQ(got_o, want_o) << where() << ", grouped with " << tensor_type_name(ot);
          EXPECT_EQ(std::count(times.begin(), times.end(), 1), static_cast<ptrdiff_t>(n))
              << where() << ", grouped with " << tensor_type_name(ot);
        }
      }
    }
  }
}

// (Kernels of another type are refused at load: model::interleave_weights.)
TEST(Matmul, BandsThatAreNotWholeAreAnError) {
  ThreadPool pool(1);
  MatmulScratch scratch;
  std::vector<float> x(64), y(12);
  const auto q = random_rows(TensorType::Q4_0, 12, 64, 1);
  const WeightView partial{TensorType::Q4_0, q.data(), 64, 12, 36, quant::traits(TensorType::Q4_0).interleaved};
  EXPECT_THROW(matmul(partial, x.data(), 1, y.data(), pool, scratch), Error);  // 12 rows: not whole bands
}

TEST(MatmulGroup, RowsOfDifferentLengthsAreAnError) {
  ThreadPool pool(1);
  MatmulScratch scratch;
  const auto a = random_rows(TensorType::Q8_0, 2, 64, 1);
  const auto b = random_rows(TensorType::Q8_0, 2, 32, 2);
  std::vector<float> x(64), ya(2), yb(2);
  const MatmulOutput outs[] = {{WeightView{TensorType::Q8_0, a.data(), 64, 2, 68}, ya.data()},
                               {WeightView{TensorType::Q8_0, b.data(), 32, 2, 34}, yb.data()}};
  EXPECT_THROW(matmul_group(outs, x.data(), 1, pool, scratch), Error);
}

}  // namespace
}  // namespace hearth::compute::test

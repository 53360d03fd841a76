#include "compute/matmul.h"

#include <algorithm>

#include "quant/type_traits.h"

namespace hearth::compute {

namespace {

// Weight rows per parallel task of the decode path: enough work (16 x 2048
// elements, ~20 KB of Q4_K) that taking a task costs nothing next to it.
constexpr int64_t kDecodeRowGrain = 16;

// Weight rows per task of the gemm path: the band (e.g. 32 x 1152 B of Q4_K
// at n_in = 2048) stays in L2 while every token tile of the batch passes over it.
constexpr int64_t kGemmRowBand = 32;

// Quantized activations per token tile of the gemm path: small enough to
// stay in L1 (48 KB here) while each weight row of the band is multiplied
// with every token of the tile.
constexpr uint64_t kTokenTileBytes = 32 * 1024;
constexpr int64_t kMaxTokenTile = 64;

// Tokens per tile: as many whole activation rows as fit kTokenTileBytes, a
// multiple of the gemm kernels' 4-token register tile, at least 4.
int64_t token_tile(uint64_t act_row) {
  const auto fit = static_cast<int64_t>(kTokenTileBytes / std::max<uint64_t>(1, act_row));
  return std::clamp<int64_t>(fit / 4 * 4, 4, kMaxTokenTile);
}

// Requests the cache lines of [p, p + n) ahead of use.
inline void prefetch(const uint8_t* p, uint64_t n) {
  for (uint64_t i = 0; i < n; i += 64) __builtin_prefetch(p + i);
}

// How far ahead of the row being multiplied the decode loop requests weight
// bytes (measured: 1-2 KB ahead is 15-20 % faster than none at 1 KB rows and
// neutral at 4.6 KB rows; 4 KB+ starts to evict what is still needed).
constexpr uint64_t kPrefetchBytes = 2048;

// The dot of one weight row with one activation row, by the same kernel the
// batched path uses for it: the type's gemm kernel when it has one (one
// token), else vec_dot. So a token's result never depends on how many other
// tokens share its batch (gemm and vec_dot differ in float summation order),
// which is what lets the scheduler promise a seeded request the same tokens
// alone, batched, or resumed from the prefix cache.
inline float row_dot(const quant::TypeTraits& tr, int64_t n, const uint8_t* row, const uint8_t* act) {
  if (!tr.gemm) return tr.vec_dot(n, row, act);
  float y = 0;
  tr.gemm(n, row, 0, 1, act, 0, 1, &y, 1);
  return y;
}

// Decode: y[o] = W[o] . act over rows [ob, oe), one dot per row. Hot
// loop of a decode step, bound by memory: while a row is multiplied, the
// bytes kPrefetchBytes ahead are requested, so the next rows stream in
// during the arithmetic instead of after it.
void rows_dot(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act, int64_t ob, int64_t oe,
              float* y) {
  const uint64_t end = static_cast<uint64_t>(oe) * w.row_bytes;  // offsets: never point past W
  for (int64_t o = ob; o < oe; ++o) {
    const uint64_t at = static_cast<uint64_t>(o) * w.row_bytes;
    if (at + kPrefetchBytes < end) prefetch(w.data + at + kPrefetchBytes, std::min(w.row_bytes, end - at - kPrefetchBytes));
    const uint8_t* row = w.data + at;
    y[o] = row_dot(tr, w.n_in, row, act);
  }
}

// One token (decode), or a batch of a type without a gemm kernel: rows are
// the parallel dimension; a batch runs one vec_dot per (row, token).
void matmul_by_vec_dot(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act,
                       uint64_t act_row, int64_t n_tokens, float* y, ThreadPool& pool) {
  pool.parallel_for(
      w.n_out,
      [&](int64_t ob, int64_t oe, int) {
        if (n_tokens == 1) {
          rows_dot(tr, w, act, ob, oe, y);
          return;
        }
        quant::generic::gemm_by_vec_dot(tr.vec_dot, w.n_in, w.data + static_cast<uint64_t>(ob) * w.row_bytes,
                                        w.row_bytes, oe - ob, act, act_row, n_tokens, y + ob, w.n_out);
      },
      kDecodeRowGrain);
}

// Prompts: bands of weight rows in parallel; within a band, token tiles that
// stay in L1, each multiplied by the band through the type's gemm kernel.
void matmul_by_gemm(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act,
                    uint64_t act_row, int64_t n_tokens, float* y, ThreadPool& pool) {
  const int64_t tile = token_tile(act_row);
  const int64_t n_bands = (w.n_out + kGemmRowBand - 1) / kGemmRowBand;
  pool.parallel_for(n_bands, [&](int64_t bb, int64_t be, int) {
    for (int64_t band = bb; band < be; ++band) {
      const int64_t r0 = band * kGemmRowBand;
      const int64_t rows = std::min(kGemmRowBand, w.n_out - r0);
      const uint8_t* wrows = w.data + static_cast<uint64_t>(r0) * w.row_bytes;
      for (int64_t t0 = 0; t0 < n_tokens; t0 += tile) {
        tr.gemm(w.n_in, wrows, w.row_bytes, rows, act + static_cast<uint64_t>(t0) * act_row, act_row,
                std::min(tile, n_tokens - t0), y + t0 * w.n_out + r0, w.n_out);
      }
    }
  });
}

}  // namespace

void matmul(const WeightView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
  if (n_tokens <= 0) return;
  const auto& tr = quant::traits(w.type);
  const auto& act_tr = quant::traits(tr.vec_dot_type);
  const uint64_t act_row = row_bytes(layout_of(tr.vec_dot_type), static_cast<uint64_t>(w.n_in));
  scratch.act.resize(act_row * static_cast<uint64_t>(n_tokens));
  uint8_t* act = scratch.act.data();

  // Each activation row is quantized once, for all weight rows.
  pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) act_tr.quantize(x + t * w.n_in, act + t * act_row, w.n_in, nullptr);
  });

  if (n_tokens > 1 && tr.gemm) {
    matmul_by_gemm(tr, w, act, act_row, n_tokens, y, pool);
  } else {
    matmul_by_vec_dot(tr, w, act, act_row, n_tokens, y, pool);
  }
}

}  // namespace hearth::compute

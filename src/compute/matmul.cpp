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

// Decode: y[o] = W[o] . act over rows [ob, oe), one vec_dot per row. Hot
// loop of a decode step, bound by memory: the dot kernels request the weight
// bytes ahead of the ones they multiply (quant/x86/avx2_common.h,
// prefetch_stream), so consecutive rows stream in during the arithmetic.
void rows_dot(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act, int64_t ob, int64_t oe,
              float* y) {
  for (int64_t o = ob; o < oe; ++o) y[o] = tr.vec_dot(w.n_in, w.data + static_cast<uint64_t>(o) * w.row_bytes, act);
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

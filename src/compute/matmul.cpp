#include "compute/matmul.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/loop_prologue.h"

#include "quant/gemm.h"
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
// multiple of the gemm kernels' register tile, at least one register tile
// (8 rows of 8192 elements overflow L1 into L2, which is still faster than
// 4-token passes: see quant::kGemmTokens).
int64_t token_tile(uint64_t act_row) {
  constexpr int64_t kRegister = quant::kGemmTokens;
  const auto fit = static_cast<int64_t>(kTokenTileBytes / std::max<uint64_t>(1, act_row));
  return std::clamp<int64_t>(fit / kRegister * kRegister, kRegister, kMaxTokenTile);
}

// The dot of one weight row with one activation row: the type's vec_dot,
// the fast one-row kernel (with in-kernel weight prefetch). Batch-invariant
// although the batched path runs the gemm kernel: every gemm kernel shares
// its float steps with its type's vec_dot (quant/gemm.h) and returns the same
// bits for every (row, token) pair (tests/quant/gemm_test.cpp), so a token's
// result never depends on how many other tokens share its batch, which is
// what lets the scheduler promise a seeded request the same tokens alone,
// batched, or resumed from the prefix cache.
inline float row_dot(const quant::TypeTraits& tr, int64_t n, const uint8_t* row, const uint8_t* act) {
  return tr.vec_dot(n, row, act);
}

// Decode: y[o] = W[o] . act over rows [ob, oe), one dot per row. Hot
// loop of a decode step, bound by memory: the dot kernels request the weight
// bytes ahead of the ones they multiply (quant/x86/avx2_common.h,
// prefetch_stream), so consecutive rows stream in during the arithmetic.
// Interleaved weights: quant::decode_rows, whose kernels stream S bands at
// once and a thread's consecutive chunks continue each of its S streams.
// Llama-3.2-1B decode on Zen 5, 2 threads, against each chunk's bands split
// in two runs: Q4_K_M 79-84 -> 91.5-93 %, Q4_0 78-90 -> 86-87.5 %, Q8_0
// 80-88 -> 87-91.5 % of the read bandwidth (S = 2; four streams for the
// legacy formats lost on Zen 4: quant/x86/legacy_bands_simd.h).
void rows_dot(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act, int64_t ob, int64_t oe,
              float* y) {
  if (w.interleaved) {
    quant::decode_rows(*w.interleaved, w.n_in, w.data, w.row_bytes, w.n_out, act, ob, oe, y);
    return;
  }
  for (int64_t o = ob; o < oe; ++o) y[o] = row_dot(tr, w.n_in, w.data + static_cast<uint64_t>(o) * w.row_bytes, act);
}

// A batch of a type without a gemm kernel: rows are the parallel dimension,
// one vec_dot per (row, token).
void matmul_by_vec_dot(const quant::TypeTraits& tr, const WeightView& w, const uint8_t* act,
                       uint64_t act_row, int64_t n_tokens, float* y, ThreadPool& pool) {
  pool.parallel_for(
      w.n_out,
      [&](int64_t ob, int64_t oe, int) {
        quant::generic::gemm_by_vec_dot(tr.vec_dot, w.n_in, w.data + static_cast<uint64_t>(ob) * w.row_bytes,
                                        w.row_bytes, oe - ob, act, act_row, n_tokens, y + ob, w.n_out);
      },
      kDecodeRowGrain);
}

// The type's gemm kernel, or its band kernel for interleaved weights, on
// `rows` weight rows from r0 (whole bands) and n_tok activation rows.
void band_gemm(const quant::TypeTraits& tr, const WeightView& w, int64_t r0, int64_t rows, const uint8_t* act,
               uint64_t act_row, int64_t n_tok, float* y) {
  const uint8_t* wrows = w.data + static_cast<uint64_t>(r0) * w.row_bytes;
  if (w.interleaved) {
    w.interleaved->gemm(w.n_in, wrows, rows / w.interleaved->rows, act, act_row, n_tok, y + r0, w.n_out);
  } else {
    tr.gemm(w.n_in, wrows, w.row_bytes, rows, act, act_row, n_tok, y + r0, w.n_out);
  }
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
      for (int64_t t0 = 0; t0 < n_tokens; t0 += tile) {
        band_gemm(tr, w, r0, rows, act + static_cast<uint64_t>(t0) * act_row, act_row,
                  std::min(tile, n_tokens - t0), y + t0 * w.n_out);
      }
    }
  });
}

// Quantizes the n_tokens rows of x into scratch as `tr`'s kernels read them
// (its vec_dot_type, plus any side data: quant::quantize_activation), once
// for all weight rows, each row filled first if asked; returns them, act_row
// bytes apart.
const uint8_t* quantize_activations(const quant::TypeTraits& tr, const float* x, int64_t n_in, int64_t n_tokens,
                                    uint64_t act_row, const InputFill& fill, ThreadPool& pool,
                                    MatmulScratch& scratch) {
  scratch.act.resize(act_row * static_cast<uint64_t>(n_tokens));
  uint8_t* act = scratch.act.data();
  pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) {
      if (fill) fill(t * n_in, (t + 1) * n_in);
      quant::quantize_activation(tr, x + t * n_in, act + t * act_row, n_in);
    }
  });
  return act;
}

// Elements of one token's activation row per piece of its loop prologue:
// ~1 µs of quantizing, so that both threads of a 2048-element row get one.
constexpr int64_t kRowPiece = 1024;

// One token (decode): the rows of all the matrices, one after the other, are
// the parallel dimension of a single loop, a single streaming pass over the
// weights, bound by memory. The loop's threads first fill and quantize the
// token's row in pieces (core/loop_prologue.h), each piece with its side data
// (quant::quantize_activation_blocks), then each multiplies its rows by the
// whole row. The side data once came after all the pieces, one thread's step
// over the whole row that the others waited for: 0.9-2.2 µs of every decode
// matmul on the Zen 4 host, the most where the two vCPUs do not share a cache
// (half the row's bytes then come from the other core's).
void decode(std::span<const MatmulOutput> outs, const quant::TypeTraits& tr, const float* x, const InputFill& fill,
            ThreadPool& pool, MatmulScratch& scratch) {
  const int64_t n_in = outs[0].w.n_in;
  scratch.act.resize(quant::activation_row_bytes(tr, n_in));
  uint8_t* act = scratch.act.data();
  const int64_t granule = quant::activation_piece_size(tr);
  const int64_t piece = std::max(granule, kRowPiece / granule * granule);
  LoopPrologue row((n_in + piece - 1) / piece, [&](int64_t p) {
    const int64_t b = p * piece, e = std::min(n_in, b + piece);
    if (fill) fill(b, e);
    quant::quantize_activation_blocks(tr, x, act, n_in, b, e);
  });
  int64_t total = 0;
  for (const MatmulOutput& o : outs) total += o.w.n_out;
  const uint64_t act_bytes = scratch.act.size();
  pool.parallel_for(
      total,
      [&](int64_t b, int64_t e, int) {
        row.wait();
        // The row's lines all requested at once: half of them (pieces, side
        // data) were written by the other threads, and in the host's fast
        // state each is a transfer between cores that the first band pass
        // would otherwise meet one at a time. Llama-3.2-1B Q4_0, builds in
        // turn (16 pairs, Zen 4): paired median +0.8 points (ahead in 9),
        // q/k/v, output projection and down 60-280 µs a token faster.
        for (uint64_t o = 0; o < act_bytes; o += 64) __builtin_prefetch(act + o);
        int64_t first = 0;  // index of matrix o's row 0 in [0, total)
        for (const MatmulOutput& o : outs) {
          const int64_t ob = std::max<int64_t>(b - first, 0), oe = std::min(e - first, o.w.n_out);
          if (ob < oe) rows_dot(quant::traits(o.w.type), o.w, act, ob, oe, o.y);
          first += o.w.n_out;
        }
      },
      kDecodeRowGrain);
}

// y = W act for a batch of quantized activations: the gemm path for a type
// with a gemm kernel or weights in bands, else the vec_dot path.
void multiply(const WeightView& w, const uint8_t* act, uint64_t act_row, int64_t n_tokens, float* y,
              ThreadPool& pool) {
  const auto& tr = quant::traits(w.type);
  if (tr.gemm || w.interleaved) {
    matmul_by_gemm(tr, w, act, act_row, n_tokens, y, pool);
  } else {
    matmul_by_vec_dot(tr, w, act, act_row, n_tokens, y, pool);
  }
}

// A view in bands must be in whole bands.
void check_bands(const WeightView& w) {
  if (!w.interleaved) return;
  if (w.n_out % w.interleaved->rows != 0) {
    throw Error(std::string("matmul: a ") + std::string(tensor_type_name(w.type)) + " matrix of " +
                std::to_string(w.n_out) + " rows cannot be in bands");
  }
}

}  // namespace

void dequantize_row(const WeightView& w, int64_t row, float* out) {
  const auto& tr = quant::traits(w.type);
  if (!w.interleaved) {
    tr.dequantize(w.data + static_cast<uint64_t>(row) * w.row_bytes, out, w.n_in);
    return;
  }
  const int64_t rows = w.interleaved->rows;
  thread_local std::vector<uint8_t> band;
  band.resize(w.row_bytes * static_cast<uint64_t>(rows));
  w.interleaved->unpack(w.n_in, w.data + static_cast<uint64_t>(row - row % rows) * w.row_bytes, band.data());
  tr.dequantize(band.data() + static_cast<uint64_t>(row % rows) * w.row_bytes, out, w.n_in);
}

void matmul(const WeightView& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch, const InputFill& fill) {
  const MatmulOutput out[] = {{w, y}};
  matmul_group(out, x, n_tokens, pool, scratch, fill);
}

void matmul_group(std::span<const MatmulOutput> outs, const float* x, int64_t n_tokens, ThreadPool& pool,
                  MatmulScratch& scratch, const InputFill& fill) {
  if (outs.empty() || n_tokens <= 0) return;
  const int64_t n_in = outs[0].w.n_in;
  const auto& tr0 = quant::traits(outs[0].w.type);
  bool shared = true;
  for (const MatmulOutput& o : outs) {
    if (o.w.n_in != n_in) {
      throw Error("matmul_group: weight rows of " + std::to_string(o.w.n_in) + " and " + std::to_string(n_in) +
                  " elements cannot share one input");
    }
    const auto& tr = quant::traits(o.w.type);
    check_bands(o.w);
    shared = shared && tr.vec_dot_type == tr0.vec_dot_type && tr.act_extras == tr0.act_extras;
  }
  if (!shared) {
    // The input made final once, then one product per matrix.
    if (fill) {
      pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) fill(t * n_in, (t + 1) * n_in);
      });
    }
    for (const MatmulOutput& o : outs) matmul_group({&o, 1}, x, n_tokens, pool, scratch, {});
    return;
  }
  if (n_tokens == 1) {
    decode(outs, tr0, x, fill, pool, scratch);
    return;
  }
  const uint64_t act_row = quant::activation_row_bytes(tr0, n_in);
  const uint8_t* act = quantize_activations(tr0, x, n_in, n_tokens, act_row, fill, pool, scratch);
  for (const MatmulOutput& o : outs) multiply(o.w, act, act_row, n_tokens, o.y, pool);
}

}  // namespace hearth::compute

// The x86 kernel of Q6_K in bands of 8 rows (layout: quant/q6_K_bands.h)
// with Q8_K activations, for any vector policy (x86/band_kernels.h). Lanes
// are rows (as in q4_K_bands_simd.h): each group of
// three vectors gives four vectors of 6-bit indices (0..63), 4 elements of
// each row, each meeting one 4-byte activation broadcast. Two maddubs
// products add up in int16 (each below 2 * 63 * 128, two below 2^15), then
// one madd by the rows' sub-block scales as int16 pairs (sc_r, sc_r) widens
// them. The -32 of every index is one madd per pair of sub-blocks, against
// the activation's 16-element sums.
//
// One core, AMD Zen 4 (make bench, Bands/Q6_K against VecDot/Q6_K): 23-25
// against 19-20 GB/s from memory, 29-30 against 21-22 in L2; BandGemm 92
// against the row gemm's 105 GFLOP/s (prefill reads Q6_K's few matrices at
// that speed: Q4_K_M's output, half its ffn_down and attn_v).
// Tuning, measured the same way:
//   - the indices re-encoded (q6_K_bands.h: 11 operations per 4 vectors
//     instead of ql / qh's 17), with one mask register for all (three
//     masks spilled: 26.5 GB/s in L2): 22-23 -> 23-25 from memory;
//   - the file's ql and qh in regions of their own, not in groups: 5 GB/s
//     from memory (software prefetch brought it to 14-18);
//   - keeping the compiler from hoisting loads across groups (an empty asm
//     on the sums) spills less: 29.5 -> 32 GB/s in L2, gemm 92 -> 98, but
//     22.5 against 23-24.5 from memory, the case decode runs: the loads
//     issued early keep more of the stream in flight.
// With VNNI (quarter_vnni), one core, Zen 5, against the AVX-512 kernel in
// the same runs: BandGemm 291-297 against 265-270 GFLOP/s, 73-74 against
// 65-66 GB/s in L2 (the gemm's one-token tile); from memory, two threads, it
// streams slower, and decode keeps the AVX-512 kernel
// (x86/bands_vnni_avx512.cpp).
#pragma once

#include <cstdint>

#include "quant/blocks.h"
#include "quant/q6_K_bands.h"
#include "quant/x86/band_kernels.h"

namespace hearth::quant::bandsimd {

template <typename Vec>
struct Q6KStep {
  using V = Vec;
  using I = typename V::I;
  using F = typename V::F;
  // A wide band's offsets (V::kBandRows = 16: bands.h) are the 8-row
  // layout's times kSpread.
  static constexpr uint64_t kSpread = V::kBandRows / bands::kRows;
  static constexpr uint64_t kSuperBlockBytes = kSpread * bands::q6k::kSuperBlockBytes;
  // Tokens per register tile (one token: BandGemm 78 against 92 GFLOP/s).
  static constexpr int kTokens = 2;

  // Pair p of the rows' scales as int16 lanes (sc_2p,r, sc_2p+1,r).
  static I scale_pair(const uint8_t* sb, uint64_t stride, int p) {
    return V::load_i8_i16(sb + kSpread * (bands::q6k::kScales + 16 * p), stride);
  }

  // Group w (0..15) of a super-block's indices: a, b, c and d (q6_K_bands.h)
  // of 4 elements of each row. a, b, c: the low 6 bits; d: the top 2 bits of
  // each, masked before the shifts, so no bit crosses into the other byte of
  // a 16-bit lane (one mask register for all).
  struct Codes {
    I a, b, c, d;
  };
  [[gnu::always_inline]] static inline Codes codes(const uint8_t* sb, uint64_t stride, int w, I top2) {
    const uint8_t* group = sb + kSpread * (bands::q6k::kCodes + bands::q6k::kGroupBytes * static_cast<uint64_t>(w));
    const I v0 = V::load(group, stride), v1 = V::load(group + kSpread * 32, stride);
    const I v2 = V::load(group + kSpread * 64, stride);
    const I d = V::or_(V::or_(V::template srli16<6>(V::and_(v0, top2)), V::template srli16<4>(V::and_(v1, top2))),
                       V::template srli16<2>(V::and_(v2, top2)));
    return {V::andnot(top2, v0), V::andnot(top2, v1), V::andnot(top2, v2), d};
  }

  // Quarter hk of a super-block: half h = hk / 2, rows l = 0..15 (k = 0) or
  // 16..31 (k = 1) of it: sub-blocks 8h + k + 0, 2, 4, 6 (scale pairs 4h + m,
  // element k). Inlined into loops unrolled so that hk, and with it every
  // shuffle's indices, is a constant.
  template <int NT>
  [[gnu::always_inline]] static inline void quarter(const uint8_t* sb, uint64_t stride, const BlockQ8_K* const (&y)[NT],
                                                    int64_t s, int hk, I (&sumi)[NT]) {
    const I top2 = V::set1_8(static_cast<char>(0xc0));
    const int h = hk / 2, k = hk % 2;
    const I sa = one_of_pair<V>(scale_pair(sb, stride, 4 * h), k);
    const I sb1 = one_of_pair<V>(scale_pair(sb, stride, 4 * h + 1), k);
    const I sc = one_of_pair<V>(scale_pair(sb, stride, 4 * h + 2), k);
    const I sd = one_of_pair<V>(scale_pair(sb, stride, 4 * h + 3), k);
#pragma GCC unroll 1
    for (int w2 = 0; w2 < 2; ++w2) {
      I a16[NT], b16[NT], c16[NT], d16[NT];
      for (int t = 0; t < NT; ++t) a16[t] = b16[t] = c16[t] = d16[t] = V::zero();
      for (int i = 0; i < 2; ++i) {
        const int wl = 4 * k + 2 * w2 + i;  // w % 8
        const Codes q = codes(sb, stride, 8 * h + wl, top2);
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y[t][s].qs + 128 * h + 4 * wl;
          a16[t] = V::add16(a16[t], V::maddubs(q.a, V::bcast4(yq)));
          b16[t] = V::add16(b16[t], V::maddubs(q.b, V::bcast4(yq + 32)));
          c16[t] = V::add16(c16[t], V::maddubs(q.c, V::bcast4(yq + 64)));
          d16[t] = V::add16(d16[t], V::maddubs(q.d, V::bcast4(yq + 96)));
        }
      }
      for (int t = 0; t < NT; ++t) {
        const I ab = V::add32(V::madd(a16[t], sa), V::madd(b16[t], sb1));
        const I cd = V::add32(V::madd(c16[t], sc), V::madd(d16[t], sd));
        sumi[t] = V::add32(sumi[t], V::add32(ab, cd));
      }
    }
  }

  // With vpdpbusd: quarter hk as above, each sub-block's products summed in
  // int32 over its 16 elements (a sub-block reaches 16 * 63 * 128: no int16
  // sum holds it), then multiplied by its scale in int32 (vpmulld, once per
  // sub-block): where maddubs and an int16 add were per 4 elements and a madd
  // per 8.
  template <int NT>
  [[gnu::always_inline]] static inline void quarter_vnni(const uint8_t* sb, uint64_t stride,
                                                         const BlockQ8_K* const (&y)[NT], int64_t s, int hk,
                                                         I (&sumi)[NT]) {
    const I top2 = V::set1_8(static_cast<char>(0xc0));
    const int h = hk / 2, k = hk % 2;
    I a[NT], b[NT], c[NT], d[NT];
    for (int t = 0; t < NT; ++t) a[t] = b[t] = c[t] = d[t] = V::zero();
#pragma GCC unroll 1
    for (int w = 0; w < 4; ++w) {
      const int wl = 4 * k + w;  // w % 8
      const Codes q = codes(sb, stride, 8 * h + wl, top2);
      for (int t = 0; t < NT; ++t) {
        const int8_t* yq = y[t][s].qs + 128 * h + 4 * wl;
        a[t] = V::dpbusd4(a[t], q.a, yq);
        b[t] = V::dpbusd4(b[t], q.b, yq + 32);
        c[t] = V::dpbusd4(c[t], q.c, yq + 64);
        d[t] = V::dpbusd4(d[t], q.d, yq + 96);
      }
    }
    // element k of scale pairs 4h .. 4h + 3 as int32 lanes (signed)
    I sc[4];
    for (int m = 0; m < 4; ++m) {
      const I pair = scale_pair(sb, stride, 4 * h + m);
      sc[m] = V::template srai32<16>(k ? pair : V::template slli32<16>(pair));
    }
    for (int t = 0; t < NT; ++t) {
      const I ab = V::add32(V::mullo32(a[t], sc[0]), V::mullo32(b[t], sc[1]));
      const I cd = V::add32(V::mullo32(c[t], sc[2]), V::mullo32(d[t], sc[3]));
      sumi[t] = V::add32(sumi[t], V::add32(ab, cd));
    }
  }

  // acc[t] (lane r: row r) += super-block s of the bands' rows (at sb) .
  // that of activation row t.
  template <int NT>
  [[gnu::always_inline]] static inline void superblock(const uint8_t* sb, uint64_t stride,
                                                       const BlockQ8_K* const (&y)[NT], int64_t s, F (&acc)[NT]) {
    namespace q6k = bands::q6k;
    I sumi[NT], offs[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = offs[t] = V::zero();
    for (int p = 0; p < 8; ++p) {
      const I pair = scale_pair(sb, stride, p);
      for (int t = 0; t < NT; ++t) offs[t] = V::add32(offs[t], V::madd(pair, V::bcast4(y[t][s].bsums + 2 * p)));
    }
    // Two quarters unrolled, spilling far less than four (BandGemm 92 -> 104
    // GFLOP/s). The decode tile unrolled four while the super-block's scales
    // came after its indices (q6_K_bands.h): its loads, issued early, then
    // kept more of the stream in flight (23 against 20 GB/s from memory).
    // In ascending order two is faster there too: one core from memory
    // 24.8-25.2 -> 26.6-27.4 GB/s, two threads in the host's fast state 80 ->
    // 83 % of the read probe (medians of ~80 passes, 2026-11-30).
    if constexpr (HasDpbusd<V>) {
#pragma GCC unroll 4
      for (int hk = 0; hk < 4; ++hk) quarter_vnni<NT>(sb, stride, y, s, hk, sumi);
    } else {
#pragma GCC unroll 2
      for (int hk = 0; hk < 4; ++hk) quarter<NT>(sb, stride, y, s, hk, sumi);
    }
    const F d = V::load_ph(sb + kSpread * q6k::kD, stride);
    for (int t = 0; t < NT; ++t) {
      const I total = V::sub32(sumi[t], V::template slli32<5>(offs[t]));
      acc[t] = V::fmadd(V::fmul(d, V::fset1(y[t][s].d)), V::cvt(total), acc[t]);
    }
  }
};

template <typename V>
using Q6KBands = SuperBlockBands<Q6KStep<V>>;

}  // namespace hearth::quant::bandsimd

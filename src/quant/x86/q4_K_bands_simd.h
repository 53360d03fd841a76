// The x86 kernel of Q4_K in bands of 8 rows (layout: quant/q4_K_bands.h)
// with Q8_K activations, for any vector policy (x86/band_kernels.h). Lanes
// are rows, as in the legacy bands (legacy_bands_simd.h): vector u of a super-block's codes holds 4 qs bytes
// of each row, and the 4 activation bytes each nibble meets are one broadcast.
// Per sub-block and token: 8 maddubs add up in int16 (each below
// 2 * 15 * 128, 8 of them below 2^15), then one madd by the rows' 6-bit
// scales, as int16 pairs (sc_r, sc_r), leaves sc_r * sum_r in lane r. The
// mins cost one madd per pair of sub-blocks and token: the rows' mins as
// int16 pairs (m_2p,r, m_2p+1,r) against the activation's sums of both
// sub-blocks. Against the row kernel (x86/q4_K_avx2.cpp), which reduces every
// row's lanes and unpacks every row's scales alone, a super-block costs far
// fewer operations. One core, AMD Zen 4 (make bench, Bands/Q4_K against
// VecDot/Q4_K): 31 against 18 GB/s in L2, 24 against 17 from memory;
// BandGemm 155 against 110 GFLOP/s.
//
// Tuning, measured the same way:
//   - no software prefetch: the legacy bands' L1 + L2 requests (18 lines
//     each per super-block) cost 22.5 -> 18 GB/s from memory, L2 requests
//     alone 22.4; the stream prefetchers keep up with a band's one stream;
//   - chunks unrolled (their scale shuffles get constant indices: 27 -> 30
//     GB/s in L2), the 8 vectors of a chunk unrolled by 2 only: fully
//     unrolled, the compiler hoists every product ahead of its sum and spills
//     them (16 -> 22 GB/s from memory);
//   - 2 tokens per tile: 4 spill (BandGemm 134 against 150 GFLOP/s).
//   - the mins cost ~10 % (34 GB/s in L2 without them); one madd per
//     sub-block (8 broadcasts of its two bsums, 8 shuffles of the mins)
//     instead of one per pair: 30 against 31 GB/s in L2, gemm 150 against 155.
// With VNNI (chunk_vnni), one core, Zen 5, against the AVX-512 kernel in the
// same runs: 79 against 68-70 GB/s in L2 with two vpdpbusd chains per
// sub-block (55-61 with one: the chain's latency), BandGemm 349-361 against
// 342-349 GFLOP/s; Llama-3.2-1B Q4_K_M pp512 256-258 -> 264-270 tok/s, decode
// 90.2-96.0 -> 95.7-98.0 % of the read probe (3 pairs, reads 57-60 GB/s).
// That decode figure did not hold: the stream benchmark, which compares each
// pass with probes around it, found the plain kernel streamed faster from
// memory, and decode took it until chunk_vnni lost two operations per code
// vector (x86/bands_vnni_avx512.cpp).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/band_kernels.h"

namespace hearth::quant::bandsimd {

template <typename Vec>
struct Q4KStep {
  using V = Vec;
  using I = typename V::I;
  using F = typename V::F;
  // A wide band's offsets (V::kBandRows = 16: bands.h) are the 8-row
  // layout's times kSpread.
  static constexpr uint64_t kSpread = V::kBandRows / bands::kRows;
  static constexpr uint64_t kSuperBlockBytes = kSpread * bands::q4k::kSuperBlockBytes;
  // Tokens per register tile: per token two int16 sums, an int32 sum and a
  // float accumulator stay in registers beside a code vector's two halves
  // (see the tuning notes above).
  static constexpr int kTokens = 2;

  // The 6-bit scales (or mins) of 4 sub-blocks from their low nibbles (at
  // `shift_low` in `low`) and high bits (at `shift_high` in `high`): the bytes
  // of pairs 2g and 2g + 1 (q4_K_bands.h).
  static I six_bits(I low, I high, int shift_low, int shift_high) {
    const I l = V::and_(V::srl16(low, shift_low), V::set1_8(0x0f));
    const I h = shift_high >= 0 ? V::sll16(high, shift_high) : V::srl16(high, -shift_high);
    return V::or_(l, V::and_(h, V::set1_8(0x30)));
  }

  // The activation block's sums of sub-blocks 2p and 2p + 1 (each of two
  // 16-element bsums) as int16 pairs in every 32-bit lane, for p = 0..3.
  static void pair_sums(const BlockQ8_K& y, I (&s)[4]) {
    const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
    // per 128 bits: sums of adjacent bsums, twice: S0 S1 S2 S3 S0 .. | S4 .. S7 S4 ..
    const __m256i sub = _mm256_hadd_epi16(bs, bs);
    for (int p = 0; p < 4; ++p) {
      s[p] = V::uniform(_mm256_permutevar8x32_epi32(sub, _mm256_set1_epi32(p % 2 + 4 * (p / 2))));
    }
  }

  // Vector v of a chunk's codes (at `codes`): its low nibbles (sub-block 2c)
  // and high ones (2c + 1); y_bytes: the 4 activation bytes of sub-block 2c
  // that the low nibbles meet (the high ones meet those 32 further).
  struct Nibbles {
    I lo, hi;
  };
  [[gnu::always_inline]] static inline Nibbles nibbles(const uint8_t* codes, uint64_t stride, int v, I low4) {
    const I x = V::load(codes + kSpread * 32 * v, stride);
    return {V::and_(x, low4), V::and_(V::template srli16<4>(x), low4)};
  }
  static const int8_t* y_bytes(const BlockQ8_K& y, int c, int v) { return y.qs + 64 * c + 4 * v; }

  // With vpdpbusd: chunk c (sub-blocks 2c, 2c + 1; scales: pair c % 2 of
  // sc) into sumi, each sub-block's products summed in int32 by one
  // vpdpbusd per vector (a sub-block reaches 32 * 15 * 128: no int16 sum
  // holds it), then multiplied by its scale in int32 (vpmulld, once per
  // sub-block): where maddubs, an int16 add and a madd were. The high
  // nibbles stay in place (x & 0xf0, 16 times the code: an and-not where a
  // shift and an and were), their sum comes 16 times too large, exactly
  // (at most 32 * 240 * 128 per lane), and one shift per sub-block and
  // token brings it back (as Q4_0's, legacy_bands_simd.h). Zen 5, 3 pairs
  // in turn: BandGemm/Q4_K 291-355 -> 342-391 GFLOP/s; decode takes this
  // kernel since (x86/bands_vnni_avx512.cpp).
  template <int NT>
  [[gnu::always_inline]] static inline void chunk_vnni(const uint8_t* codes, uint64_t stride,
                                                       const BlockQ8_K* const (&y)[NT], int64_t s, int c, I sc,
                                                       I (&sumi)[NT]) {
    const I low4 = V::set1_8(0x0f);
    I lo32[2][NT], hi32[2][NT];  // two chains each: even and odd vectors
    for (int k = 0; k < 2; ++k) {
      for (int t = 0; t < NT; ++t) lo32[k][t] = hi32[k][t] = V::zero();
    }
#pragma GCC unroll 8
    for (int v = 0; v < 8; ++v) {
      const I x = V::load(codes + kSpread * 32 * v, stride);
      const I x_lo = V::and_(x, low4), x_hi16 = V::andnot(low4, x);
      for (int t = 0; t < NT; ++t) {
        const int8_t* yq = y_bytes(y[t][s], c, v);
        lo32[v % 2][t] = V::dpbusd4(lo32[v % 2][t], x_lo, yq);
        hi32[v % 2][t] = V::dpbusd4(hi32[v % 2][t], x_hi16, yq + 32);
      }
    }
    // lane r of the pair: (sc_2c,r, sc_2c+1,r) as int16, both below 64
    const I pair = V::half_u8_i16(sc, c % 2);
    const I s_lo = V::and_(pair, V::set1_32(0xffff)), s_hi = V::template srli32<16>(pair);
    for (int t = 0; t < NT; ++t) {
      const I lo = V::add32(lo32[0][t], lo32[1][t]);
      const I hi = V::template srai32<4>(V::add32(hi32[0][t], hi32[1][t]));
      sumi[t] = V::add32(sumi[t], V::add32(V::mullo32(lo, s_lo), V::mullo32(hi, s_hi)));
    }
  }

  // acc[t] (lane r: row r) += super-block s of the bands' rows (at sb) .
  // that of activation row t.
  template <int NT>
  [[gnu::always_inline]] static inline void superblock(const uint8_t* sb, uint64_t stride,
                                                       const BlockQ8_K* const (&y)[NT], int64_t s, F (&acc)[NT]) {
    namespace q4k = bands::q4k;
    const I low4 = V::set1_8(0x0f);
    const I low0 = V::load(sb + kSpread * q4k::kNibbles, stride);
    const I low1 = V::load(sb + kSpread * (q4k::kNibbles + 32), stride);
    const I high = V::load(sb + kSpread * q4k::kHighs, stride);

    // The mins: sum_j m_j,r (bsums_2j + bsums_2j+1), per token, a pair of
    // sub-blocks per madd.
    const I m_lo = six_bits(low0, high, 4, 0), m_hi = six_bits(low1, high, 4, -2);
    const I m16[4] = {V::half_u8_i16(m_lo, 0), V::half_u8_i16(m_lo, 1), V::half_u8_i16(m_hi, 0),
                      V::half_u8_i16(m_hi, 1)};
    I mins[NT];
    for (int t = 0; t < NT; ++t) {
      I sums[4];
      pair_sums(y[t][s], sums);
      mins[t] = V::add32(V::add32(V::madd(m16[0], sums[0]), V::madd(m16[1], sums[1])),
                         V::add32(V::madd(m16[2], sums[2]), V::madd(m16[3], sums[3])));
    }

    // The codes: sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles) of
    // vectors 8c .. 8c + 7.
    const I sc0 = six_bits(low0, high, 0, 4), sc1 = six_bits(low1, high, 0, 2);
    I sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = V::zero();
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      if constexpr (HasDpbusd<V>) {
        chunk_vnni<NT>(sb + kSpread * (q4k::kCodes + 256 * c), stride, y, s, c, c < 2 ? sc0 : sc1, sumi);
        continue;
      }
      I lo16[NT], hi16[NT];
      for (int t = 0; t < NT; ++t) lo16[t] = hi16[t] = V::zero();
      const uint8_t* codes = sb + kSpread * (q4k::kCodes + 256 * c);
#pragma GCC unroll 2
      for (int v = 0; v < 8; ++v) {
        const Nibbles x = nibbles(codes, stride, v, low4);
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y_bytes(y[t][s], c, v);
          lo16[t] = V::add16(lo16[t], V::maddubs(x.lo, V::bcast4(yq)));
          hi16[t] = V::add16(hi16[t], V::maddubs(x.hi, V::bcast4(yq + 32)));
        }
      }
      // sub-blocks 2c and 2c + 1: pair c % 2 of sc0 (c < 2) or sc1
      const I sc = V::half_u8_i16(c < 2 ? sc0 : sc1, c % 2);
      const I s_lo = one_of_pair<V>(sc, 0), s_hi = one_of_pair<V>(sc, 1);
      for (int t = 0; t < NT; ++t) {
        sumi[t] = V::add32(sumi[t], V::add32(V::madd(lo16[t], s_lo), V::madd(hi16[t], s_hi)));
      }
    }

    const F d = V::load_ph(sb + kSpread * q4k::kD, stride);
    const F dmin = V::load_ph(sb + kSpread * q4k::kDmin, stride);
    for (int t = 0; t < NT; ++t) {
      const F dy = V::fset1(y[t][s].d);
      acc[t] = V::fmadd(V::fmul(d, dy), V::cvt(sumi[t]), acc[t]);
      acc[t] = V::fnmadd(V::fmul(dmin, dy), V::cvt(mins[t]), acc[t]);
    }
  }
};

template <typename V>
using Q4KBands = SuperBlockBands<Q4KStep<V>>;

}  // namespace hearth::quant::bandsimd

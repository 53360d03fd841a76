// The AVX-512 vector policy of the band kernels (x86/band_kernels.h): two
// bands per 512-bit vector, band k in the low 256 bits and k + partner in the
// high ones; and the BandGemmFn that runs a family on it (an odd last band by
// the AVX2 table's kernel).
//
// Include only inside an AVX-512 target region (x86/bands_avx512.cpp,
// bands_vnni_avx512.cpp), after band_kernels.h: everything here is in an
// unnamed namespace, so each file compiles its own copy for its own target,
// and no function is shared under one name between targets
// (cmake/hearth.cmake says why that matters).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/bands.h"
#include "quant/interleave.h"
#include "quant/x86/band_kernels.h"

namespace hearth::quant::avx512 {

namespace {

// Two bands per vector (the interface: x86/bands_avx2.h).
struct Zmm {
  using I = __m512i;
  using F = __m512;
  static constexpr int kBands = 2;
  static constexpr int kBandRows = bands::kRows;
  static constexpr int kVector = 4 * kBandRows;

  static __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static __m256i pair16(const uint8_t* p, uint64_t stride) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(load16(p)), load16(p + stride), 1);
  }

  static I load(const uint8_t* p, uint64_t stride) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + stride)), 1);
  }
  static I load_i8_i16(const uint8_t* p, uint64_t stride) { return _mm512_cvtepi8_epi16(pair16(p, stride)); }
  static F load_ph(const uint8_t* p, uint64_t stride) { return _mm512_cvtph_ps(pair16(p, stride)); }
  static I bcast4(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return _mm512_set1_epi32(v);
  }
  static I uniform(__m256i v) { return _mm512_broadcast_i64x4(v); }

  static I zero() { return _mm512_setzero_si512(); }
  static I set1_8(char v) { return _mm512_set1_epi8(v); }
  static I set1_16(int16_t v) { return _mm512_set1_epi16(v); }
  static I set1_32(int32_t v) { return _mm512_set1_epi32(v); }
  static I and_(I a, I b) { return _mm512_and_si512(a, b); }
  static I andnot(I a, I b) { return _mm512_andnot_si512(a, b); }
  static I or_(I a, I b) { return _mm512_or_si512(a, b); }
  static I xor_(I a, I b) { return _mm512_xor_si512(a, b); }
  static I add16(I a, I b) { return _mm512_add_epi16(a, b); }
  static I add32(I a, I b) { return _mm512_add_epi32(a, b); }
  static I sub32(I a, I b) { return _mm512_sub_epi32(a, b); }
  template <int N>
  static I srli16(I a) {
    return _mm512_srli_epi16(a, N);
  }
  template <int N>
  static I slli32(I a) {
    return _mm512_slli_epi32(a, N);
  }
  template <int N>
  static I srli32(I a) {
    return _mm512_srli_epi32(a, N);
  }
  template <int N>
  static I srai32(I a) {
    return _mm512_srai_epi32(a, N);
  }
  static I mullo32(I a, I b) { return _mm512_mullo_epi32(a, b); }
  static I srl16(I a, int n) { return _mm512_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  static I sll16(I a, int n) { return _mm512_sll_epi16(a, _mm_cvtsi32_si128(n)); }
  static I maddubs(I u8, I s8) { return _mm512_maddubs_epi16(u8, s8); }
  static I madd(I a, I b) { return _mm512_madd_epi16(a, b); }
  // No vpsignb on 512-bit vectors: y negated where x < 0 (where x = 0, |x|
  // is 0 and so is the product, as with AVX2's sign).
  static I abs8(I x) { return _mm512_abs_epi8(x); }
  static I sign8(I y, I x) { return _mm512_mask_sub_epi8(y, _mm512_movepi8_mask(x), _mm512_setzero_si512(), y); }
  static I shuffle8(I v, __m128i pattern) { return _mm512_shuffle_epi8(v, _mm512_broadcast_i32x4(pattern)); }
  // Bytes 16 h .. 16 h + 15 of each band's 32: 64-bit words 2h, 2h + 1 of
  // the low half and 4 + 2h, 5 + 2h of the high one.
  static I half_u8_i16(I v, int h) {
    const __m512i words = _mm512_setr_epi64(2 * h, 2 * h + 1, 4 + 2 * h, 5 + 2 * h, 0, 0, 0, 0);
    return _mm512_cvtepu8_epi16(_mm512_castsi512_si256(_mm512_permutexvar_epi64(words, v)));
  }

  static F fzero() { return _mm512_setzero_ps(); }
  static F fset1(float v) { return _mm512_set1_ps(v); }
  static F cvt(I a) { return _mm512_cvtepi32_ps(a); }
  static F fmul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  static void store(float* y, int64_t y_stride, F v) {
    _mm256_storeu_ps(y, _mm512_castps512_ps256(v));
    _mm256_storeu_ps(y + y_stride, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
};

// One wide band (16 rows: legacy_bands.h, bands.h) per vector: a code
// vector is one 512-bit load, the rows' fp16 scales (or the super-block
// formats' 16-byte pieces) one 256-bit load, a store the band's 16 outputs.
// Rows 0-7 lie where Zmm has its first band, rows 8-15 where it has the
// partner, so the kernels written for Zmm read a wide band unchanged but for
// their offsets (legacy_bands_simd.h: kVector; q4_K_bands_simd.h and
// q6_K_bands_simd.h: kSpread).
struct ZmmWide : Zmm {
  static constexpr int kBands = 1;
  static constexpr int kBandRows = bands::kWideRows;
  static constexpr int kVector = 4 * kBandRows;

  static I load(const uint8_t* p, uint64_t /*stride*/) { return _mm512_loadu_si512(p); }
  static I load_i8_i16(const uint8_t* p, uint64_t /*stride*/) {
    return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static F load_ph(const uint8_t* p, uint64_t /*stride*/) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void store(float* y, int64_t /*y_stride*/, F v) { _mm512_storeu_ps(y, v); }
};

// interleave.h's BandGemmFn: two runs of n_bands / 2 bands, an odd last band
// by the AVX2 table's kernel.
template <typename K, const InterleavedKernels& kAvx2>
void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok, float* y,
          int64_t ldy) {
  const int64_t even = n_bands - n_bands % 2;
  bandsimd::gemm<K>(n, band_data, even, a, a_stride, n_tok, y, ldy);
  if (even < n_bands) {
    const uint64_t offset = static_cast<uint64_t>(even) * K::band_bytes(n);
    kAvx2.gemm(n, static_cast<const uint8_t*>(band_data) + offset, 1, a, a_stride, n_tok, y + even * bands::kRows, ldy);
  }
}

}  // namespace

}  // namespace hearth::quant::avx512

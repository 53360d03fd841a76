// The AVX2 vector policy of the band kernels (x86/band_kernels.h): one band
// per 256-bit vector, lane r holding row r. Include only from *_avx2.cpp and
// *_avx512.cpp files (the latter before their AVX-512 region).
//
// A policy V gives the kernels their vectors (V::I, V::F) and every operation
// they use, over V::kBands bands at once: a load at offset p of band k reads
// the same offset of bands k + 1, ... (`stride` bytes apart) into the next
// 256 bits; an operation on activation bytes (a broadcast) is the same in
// every band; a store writes each band's 8 outputs, y_stride floats apart.
// kBandRows: the rows of a band it reads (the layouts' 8, or the wide bands'
// 16: legacy_bands.h); kVector: the bytes of a band's code vector (4 per
// row).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/bands.h"

namespace hearth::quant::bandsimd {

struct Ymm {
  using I = __m256i;
  using F = __m256;
  static constexpr int kBands = 1;
  static constexpr int kBandRows = bands::kRows;
  static constexpr int kVector = 4 * kBandRows;

  // 32 bytes of the band.
  static I load(const uint8_t* p, uint64_t /*stride*/) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  // 16 int8 of the band as int16 lanes.
  static I load_i8_i16(const uint8_t* p, uint64_t /*stride*/) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // 8 fp16 of the band (one per row) as floats.
  static F load_ph(const uint8_t* p, uint64_t /*stride*/) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // 4 activation bytes (the ones a band vector's 4 code bytes per row meet),
  // in every 32-bit lane.
  static I bcast4(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return _mm256_set1_epi32(v);
  }
  // A 256-bit vector that is the same for every band (activation side).
  static I uniform(__m256i v) { return v; }

  static I zero() { return _mm256_setzero_si256(); }
  static I set1_8(char v) { return _mm256_set1_epi8(v); }
  static I set1_16(int16_t v) { return _mm256_set1_epi16(v); }
  static I set1_32(int32_t v) { return _mm256_set1_epi32(v); }
  static I and_(I a, I b) { return _mm256_and_si256(a, b); }
  static I andnot(I a, I b) { return _mm256_andnot_si256(a, b); }  // ~a & b
  static I or_(I a, I b) { return _mm256_or_si256(a, b); }
  static I add16(I a, I b) { return _mm256_add_epi16(a, b); }
  static I add32(I a, I b) { return _mm256_add_epi32(a, b); }
  static I sub32(I a, I b) { return _mm256_sub_epi32(a, b); }
  template <int N>
  static I srli16(I a) {
    return _mm256_srli_epi16(a, N);
  }
  template <int N>
  static I slli32(I a) {
    return _mm256_slli_epi32(a, N);
  }
  static I srl16(I a, int n) { return _mm256_srl_epi16(a, _mm_cvtsi32_si128(n)); }
  static I sll16(I a, int n) { return _mm256_sll_epi16(a, _mm_cvtsi32_si128(n)); }
  static I maddubs(I u8, I s8) { return _mm256_maddubs_epi16(u8, s8); }
  static I madd(I a, I b) { return _mm256_madd_epi16(a, b); }
  // |x| and y with x's sign (y where x > 0, -y where x < 0, 0 where x = 0).
  static I abs8(I x) { return _mm256_sign_epi8(x, x); }
  static I sign8(I y, I x) { return _mm256_sign_epi8(y, x); }
  // The shuffle `pattern` (16 byte indices) in every 128-bit lane.
  static I shuffle8(I v, __m128i pattern) { return _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(pattern)); }
  // Bytes 16 h .. 16 h + 15 of each band's 32 as int16 lanes (zero-extended).
  static I half_u8_i16(I v, int h) {
    return _mm256_cvtepu8_epi16(h ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v));
  }

  static F fzero() { return _mm256_setzero_ps(); }
  static F fset1(float v) { return _mm256_set1_ps(v); }
  static F cvt(I a) { return _mm256_cvtepi32_ps(a); }
  static F fmul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static void store(float* y, int64_t /*y_stride*/, F v) { _mm256_storeu_ps(y, v); }
};

}  // namespace hearth::quant::bandsimd

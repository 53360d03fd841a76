// AVX2 building blocks for the quantized dot kernels: horizontal sums, nibble
// and bit unpacking, int8 products. Include ONLY from *_avx2.cpp files (they
// are the ones compiled with -mavx2 -mfma -mf16c); everything here is inline
// and tiny so it folds into the callers' loops.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace hearth::quant::avx2 {

// fp16 bits -> float through F16C (exact, one instruction).
inline float fp16_scalar(uint16_t h) { return _cvtsh_ss(h); }

// Sum of the 8 lanes.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 16 bytes of packed nibbles -> 32 bytes 0..15 in element order: byte i's low
// nibble is element i, its high nibble element i + 16 (the legacy layout).
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i lo = packed;
  const __m128i hi = _mm_srli_epi16(packed, 4);
  return _mm256_and_si256(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(0x0f));
}

// Little-endian u32 at qh -> 32 bytes, byte j = 0xff if bit j is set, else 0.
// Each byte first gets a copy of the qh byte holding its bit (j / 8), then
// keeps only its own bit (j % 8) and compares.
inline __m256i bits_to_bytes(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));  // x86 is little-endian, as the format
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202,
                         0x0303030303030303));
  const __m256i own_bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, own_bit), own_bit);
}

// 32 unsigned bytes (0..127 safe) times 32 signed bytes -> 8 int32 partial
// sums, as floats. maddubs sums byte pairs into int16 (no saturation while
// |u * s| pairs stay below 2^15: true for u <= 128, |s| <= 127), madd by 1
// widens neighbouring pairs to int32.
inline __m256 dot_u8_i8(__m256i u, __m256i s) {
  const __m256i pairs = _mm256_maddubs_epi16(u, s);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

// 32 signed bytes times 32 signed bytes (|y| <= 127) -> 8 float partial sums.
// maddubs needs one unsigned operand: multiply |x| by y carrying x's sign.
inline __m256 dot_i8_i8(__m256i x, __m256i y) {
  return dot_u8_i8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

}  // namespace hearth::quant::avx2

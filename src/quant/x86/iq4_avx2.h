// AVX2 pieces shared by the IQ4_NL and IQ4_XS dots. Include only from
// *_avx2.cpp.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::avx2::iq4 {

// The 32 int8 values of a 32-element nibble block: the nibbles index the 16
// levels with one pshufb (the table sits in both 128-bit lanes).
inline __m256i values_32(const uint8_t* qs) {
  const __m256i table =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4NLValues)));
  return _mm256_shuffle_epi8(table, unpack_nibbles(qs));
}

// Products of 32 level values v (-127..113, never 0) with 32 int8 activations
// (|y| <= 127), neighbours summed into 16 int16 (no saturation: 2 * 127 * 127
// < 2^15). maddubs needs an unsigned operand: |v| times y carrying v's sign.
inline __m256i pair_products(__m256i v, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(v, v), _mm256_sign_epi8(y, v));
}

}  // namespace hearth::quant::avx2::iq4

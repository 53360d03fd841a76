// AVX2 building blocks for the quantized dot kernels: horizontal sums, nibble
// and bit unpacking, int8 products. Include ONLY from *_avx2.cpp files (they
// are the ones compiled with -mavx2 -mfma -mf16c); everything here is inline
// and tiny so it folds into the callers' loops.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hearth::quant::avx2 {

// fp16 bits -> float through F16C (exact, one instruction).
inline float fp16_scalar(uint16_t h) { return _cvtsh_ss(h); }

// How far ahead of the bytes being multiplied the dot kernels request weight
// bytes. A decode step streams each weight matrix once from memory; on this
// machine's cores the hardware prefetcher alone keeps too few lines in flight
// for that (a dot loop reached 40-70 % of a plain read's speed). Requests
// spread through the loop, as many bytes per step as the step consumes, keep
// the stream going, at two distances:
//   - into L1, 2 KB ahead (one core, 2048x8192 matrices: Q8_0 10.0 -> 11.5
//     GB/s, Q4_0 9.3 -> 10.1 GB/s against whole rows requested at once from
//     the row loop; a plain read reaches 11.4). 1 KB ahead is too close, 4 KB
//     starts to evict lines still in use;
//   - into L2, 24 KB further: L1 requests alone are capped by the core's few
//     L1 miss buffers, L2 requests queue in the larger L2 miss queue, so more
//     of the stream is in flight (Llama-3.2-1B decode, 2 threads, medians of
//     interleaved runs: Q8_0 13.1 -> 15.2, Q4_0 19.1 -> 22.6, Q4_K_M 19.8 ->
//     23.6 tok/s; 12 KB further did about as well, 24 KB slightly better).
inline constexpr size_t kStreamPrefetchBytes = 2048;
inline constexpr size_t kStreamPrefetchL2Bytes = kStreamPrefetchBytes + 24 * 1024;

// Requests the cache lines of [p + kL1, + kBytes) into L1 and those of
// [p + kL2, + kBytes) into L2 (kBytes: the bytes one step of a dot loop
// consumes; the distances default to the ones above, which the row kernels
// were measured with). A prefetch never faults, so
// running past the end of the weights on the last rows is harmless.
template <size_t kBytes, size_t kL1 = kStreamPrefetchBytes, size_t kL2 = kStreamPrefetchL2Bytes>
inline void prefetch_stream(const void* p) {
  const char* base = static_cast<const char*>(p);
  for (size_t o = 0; o < kBytes; o += 64) _mm_prefetch(base + kL1 + o, _MM_HINT_T0);
  for (size_t o = 0; o < kBytes; o += 64) _mm_prefetch(base + kL2 + o, _MM_HINT_T1);
}

// The fp16 field `d` of 8 consecutive blocks (any block type that has one)
// as floats: four per 64-bit general register, then one F16C convert. The
// empty asm keeps the packing in the general registers (idle in the dot
// loops): left alone, GCC turns it into ~14 vector shuffles.
template <typename Block>
inline __m256 fp16_scales8(const Block* x) {
  uint64_t lo = 0, hi = 0;
  for (int b = 0; b < 4; ++b) {
    lo |= static_cast<uint64_t>(x[b].d) << (16 * b);
    hi |= static_cast<uint64_t>(x[b + 4].d) << (16 * b);
  }
  __asm__("" : "+r"(lo), "+r"(hi));
  return _mm256_cvtph_ps(_mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo)));
}

// Sum of the 8 lanes.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 16 bytes of packed nibbles -> 32 bytes 0..15 in element order: byte i's low
// nibble is element i, its high nibble element i + 16 (the legacy layout).
// Shaped to stay off port 5 (the shuffle port, which the scale handling of
// the dot loops already needs): the 16 bytes are loaded into both lanes by
// one broadcast load, then the high lane alone is shifted by 4 (a per-lane
// variable shift) instead of inserting a shifted copy.
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  const __m256i shifted = _mm256_srlv_epi64(both, _mm256_setr_epi64x(0, 0, 4, 4));
  return _mm256_and_si256(shifted, _mm256_set1_epi8(0x0f));
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

// What the AVX-512 kernels share. Include only from *_avx512.cpp files, which
// are compiled for AVX2 (cmake/hearth.cmake says why): each function that
// uses AVX-512 instructions is marked HEARTH_AVX512_FN, and it may inline the
// AVX2 helpers (their target is a subset of its own).
#pragma once

#include <immintrin.h>

// GCC 12 reports the placeholder vector inside its own insert/extract
// intrinsics (avx512fintrin.h) as "(may be) used uninitialized" once they are
// inlined here: a false positive of the compiler's header, not of this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#define HEARTH_AVX512_FN __attribute__((target("avx512f,avx512bw,avx512vl")))
// The VNNI kernels (256-bit vectors) also use vpdpbusd and the VBMI byte
// permutes; the table picks them only where the CPU has both
// (CpuFeatures::has_avx512_vnni_kernels).
#define HEARTH_AVX512_VNNI_FN __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))

namespace hearth::quant::avx512 {

// Sum of the two 256-bit halves: an integer sum computed on 64-byte vectors
// folded back into the 8 int32 lanes of the AVX2 layout.
HEARTH_AVX512_FN inline __m256i fold_halves(__m512i v) {
  return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

HEARTH_AVX512_FN inline __m512i load64(const void* p) { return _mm512_loadu_si512(p); }

}  // namespace hearth::quant::avx512

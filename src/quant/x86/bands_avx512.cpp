// The AVX-512 tables of the band kernels (quant/interleave.h): the kernels
// of x86/legacy_bands_simd.h, q4_K_bands_simd.h and q6_K_bands_simd.h on
// 512-bit vectors holding two bands (the policy: x86/bands_zmm.h), k in the
// low 256 bits and k + partner in the high ones (band_kernels.h: runs of
// whole bands; in decode, K::kDecodeStreams bands at once, two per vector).
// The activation bytes a code vector meets are the same for both (one
// broadcast), so every operation does the work of two AVX2 ones. The same
// layout and, lane by lane, the same arithmetic as the AVX2 kernels: the
// same bits (tests/quant/interleave_test.cpp). An odd last band goes to the
// AVX2 table.
//
// The kernels' code is compiled for AVX-512 by a target region around the
// headers that hold it: they are templates on the vector policy, and this
// file instantiates them with its own policy alone, so nothing here is also
// compiled, under the same name, for AVX2 (cmake/hearth.cmake). The headers
// they include are read before the region: their inline functions stay AVX2.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/bands.h"
#include "quant/blocks.h"
#include "quant/interleave.h"
#include "quant/legacy_bands.h"
#include "quant/legacy_common.h"
#include "quant/q4_K_bands.h"
#include "quant/q6_K_bands.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/block_groups.h"

#include "quant/x86/avx512_region_begin.h"

#include "quant/x86/band_kernels.h"
#include "quant/x86/legacy_bands_simd.h"
#include "quant/x86/q4_K_bands_simd.h"
#include "quant/x86/q6_K_bands_simd.h"
#include "quant/x86/bands_zmm.h"

namespace hearth::quant::avx512 {

namespace {

using Q4_0 = bandsimd::Q4_0Bands<Zmm>;
using Q8_0 = bandsimd::Q8_0Bands<Zmm>;
using Q4K = bandsimd::Q4KBands<Zmm>;
using Q6K = bandsimd::Q6KBands<Zmm>;

}  // namespace

const InterleavedKernels q4_0_x8{bands::kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>,
                                 gemm<Q4_0, avx2::q4_0_x8>, bandsimd::decode<Q4_0>, Q4_0::kDecodeStreams};
const InterleavedKernels q8_0_x8{bands::kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>,
                                 gemm<Q8_0, avx2::q8_0_x8>, bandsimd::decode<Q8_0>, Q8_0::kDecodeStreams};
void q6_K_decode(int64_t n, const void* bands, int64_t n_groups, int64_t partner, const void* a, float* y) {
  bandsimd::decode<Q6K>(n, bands, n_groups, partner, a, y);
}

const InterleavedKernels q4_K_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack, gemm<Q4K, avx2::q4_K_x8>,
                                 bandsimd::decode<Q4K>, Q4K::kDecodeStreams};
const InterleavedKernels q6_K_x8{bands::kRows, bands::q6k::pack, bands::q6k::unpack, gemm<Q6K, avx2::q6_K_x8>,
                                 q6_K_decode, Q6K::kDecodeStreams};

}  // namespace hearth::quant::avx512

#include "quant/x86/avx512_region_end.h"

// The AVX-512 VNNI tables of Q4_0, Q8_0 and Q4_K in bands
// (quant/interleave.h): the AVX-512 band kernels (x86/bands_avx512.cpp,
// policy x86/bands_zmm.h) with each block's byte products per lane summed by
// vpdpbusd chains (band_kernels.h: dot_block; q4_K_bands_simd.h: chunk_vnni)
// instead of maddubs, int16 adds and a madd. Integer sums, exact either way:
// the same bits as the AVX2 kernels (tests/quant/interleave_test.cpp). The
// table picks them where the CPU has AVX-512 VNNI
// (CpuFeatures::has_avx512_vnni_kernels); Q6_K keeps the AVX-512 kernel.
//
// Its own file, its own target region: the plain AVX-512 kernels must stay
// free of VNNI instructions for the CPUs without them, and each file compiles
// its own copy of the policy (bands_zmm.h).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/bands.h"
#include "quant/blocks.h"
#include "quant/interleave.h"
#include "quant/legacy_bands.h"
#include "quant/legacy_common.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/block_groups.h"

#define HEARTH_AVX512_REGION_VNNI
#include "quant/x86/avx512_region_begin.h"

#include "quant/x86/band_kernels.h"
#include "quant/x86/legacy_bands_simd.h"
#include "quant/x86/q4_K_bands_simd.h"
#include "quant/x86/bands_zmm.h"

namespace hearth::quant::avx512 {

namespace {

struct ZmmVnni : Zmm {
  static I dpbusd(I acc, I u8, I s8) { return _mm512_dpbusd_epi32(acc, u8, s8); }
};

using Q4_0 = bandsimd::Q4_0Bands<ZmmVnni>;
using Q8_0 = bandsimd::Q8_0Bands<ZmmVnni>;
using Q4K = bandsimd::Q4KBands<ZmmVnni>;

}  // namespace

const InterleavedKernels q4_0_vnni_x8{bands::kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>,
                                      gemm<Q4_0, avx2::q4_0_x8>, bandsimd::decode<Q4_0>, Q4_0::kDecodeStreams};
const InterleavedKernels q8_0_vnni_x8{bands::kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>,
                                      gemm<Q8_0, avx2::q8_0_x8>, bandsimd::decode<Q8_0>, Q8_0::kDecodeStreams};
const InterleavedKernels q4_K_vnni_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack, gemm<Q4K, avx2::q4_K_x8>,
                                      bandsimd::decode<Q4K>, Q4K::kDecodeStreams};

}  // namespace hearth::quant::avx512

#include "quant/x86/avx512_region_end.h"

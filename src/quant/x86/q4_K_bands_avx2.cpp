// The AVX2 table of Q4_K in bands: the band kernel (x86/q4_K_bands_simd.h)
// on 256-bit vectors, one band per vector.
#include "quant/interleave.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/bands_avx2.h"
#include "quant/x86/q4_K_bands_simd.h"

namespace hearth::quant::avx2 {

namespace {

using Q4K = bandsimd::Q4KBands<bandsimd::Ymm>;

}  // namespace

const InterleavedKernels q4_K_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack, bandsimd::gemm<Q4K>,
                                 bandsimd::decode<Q4K>, Q4K::kDecodeStreams};

}  // namespace hearth::quant::avx2

// The AVX2 table of Q6_K in bands: the band kernel (x86/q6_K_bands_simd.h)
// on 256-bit vectors, one band per vector.
#include "quant/interleave.h"
#include "quant/q6_K_bands.h"
#include "quant/x86/bands_avx2.h"
#include "quant/x86/q6_K_bands_simd.h"

namespace hearth::quant::avx2 {

namespace {

using Q6K = bandsimd::Q6KBands<bandsimd::Ymm>;

}  // namespace

const InterleavedKernels q6_K_x8{bands::kRows, bands::q6k::pack, bands::q6k::unpack, bandsimd::gemm<Q6K>,
                                 bandsimd::decode<Q6K>, Q6K::kDecodeStreams};

}  // namespace hearth::quant::avx2

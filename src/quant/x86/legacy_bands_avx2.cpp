// The AVX2 tables of Q4_0 and Q8_0 in bands: the band kernels
// (x86/legacy_bands_simd.h) on 256-bit vectors, one band per vector.
#include "quant/interleave.h"
#include "quant/legacy_bands.h"
#include "quant/x86/bands_avx2.h"
#include "quant/x86/legacy_bands_simd.h"

namespace hearth::quant::avx2 {

namespace {

using Q4_0 = bandsimd::Q4_0Bands<bandsimd::Ymm>;
using Q8_0 = bandsimd::Q8_0Bands<bandsimd::Ymm>;

}  // namespace

const InterleavedKernels q4_0_x8{bands::kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>, bandsimd::gemm<Q4_0>,
                                 bandsimd::decode<Q4_0>, Q4_0::kDecodeStreams};
const InterleavedKernels q8_0_x8{bands::kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>, bandsimd::gemm<Q8_0>,
                                 bandsimd::decode<Q8_0>, Q8_0::kDecodeStreams};

}  // namespace hearth::quant::avx2

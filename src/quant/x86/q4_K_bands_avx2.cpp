// The AVX2 table of Q4_K in bands: the band kernel (x86/q4_K_bands_simd.h)
// on 256-bit vectors, one band at a time.
#include "quant/interleave.h"
#include "quant/q4_K_bands.h"
#include "quant/x86/bands_avx2.h"
#include "quant/x86/q4_K_bands_simd.h"

namespace hearth::quant::avx2 {

const InterleavedKernels q4_K_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack,
                                 bandsimd::gemm<bandsimd::Q4KBands<bandsimd::Ymm>>};

}  // namespace hearth::quant::avx2

// The AVX-512 VNNI tables of Q4_0, Q8_0, Q4_K and Q6_K in bands
// (quant/interleave.h): the AVX-512 band kernels (x86/bands_avx512.cpp,
// policy x86/bands_zmm.h) with each block's byte products per lane summed by
// vpdpbusd chains (legacy_bands_simd.h: the steps; q4_K_bands_simd.h: chunk_vnni;
// q6_K_bands_simd.h: quarter_vnni) instead of maddubs, int16 adds and a madd.
// Integer sums, exact either way: the same bits as the AVX2 kernels
// (tests/quant/interleave_test.cpp). The table picks them where the CPU has
// AVX-512 VNNI (CpuFeatures::has_avx512_vnni_kernels).
//
// Q6_K's table decodes with the plain AVX-512 kernel (avx512::q6_K_decode):
// from memory, two threads streamed its bands faster with it than with the
// VNNI one, though this is the faster in cache (hearth_stream_bench, 20
// passes each, Zen 5, medians of the fast state; VNNI against plain, pairs
// run in turn): 2026-12-01, 2048 rows 83 / 83 / 83 against 90 / 89 / 89 %,
// 8192 rows 92 / 92 / 91 against 98 / 100 / 96 %; 2026-12-02, 8192 rows 89 /
// 92 / 89 against 93 / 93 / 92 % (one core in L2, BandsInL2/Q6_K: 141-182
// against 160-164 GFLOP/s). On Zen 4 (CpuFeatures::zen4), where 512-bit
// operations run in two halves and the plain kernel is slow in cache, the
// VNNI kernel decodes (q6_K_vnni_decode_x8), 2026-12-03, pairs in turn: one
// core in L2 90-98 -> 114-115 GFLOP/s; hearth_stream_bench Q6_K 8192 24,
// fast-state medians 84 / 81 / 80 -> 87 / 87 / 89 %, slow 97 / 96 / 95 -> 96
// / 95 / 95; Llama-3.2-1B Q4_K_M (hearth bench, the chunks whose reads were
// both > 50 GB/s) 75.7 / 76.4 / 75.8 / 73.3 / 75.2 / 75.6 / 73.0 / 75.2 ->
// 71.8 / 79.3 / 76.6 / 79.4 / 75.7 / 82.3 / 82.0 / 77.6 %.
// Q4_K's table decoded that way too until its VNNI kernel lost two of its
// operations per code vector (q4_K_bands_simd.h, chunk_vnni: the high
// nibbles in place): one core in L2 (BandsInL2/Q4_K, GFLOP/s) 293-306
// against 223-242 for the plain kernel, from memory even (8192 rows 93 / 88 /
// 90 against 87 / 92 / 90 %, 2048 rows 78 / 78 / 81 against 82 / 79 / 82 %),
// Llama-3.2-1B Q4_K_M decode (5 pairs) 85.0-93.7 against 85.4-95.1 % of the
// read probe (2026-12-02): it takes the VNNI kernel, even from memory and
// with a quarter more room in cache where the host's cores are shared.
// Q4_0's and Q8_0's VNNI kernels stream as fast or faster (Q8_0 2048 rows:
// 95-97 against 89-92 %), and keep them. The gemms, bound by arithmetic, take
// the VNNI kernels: BandGemm Q6_K 291-297 against 265-270 GFLOP/s.
//
// Q4_K and Q6_K in wide bands of 16 rows (bands.h: one 512-bit load a
// piece of all 16 rows, one stream a decode thread, as Q4_0's and Q8_0's) lost
// on Zen 5 (2026-12-04, Llama-3.2-1B Q4_K_M, hearth_ab_bench, 6 rounds of 16
// chunks each, reads 39-80 GB/s), paired medians against bands of 8: both
// wide -16.4 points (ahead in 0 of 128), Q4_K alone -16.2 (4 of 96), Q6_K
// alone -3.6 (17 of 96). One core from memory (Bands/Q4_K, wide against 8
// rows) 23.5 against 31.5 GB/s, in L2 87 against 84: the loss is the
// stream's, not the arithmetic. Neither two wide bands a thread (two streams,
// each a super-block at a time: -16.0, 1 of 96) nor 256-bit loads (-17.1, 0
// of 96) brought it back, and the two 8-row super-blocks back to back in one
// stream (the bands of 8's loads, 1152 bytes apart) lost 30.9 (0 of 96): on
// this host a thread streams best from two places far apart, read in turn
// load by load, as the bands of 8 pair band k with band k + n_bands / 2. The
// table keeps the bands of 8; the wide kernels stay as the variants
// "avx512vnni-x16" to measure on Zen 4 and other CPUs.
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
#include "quant/q6_K_bands.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/block_groups.h"

#define HEARTH_AVX512_REGION_VNNI
#include "quant/x86/avx512_region_begin.h"

#include "quant/x86/band_kernels.h"
#include "quant/x86/legacy_bands_simd.h"
#include "quant/x86/q4_K_bands_simd.h"
#include "quant/x86/q6_K_bands_simd.h"
#include "quant/x86/bands_zmm.h"

namespace hearth::quant::avx512 {

namespace {

// vpdpbusd with the 4 activation bytes as its memory operand, broadcast by
// the instruction ({1to16}): GCC 12 does not fold _mm512_set1_epi32 into
// vpdpbusd (it emits a vpbroadcastd per code vector, one more instruction
// each), so the instruction is written out. Zen 4 (2026-12-03), the host's
// cores busy with other guests (repeated figures moved by 20 %), so each
// pair run in turn: one core in L2, Q4_0 one-token tiles, both in one
// binary, 181-188 -> 192-201 GFLOP/s (3 pairs); BandGemm, two binaries, Q4_0
// 265-266 -> 295-300 and Q4_K 208-210 -> 243-247 GFLOP/s (2 pairs; later
// pairs within the noise); two threads from memory, fast state
// (hearth_stream_bench T 8192 16, 2 pairs), Q4_K 80 / 80 -> 84 / 82 %, Q4_0
// 66 / 78 -> 73 / 78 %; Llama-3.2-1B Q4_0 decode, the two alternating per
// chunk of 8 steps in one process (3 runs of 50 chunks each): 73.1 / 81.6 /
// 70.3 -> 75.1 / 82.8 / 72.0 % of the reads around each chunk.
template <typename Policy>
struct WithVnni : Policy {
  using I = typename Policy::I;
  static I dpbusd4(I acc, I u8, const int8_t* y4) {
    __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(u8), "m"(*reinterpret_cast<const int32_t*>(y4)));
    return acc;
  }
};
using ZmmVnni = WithVnni<Zmm>;
using ZmmWideVnni = WithVnni<ZmmWide>;

using Q4_0 = bandsimd::Q4_0Bands<ZmmVnni>;
using Q8_0 = bandsimd::Q8_0Bands<ZmmVnni>;
using Q4_0Wide = bandsimd::Q4_0Bands<ZmmWideVnni>;
using Q8_0Wide = bandsimd::Q8_0Bands<ZmmWideVnni>;
using Q4K = bandsimd::Q4KBands<ZmmVnni>;
using Q6K = bandsimd::Q6KBands<ZmmVnni>;
using Q4KWide = bandsimd::Q4KBands<ZmmWideVnni>;
using Q6KWide = bandsimd::Q6KBands<ZmmWideVnni>;

}  // namespace

const InterleavedKernels q4_0_vnni_x8{bands::kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>,
                                      gemm<Q4_0, avx2::q4_0_x8>, bandsimd::decode<Q4_0>, Q4_0::kDecodeStreams};
const InterleavedKernels q8_0_vnni_x8{bands::kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>,
                                      gemm<Q8_0, avx2::q8_0_x8>, bandsimd::decode<Q8_0>, Q8_0::kDecodeStreams};
const InterleavedKernels q4_0_vnni_x16{bands::kWideRows,          bands::pack<BlockQ4_0, bands::kWideRows>,
                                       bands::unpack<BlockQ4_0, bands::kWideRows>, bandsimd::gemm<Q4_0Wide>,
                                       bandsimd::decode<Q4_0Wide>, Q4_0Wide::kDecodeStreams, &q4_0_vnni_x8};
const InterleavedKernels q8_0_vnni_x16{bands::kWideRows,          bands::pack<BlockQ8_0, bands::kWideRows>,
                                       bands::unpack<BlockQ8_0, bands::kWideRows>, bandsimd::gemm<Q8_0Wide>,
                                       bandsimd::decode<Q8_0Wide>, Q8_0Wide::kDecodeStreams, &q8_0_vnni_x8};
const InterleavedKernels q4_K_vnni_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack, gemm<Q4K, avx2::q4_K_x8>,
                                      bandsimd::decode<Q4K>, Q4K::kDecodeStreams};
const InterleavedKernels q6_K_vnni_x8{bands::kRows, bands::q6k::pack, bands::q6k::unpack, gemm<Q6K, avx2::q6_K_x8>,
                                      q6_K_decode, Q6K::kDecodeStreams};
const InterleavedKernels q6_K_vnni_decode_x8{bands::kRows,           bands::q6k::pack,
                                             bands::q6k::unpack,     gemm<Q6K, avx2::q6_K_x8>,
                                             bandsimd::decode<Q6K>, Q6K::kDecodeStreams};

const InterleavedKernels q4_K_vnni_x16{bands::kWideRows,          bands::q4k::pack_wide,
                                       bands::q4k::unpack_wide,    bandsimd::gemm<Q4KWide>,
                                       bandsimd::decode<Q4KWide>, Q4KWide::kDecodeStreams, &q4_K_vnni_x8};
const InterleavedKernels q6_K_vnni_x16{bands::kWideRows,          bands::q6k::pack_wide,
                                       bands::q6k::unpack_wide,    bandsimd::gemm<Q6KWide>,
                                       bandsimd::decode<Q6KWide>, Q6KWide::kDecodeStreams, &q6_K_vnni_decode_x8};

}  // namespace hearth::quant::avx512

#include "quant/x86/avx512_region_end.h"

// Opens a region of code compiled for AVX-512 (F, BW, VL) in a file compiled
// for AVX2 (cmake/hearth.cmake says why files are not compiled for AVX-512
// whole): every function declared until avx512_region_end.h gets the target.
// Include the headers whose inline functions must stay AVX2 code (the
// standard library's, the AVX2 helpers') before it, then the templates to
// instantiate for AVX-512 inside it. No include guard: one pair per region.
// With HEARTH_AVX512_REGION_VNNI defined first, the region has AVX-512 VNNI
// too (x86/bands_vnni_avx512.cpp); the plain region must stay free of it for
// the CPUs without. The feature list is written once; _Pragma takes it from
// a macro, which a #pragma line would not expand.
#define HEARTH_AVX512_REGION_BASE "avx2,fma,f16c,avx512f,avx512bw,avx512vl"
#if defined(HEARTH_AVX512_REGION_VNNI)
#define HEARTH_AVX512_REGION_TARGET HEARTH_AVX512_REGION_BASE ",avx512vnni"
#else
#define HEARTH_AVX512_REGION_TARGET HEARTH_AVX512_REGION_BASE
#endif
#define HEARTH_AVX512_REGION_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define HEARTH_AVX512_REGION_OPEN(features) \
  HEARTH_AVX512_REGION_PRAGMA(clang attribute push(__attribute__((target(features))), apply_to = function))
HEARTH_AVX512_REGION_OPEN(HEARTH_AVX512_REGION_TARGET)
#else
#define HEARTH_AVX512_REGION_OPEN(features) HEARTH_AVX512_REGION_PRAGMA(GCC target(features))
#pragma GCC push_options
HEARTH_AVX512_REGION_OPEN(HEARTH_AVX512_REGION_TARGET)
#endif
#undef HEARTH_AVX512_REGION_OPEN
#undef HEARTH_AVX512_REGION_PRAGMA
#undef HEARTH_AVX512_REGION_TARGET
#undef HEARTH_AVX512_REGION_BASE
#undef HEARTH_AVX512_REGION_VNNI

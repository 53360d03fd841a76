// Opens a region of code compiled for AVX-512 (F, BW, VL) in a file compiled
// for AVX2 (cmake/hearth.cmake says why files are not compiled for AVX-512
// whole): every function declared until avx512_region_end.h gets the target.
// Include the headers whose inline functions must stay AVX2 code (the
// standard library's, the AVX2 helpers') before it, then the templates to
// instantiate for AVX-512 inside it. No include guard: one pair per region.
// With HEARTH_AVX512_REGION_VNNI defined first, the region has AVX-512 VNNI
// too (x86/bands_vnni_avx512.cpp); the plain region must stay free of it for
// the CPUs without.
#if defined(HEARTH_AVX512_REGION_VNNI)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")
#endif
#else
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")
#endif
#endif
#undef HEARTH_AVX512_REGION_VNNI

// What the CPU we run on can do, detected once (cpuid on x86).
// Kernel tables are filled from this at start-up; hot loops never test it.
#pragma once

#include <string>

namespace hearth {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512vbmi = false;
  bool neon = false;
  // AMD family 0x19 with AVX-512: Zen 4, which issues each 512-bit
  // operation as two 256-bit halves, where Zen 5's server cores run it
  // whole. The kernels that stream best differ (quant/type_traits.cpp).
  bool zen4 = false;

  // AVX2 kernels also use FMA and F16C: all three must be there.
  bool has_avx2_kernels() const { return avx2 && fma && f16c; }
  // AVX-512 kernels use F, BW and VL on top of the AVX2 set.
  bool has_avx512_kernels() const { return has_avx2_kernels() && avx512f && avx512bw && avx512vl; }
  // AVX-512 VNNI kernels (x86/*_avx512.cpp, on 256-bit vectors) also use the
  // VNNI byte dot product and the VBMI byte permute.
  bool has_avx512_vnni_kernels() const { return has_avx512_kernels() && avx512vnni && avx512vbmi; }
  std::string describe() const;  // e.g. "AVX2 FMA F16C"
};

// Detected once, thread-safe.
const CpuFeatures& cpu_features();

}  // namespace hearth

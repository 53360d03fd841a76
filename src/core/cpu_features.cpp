#include "core/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace hearth {

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  unsigned leaf1_eax = 0;  // family, model, stepping
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    leaf1_eax = a;
    f.fma = (c >> 12) & 1u;
    f.f16c = (c >> 29) & 1u;
    const bool osxsave = (c >> 27) & 1u;
    unsigned long long xcr0 = 0;
    if (osxsave) {
      unsigned lo = 0, hi = 0;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
    }
    const bool ymm_os = (xcr0 & 0x6) == 0x6;
    const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.avx2 = ymm_os && ((b >> 5) & 1u);
      f.avx512f = zmm_os && ((b >> 16) & 1u);
      f.avx512bw = zmm_os && ((b >> 30) & 1u);
      f.avx512vl = zmm_os && ((b >> 31) & 1u);
      f.avx512vnni = zmm_os && ((c >> 11) & 1u);
      f.avx512vbmi = zmm_os && ((c >> 1) & 1u);
    }
    if (!ymm_os) f.fma = f.f16c = false;
  }
  // Vendor "AuthenticAMD" (leaf 0: ebx, edx, ecx) and the family of leaf 1's
  // eax: the base family, plus the extended one when the base is 0xf.
  if (__get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u) {
    const unsigned base = (leaf1_eax >> 8) & 0xfu;
    const unsigned family = base == 0xfu ? base + ((leaf1_eax >> 20) & 0xffu) : base;
    f.zen4 = family == 0x19u && f.avx512f;
  }
#elif defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}

}  // namespace

std::string CpuFeatures::describe() const {
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(f16c, "F16C");
  add(avx512f, "AVX512F");
  add(avx512bw, "AVX512BW");
  add(avx512vl, "AVX512VL");
  add(avx512vnni, "AVX512VNNI");
  add(avx512vbmi, "AVX512VBMI");
  add(neon, "NEON");
  add(zen4, "Zen4");
  return s.empty() ? "scalar" : s;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace hearth

// Which dot kernels have an AVX2 version. A type listed false here uses its
// scalar reference on purpose; type_traits.cpp reads this table, and a test
// checks every type against it, so a missing kernel is visible, not an accident.
#pragma once

#include "gguf/tensor_type.h"

namespace hearth::quant::x86 {

struct Avx2Kernel {
  TensorType type;
  bool vec_dot;
};

inline constexpr Avx2Kernel kAvx2Kernels[] = {
    {TensorType::F32, true},   {TensorType::F16, true},    {TensorType::BF16, true},
    {TensorType::Q4_0, true},  {TensorType::Q4_1, true},   {TensorType::Q5_0, true},
    {TensorType::Q5_1, true},  {TensorType::Q8_0, true},   {TensorType::Q2_K, true},
    {TensorType::Q3_K, true},  {TensorType::Q4_K, true},   {TensorType::Q5_K, true},
    {TensorType::Q6_K, true},  {TensorType::IQ4_NL, true}, {TensorType::IQ4_XS, true},
};

// Which types have an AVX2 gemm kernel (quant/gemm.h). Types not listed run
// prompts through vec_dot, one (row, token) pair at a time: correct, slower.
inline constexpr TensorType kAvx2Gemms[] = {
    TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K,
};

// Which types have an AVX-512 gemm kernel (x86/k_avx512.cpp), used in
// place of the AVX2 one where the CPU has AVX-512 F, BW and VL. Same bits.
inline constexpr TensorType kAvx512Gemms[] = {
    TensorType::Q4_K,
    TensorType::Q6_K,
};

// Which types have an AVX-512 dot (x86/k_avx512.cpp), used in place of the
// AVX2 one where the CPU has AVX-512 F, BW and VL. Same bits, like the gemms.
inline constexpr TensorType kAvx512Dots[] = {
    TensorType::Q4_K,
    TensorType::Q6_K,
};

// Which types have an AVX-512 VNNI dot and gemm (x86/*_avx512.cpp, with the
// side data of kernels.h's ActivationExtras), used in place of the AVX2 ones
// where the CPU has AVX-512 VNNI and VBMI too. The AVX2 bits (Q4_0: the group
// shape of x86/block_groups.h, shared by both).
inline constexpr TensorType kAvx512VnniDots[] = {
    TensorType::Q4_0,
};

}  // namespace hearth::quant::x86

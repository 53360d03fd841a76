// Q2_K: 256 elements in 16 sub-blocks of 16, 2-bit quants,
// x = (d * sc[j]) * q - (dmin * m[j]); scales[j] = sc[j] | m[j] << 4.
// qs: each 128-element half h owns qs[32h .. 32h+31]; element 128h + 32s + l
// is bits 2s..2s+1 of qs[32h + l] (s in 0..3, l in 0..31).
#include "quant/blocks.h"
#include "quant/k_asym.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {

namespace {

struct Q2K {
  using Block = BlockQ2_K;
  static constexpr const char* kName = "q2_K";
  static constexpr kasym::Spec kSpec{16, 3, 15};

  static void unpack(const Block& b, kasym::Unpacked* u) {
    u->d = b.d;
    u->dmin = b.dmin;
    for (int j = 0; j < 16; ++j) {
      u->sc[j] = b.scales[j] & 0x0f;
      u->m[j] = b.scales[j] >> 4;
    }
    for (int h = 0; h < 2; ++h) {
      for (int s = 0; s < 4; ++s) {
        for (int l = 0; l < 32; ++l) u->q[128 * h + 32 * s + l] = (b.qs[32 * h + l] >> (2 * s)) & 3;
      }
    }
  }

  static void pack(const kasym::Unpacked& u, Block* b) {
    b->d = u.d;
    b->dmin = u.dmin;
    for (int j = 0; j < 16; ++j) b->scales[j] = static_cast<uint8_t>(u.sc[j] | (u.m[j] << 4));
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < 32; ++l) {
        int byte = 0;
        for (int s = 0; s < 4; ++s) byte |= u.q[128 * h + 32 * s + l] << (2 * s);
        b->qs[32 * h + l] = static_cast<uint8_t>(byte);
      }
    }
  }
};

}  // namespace

void dequantize_row_q2_K(const void* src, float* dst, int64_t n) {
  kasym::dequantize_row<Q2K>(src, dst, n);
}
void quantize_row_q2_K(const float* src, void* dst, int64_t n, const float* imatrix) {
  kasym::quantize_row<Q2K>(src, dst, n, imatrix);
}
float vec_dot_q2_K_q8_K(int64_t n, const void* x, const void* y) {
  return kasym::vec_dot_row<Q2K>(n, x, y);
}

}  // namespace hearth::quant::generic

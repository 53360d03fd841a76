// Q4_K: 256 elements in 8 sub-blocks of 32, 4-bit quants,
// x = (d * sc[j]) * q - (dmin * m[j]) with 6-bit sc / m packed in 12 bytes.
// qs: each 64-element chunk c owns qs[32c .. 32c+31]; element 64c + l is the
// low nibble of qs[32c + l], element 64c + 32 + l its high nibble.
#include "quant/blocks.h"
#include "quant/k_asym.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {

namespace {

struct Q4K {
  using Block = BlockQ4_K;
  static constexpr const char* kName = "q4_K";
  static constexpr kasym::Spec kSpec = kasym::kQ4KSpec;

  static void unpack(const Block& b, kasym::Unpacked* u) {
    u->d = b.d;
    u->dmin = b.dmin;
    kasym::unpack_scales_mins_6bit(b.scales, u->sc, u->m);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        u->q[64 * c + l] = b.qs[32 * c + l] & 0x0f;
        u->q[64 * c + 32 + l] = b.qs[32 * c + l] >> 4;
      }
    }
  }

  static void pack(const kasym::Unpacked& u, Block* b) {
    b->d = u.d;
    b->dmin = u.dmin;
    kasym::pack_scales_mins_6bit(u.sc, u.m, b->scales);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        b->qs[32 * c + l] = static_cast<uint8_t>(u.q[64 * c + l] | (u.q[64 * c + 32 + l] << 4));
      }
    }
  }
};

}  // namespace

void dequantize_row_q4_K(const void* src, float* dst, int64_t n) {
  kasym::dequantize_row<Q4K>(src, dst, n);
}
void quantize_row_q4_K(const float* src, void* dst, int64_t n, const float* imatrix) {
  kasym::quantize_row<Q4K>(src, dst, n, imatrix);
}
float vec_dot_q4_K_q8_K(int64_t n, const void* x, const void* y) {
  return kasym::vec_dot_row<Q4K>(n, x, y);
}

}  // namespace hearth::quant::generic

namespace hearth::quant::kasym {
void unpack_q4_K(const BlockQ4_K& b, Unpacked* u) { generic::Q4K::unpack(b, u); }
}  // namespace hearth::quant::kasym

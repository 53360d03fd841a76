// Q5_K: Q4_K plus a fifth bit per quant (q in 0..31).
// The low nibbles are laid out as in Q4_K; bit 4 of element 64c + l is bit 2c
// of qh[l], of element 64c + 32 + l bit 2c + 1 of qh[l] (l in 0..31).
#include "quant/blocks.h"
#include "quant/k_asym.h"
#include "quant/kernels.h"

namespace hearth::quant::generic {

namespace {

struct Q5K {
  using Block = BlockQ5_K;
  static constexpr const char* kName = "q5_K";
  static constexpr kasym::Spec kSpec{32, 31, 63};

  static void unpack(const Block& b, kasym::Unpacked* u) {
    u->d = b.d;
    u->dmin = b.dmin;
    kasym::unpack_scales_mins_6bit(b.scales, u->sc, u->m);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        const int h = b.qh[l] >> (2 * c);
        u->q[64 * c + l] = static_cast<uint8_t>((b.qs[32 * c + l] & 0x0f) | ((h & 1) << 4));
        u->q[64 * c + 32 + l] = static_cast<uint8_t>((b.qs[32 * c + l] >> 4) | ((h & 2) << 3));
      }
    }
  }

  static void pack(const kasym::Unpacked& u, Block* b) {
    b->d = u.d;
    b->dmin = u.dmin;
    kasym::pack_scales_mins_6bit(u.sc, u.m, b->scales);
    for (int l = 0; l < 32; ++l) b->qh[l] = 0;
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        const int lo = u.q[64 * c + l], hi = u.q[64 * c + 32 + l];
        b->qs[32 * c + l] = static_cast<uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
        b->qh[l] = static_cast<uint8_t>(b->qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
      }
    }
  }
};

}  // namespace

void dequantize_row_q5_K(const void* src, float* dst, int64_t n) {
  kasym::dequantize_row<Q5K>(src, dst, n);
}
void quantize_row_q5_K(const float* src, void* dst, int64_t n, const float* imatrix) {
  kasym::quantize_row<Q5K>(src, dst, n, imatrix);
}
float vec_dot_q5_K_q8_K(int64_t n, const void* x, const void* y) {
  return kasym::vec_dot_row<Q5K>(n, x, y);
}

}  // namespace hearth::quant::generic

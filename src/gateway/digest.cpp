#include "gateway/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <vector>

#include "core/error.h"

namespace hearth::gateway {

namespace {

std::string to_hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw Error("SHA-256 failed (OpenSSL EVP_Digest)");
  }
  return to_hex(digest, len);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &len) == nullptr) {
    throw Error("HMAC-SHA-256 failed (OpenSSL HMAC)");
  }
  return to_hex(digest, len);
}

std::string random_hex(size_t n) {
  std::vector<unsigned char> bytes(n);
  if (n > 0 && RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    throw Error("the system's random generator failed (OpenSSL RAND_bytes)");
  }
  return to_hex(bytes.data(), n);
}

std::string random_base62(size_t n) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  constexpr unsigned kLimit = 248;  // 4 * 62: bytes at or above it would favour the first 8 letters
  std::string out;
  unsigned char bytes[64];
  while (out.size() < n) {
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error("the system's random generator failed (OpenSSL RAND_bytes)");
    for (const unsigned char b : bytes) {
      if (b < kLimit && out.size() < n) out += kAlphabet[b % 62];
    }
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hearth::gateway

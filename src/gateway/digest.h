// SHA-256, HMAC-SHA-256, random bytes and a constant-time compare (OpenSSL
// libcrypto underneath), as lowercase hex strings: the audit chain and the
// key store are built on these.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hearth::gateway {

// 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view secret, std::string_view data);
// `n` bytes from the OS's cryptographic generator, as 2n hex digits; throws
// hearth::Error when the generator fails.
std::string random_hex(size_t n);
// `n` characters drawn uniformly from [0-9A-Za-z] with the same generator
// (rejection sampling: no bias towards the first letters); throws like random_hex.
std::string random_base62(size_t n);
// True when a and b are equal; the time taken depends only on their lengths,
// never on where they first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace hearth::gateway

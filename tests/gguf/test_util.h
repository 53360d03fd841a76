// Test helpers for the GGUF suite: a raw little-endian byte builder for hand-
// made (often hostile) files, a small valid sample file made with the writer,
// and an assertion that parsing fails with a given error.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::gguf::test {

// Appends GGUF primitives in file order; no validation at all, so it can
// write anything a hostile file could hold.
class RawBytes {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  RawBytes& put(T v) {
    const size_t at = bytes.size();
    bytes.resize(at + sizeof v);
    std::memcpy(bytes.data() + at, &v, sizeof v);
    return *this;
  }
  RawBytes& u8(uint8_t v) { return put(v); }
  RawBytes& u32(uint32_t v) { return put(v); }
  RawBytes& u64(uint64_t v) { return put(v); }
  RawBytes& str(std::string_view s) {
    u64(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  // magic "GGUF", version, tensor count, metadata count.
  RawBytes& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    bytes.insert(bytes.end(), {'G', 'G', 'U', 'F'});
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  // A key and its value type; the caller appends the value.
  RawBytes& key(std::string_view k, ValueType t) { return str(k).u32(static_cast<uint32_t>(t)); }
  RawBytes& kv_u32(std::string_view k, uint32_t v) { return key(k, ValueType::U32).u32(v); }
  RawBytes& kv_string(std::string_view k, std::string_view v) {
    return key(k, ValueType::STRING).str(v);
  }
  // A tensor info entry: name, dimensions, type id, data offset.
  RawBytes& tensor(std::string_view name, std::initializer_list<uint64_t> shape, uint32_t type,
                   uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(shape.size()));
    for (uint64_t ne : shape) u64(ne);
    return u32(type).u64(offset);
  }
  RawBytes& zeros(size_t n) {
    bytes.resize(bytes.size() + n, 0);
    return *this;
  }
  RawBytes& pad_to(size_t alignment) {
    return zeros((alignment - bytes.size() % alignment) % alignment);
  }
};

// A small valid file holding every metadata value type (including nested
// arrays, a negative int, and a float32 signalling NaN with a payload) and
// two tensors: blk.q (Q8_0, [32, 2], 68 bytes, padded to 96) and out (F32,
// [8], 32 bytes, ending exactly at the end of the file, so that every proper
// prefix of the file is invalid).
Layout sample_layout(uint32_t version = 3);
std::vector<uint8_t> sample_tensor_data(size_t tensor_index, uint64_t n_bytes);
std::vector<uint8_t> sample_file(uint32_t version = 3);

inline constexpr uint32_t kSignallingNaNBits = 0x7fa00001;  // quiet bit clear, payload set

// Parses `bytes` as "hostile.gguf" and expects error type E whose message
// starts with the file name and contains every fragment.
template <typename E>
void expect_parse_error(const std::vector<uint8_t>& bytes,
                        std::initializer_list<std::string_view> fragments) {
  try {
    (void)File::parse(bytes, "hostile.gguf");
    ADD_FAILURE() << "parsed without error";
  } catch (const E& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("hostile.gguf: ", 0), 0u) << msg;
    for (std::string_view f : fragments) {
      EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

}  // namespace hearth::gguf::test

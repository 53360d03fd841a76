// Builds a tensor-less GGUF v3 file in memory, for tokenizer tests that need
// metadata the real vocab files do not have (an unknown pre-tokenizer, a
// vocabulary without byte tokens...). Header-only, tests only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hearth::tokenizer::test {

class GgufBytes {
 public:
  GgufBytes& str(const std::string& key, const std::string& v) {
    this->key(key, kString);
    put_string(v);
    return *this;
  }
  GgufBytes& u32(const std::string& key, uint32_t v) {
    this->key(key, kU32);
    put(v);
    return *this;
  }
  GgufBytes& boolean(const std::string& key, bool v) {
    this->key(key, kBool);
    put(static_cast<uint8_t>(v));
    return *this;
  }
  GgufBytes& strings(const std::string& key, const std::vector<std::string>& v) {
    this->key(key, kArray);
    put(kString);
    put(static_cast<uint64_t>(v.size()));
    for (const auto& s : v) put_string(s);
    return *this;
  }
  GgufBytes& floats(const std::string& key, const std::vector<float>& v) {
    array_header(key, kF32, v.size());
    for (float f : v) put(f);
    return *this;
  }
  GgufBytes& ints(const std::string& key, const std::vector<int32_t>& v) {
    array_header(key, kI32, v.size());
    for (int32_t i : v) put(i);
    return *this;
  }
  // The whole file: header + metadata (no tensors).
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out;
    auto append = [&out](const void* p, size_t n) {
      const auto* b = static_cast<const uint8_t*>(p);
      out.insert(out.end(), b, b + n);
    };
    append("GGUF", 4);
    const uint32_t version = 3;
    const uint64_t n_tensors = 0;
    append(&version, 4);
    append(&n_tensors, 8);
    append(&n_kv_, 8);
    out.insert(out.end(), body_.begin(), body_.end());
    return out;
  }

 private:
  static constexpr uint32_t kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kString = 8, kArray = 9;
  template <typename T>
  void put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    body_.insert(body_.end(), b, b + sizeof(T));
  }
  void put_string(const std::string& s) {
    put(static_cast<uint64_t>(s.size()));
    body_.insert(body_.end(), s.begin(), s.end());
  }
  void key(const std::string& k, uint32_t type) {
    put_string(k);
    put(type);
    ++n_kv_;
  }
  void array_header(const std::string& k, uint32_t element_type, size_t n) {
    key(k, kArray);
    put(element_type);
    put(static_cast<uint64_t>(n));
  }
  std::vector<uint8_t> body_;
  uint64_t n_kv_ = 0;
};

}  // namespace hearth::tokenizer::test

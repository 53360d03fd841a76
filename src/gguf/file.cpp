#include "gguf/file.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "core/error.h"
#include "gguf/rules.h"

namespace hearth::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32

// Bounds-checked little-endian reader over the file's bytes. Every read
// checks the remaining length first; errors name the byte offset.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> b) : b_(b) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return b_.size() - pos_; }

  template <typename T>
  T read(std::string_view what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // A fixed-size little-endian scalar of `size` (1..8) bytes, zero-extended.
  uint64_t read_raw(size_t size, std::string_view what) {
    need(size, what);
    uint64_t v = 0;
    std::memcpy(&v, b_.data() + pos_, size);
    pos_ += size;
    return v;
  }

  std::string read_string(std::string_view what) {
    const uint64_t len = read<uint64_t>(what);
    need(len, what);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

  void need(uint64_t n, std::string_view what) const {
    if (n > remaining()) {
      throw FormatError("truncated: " + std::string(what) + " at byte " + std::to_string(pos_) +
                        " needs " + std::to_string(n) + " bytes but only " +
                        std::to_string(remaining()) + " remain");
    }
  }

 private:
  std::span<const uint8_t> b_;
  uint64_t pos_ = 0;
};

Value read_value(Cursor& c, ValueType t, int depth);

Value read_scalar(Cursor& c, ValueType t) {
  if (t == ValueType::STRING) return Value::string(c.read_string("string value"));
  const std::string what = std::string(value_type_name(t)) + " value";
  return Value::from_raw(t, c.read_raw(scalar_size(t), what));
}

Value read_array(Cursor& c, int depth) {
  if (depth >= kMaxArrayNesting) {
    throw FormatError("arrays nested deeper than " + std::to_string(kMaxArrayNesting));
  }
  const uint32_t et = c.read<uint32_t>("array element type");
  if (!is_valid_value_type(et)) {
    throw FormatError("array element type " + std::to_string(et) + " is not a GGUF value type");
  }
  const auto elem = static_cast<ValueType>(et);
  const uint64_t n = c.read<uint64_t>("array length");
  // Every element takes at least one byte (strings and arrays at least 8):
  // reject impossible counts before allocating anything.
  const uint64_t min_size = elem == ValueType::STRING || elem == ValueType::ARRAY
                                ? 8
                                : scalar_size(elem);
  if (n > c.remaining() / min_size) {
    throw FormatError("array of " + std::to_string(n) + " " +
                      std::string(value_type_name(elem)) + " does not fit in the " +
                      std::to_string(c.remaining()) + " bytes left");
  }
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) items.push_back(read_value(c, elem, depth + 1));
  return Value::array(elem, std::move(items));
}

Value read_value(Cursor& c, ValueType t, int depth) {
  return t == ValueType::ARRAY ? read_array(c, depth) : read_scalar(c, t);
}

}  // namespace

File File::open(const std::filesystem::path& path) {
  File f;
  f.mapping_ = std::make_shared<MappedFile>(path);
  f.bytes_ = f.mapping_->bytes();
  f.name_ = path.string();
  f.parse_all();
  return f;
}

File File::parse(std::span<const uint8_t> bytes, std::string name) {
  File f;
  f.bytes_ = bytes;
  f.name_ = std::move(name);
  f.parse_all();
  return f;
}

void File::fail(const std::string& what) const { throw FormatError(name_ + ": " + what); }

void File::parse_all() {
  Cursor c(bytes_);
  try {
    if (bytes_.size() < 4) fail("not a GGUF file (only " + std::to_string(bytes_.size()) + " bytes)");
    const uint32_t magic = c.read<uint32_t>("magic");
    if (magic != kMagic) {
      fail("not a GGUF file (bad magic; expected \"GGUF\")");
    }
    version_ = c.read<uint32_t>("version");
    if (version_ == 1) {
      throw UnsupportedError(name_ + ": GGUF version 1 is not supported (re-convert the model)");
    }
    if (version_ != 2 && version_ != 3) {
      const uint32_t swapped = __builtin_bswap32(version_);
      if (swapped >= 1 && swapped <= 3) {
        throw UnsupportedError(name_ + ": big-endian GGUF files are not supported");
      }
      throw UnsupportedError(name_ + ": GGUF version " + std::to_string(version_) +
                             " is not supported (hearth reads versions 2 and 3)");
    }
    const uint64_t n_tensors = c.read<uint64_t>("tensor count");
    const uint64_t n_kv = c.read<uint64_t>("metadata count");
    // A key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes, a
    // tensor entry at least 8 + 4 + 8 + 4 + 8.
    if (n_kv > c.remaining() / 13) {
      fail("metadata count " + std::to_string(n_kv) + " is larger than the file can hold");
    }
    if (n_tensors > c.remaining() / 32) {
      fail("tensor count " + std::to_string(n_tensors) + " is larger than the file can hold");
    }

    std::unordered_set<std::string> keys;
    metadata_.reserve(static_cast<size_t>(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) {
      std::string key;
      try {
        key = c.read_string("metadata key");
        const uint32_t t = c.read<uint32_t>("metadata value type");
        if (!is_valid_value_type(t)) {
          throw FormatError("value type " + std::to_string(t) + " is not a GGUF value type");
        }
        if (!keys.insert(key).second) throw FormatError("duplicate key");
        metadata_.emplace_back(key, read_value(c, static_cast<ValueType>(t), 0));
      } catch (const FormatError& e) {
        fail("metadata entry " + std::to_string(i) + (key.empty() ? "" : " '" + key + "'") +
             ": " + e.what());
      }
    }

    alignment_ = alignment_from(find("general.alignment"));

    std::unordered_set<std::string> names;
    tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) {
      Tensor t;
      try {
        t.name = c.read_string("tensor name");
        if (!names.insert(t.name).second) throw FormatError("duplicate tensor name");
        const uint32_t n_dims = c.read<uint32_t>("tensor dimension count");
        check_dim_count(n_dims);  // before reading that many dimensions
        for (uint32_t d = 0; d < n_dims; ++d) t.shape.push_back(c.read<uint64_t>("tensor dimension"));
        const uint32_t type_id = c.read<uint32_t>("tensor type");
        const auto layout = tensor_type_layout(type_id);
        if (!layout) {
          throw UnsupportedError("unknown tensor type id " + std::to_string(type_id));
        }
        t.type = layout->type;
        const TensorSize size = tensor_size(t.shape, t.type);
        t.n_elements = size.n_elements;
        t.n_bytes = size.n_bytes;
        t.offset = c.read<uint64_t>("tensor data offset");
        if (t.offset % alignment_ != 0) {
          throw FormatError("data offset " + std::to_string(t.offset) + " is not a multiple of " +
                            "the alignment " + std::to_string(alignment_));
        }
      } catch (const UnsupportedError& e) {
        throw UnsupportedError(name_ + ": tensor " + std::to_string(i) +
                               (t.name.empty() ? "" : " '" + t.name + "'") + ": " + e.what());
      } catch (const FormatError& e) {
        fail("tensor " + std::to_string(i) + (t.name.empty() ? "" : " '" + t.name + "'") + ": " +
             e.what());
      }
      tensors_.push_back(std::move(t));
    }

    // The data section starts at the next multiple of the alignment; a file
    // without tensors has no data section and needs no padding.
    const std::optional<uint64_t> data_offset = align_up(c.pos(), alignment_);
    if (!data_offset) fail("data section offset overflows");
    data_offset_ = tensors_.empty() ? c.pos() : *data_offset;
    if (!tensors_.empty() && data_offset_ > bytes_.size()) {
      fail("truncated: data section would start at byte " + std::to_string(data_offset_) +
           " but the file has " + std::to_string(bytes_.size()) + " bytes");
    }
    const uint64_t data_size = tensors_.empty() ? 0 : bytes_.size() - data_offset_;
    for (Tensor& t : tensors_) {
      if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
        fail("truncated: tensor '" + t.name + "' needs " + std::to_string(t.n_bytes) +
             " bytes at offset " + std::to_string(t.offset) + " of the data section, which has " +
             std::to_string(data_size) + " bytes");
      }
      t.data = bytes_.data() + data_offset_ + t.offset;
    }
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    if (msg.rfind(name_ + ": ", 0) == 0) throw;
    fail(msg);
  }
}

const Value* File::find(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Tensor* File::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {
// A numeric value as float; FormatError when it is outside float's range
// (converting such a double would be undefined behaviour).
float as_float32(const Value& v) {
  const double d = v.as_float();
  if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
    throw FormatError("value " + std::to_string(d) + " does not fit float32");
  }
  return static_cast<float>(d);
}

template <typename F>
auto typed(const File& f, std::string_view key, F&& get) -> std::optional<decltype(get(Value{}))> {
  const Value* v = f.find(key);
  if (!v) return std::nullopt;
  try {
    return get(*v);
  } catch (const FormatError& e) {
    throw FormatError(f.name() + ": metadata '" + std::string(key) + "': " + e.what());
  }
}
}  // namespace

std::optional<uint64_t> File::get_uint(std::string_view key) const {
  return typed(*this, key, [](const Value& v) { return v.as_uint(); });
}
std::optional<int64_t> File::get_int(std::string_view key) const {
  return typed(*this, key, [](const Value& v) { return v.as_int(); });
}
std::optional<double> File::get_float(std::string_view key) const {
  return typed(*this, key, [](const Value& v) { return v.as_float(); });
}
std::optional<bool> File::get_bool(std::string_view key) const {
  return typed(*this, key, [](const Value& v) { return v.as_bool(); });
}
std::optional<std::string> File::get_string(std::string_view key) const {
  return typed(*this, key, [](const Value& v) { return v.as_string(); });
}
std::optional<std::vector<std::string>> File::get_string_array(std::string_view key) const {
  return typed(*this, key, [](const Value& v) {
    std::vector<std::string> out;
    out.reserve(v.items().size());
    for (const Value& i : v.items()) out.push_back(i.as_string());
    return out;
  });
}
std::optional<std::vector<float>> File::get_float_array(std::string_view key) const {
  return typed(*this, key, [](const Value& v) {
    std::vector<float> out;
    out.reserve(v.items().size());
    for (const Value& i : v.items()) out.push_back(as_float32(i));
    return out;
  });
}
std::optional<std::vector<int64_t>> File::get_int_array(std::string_view key) const {
  return typed(*this, key, [](const Value& v) {
    std::vector<int64_t> out;
    out.reserve(v.items().size());
    for (const Value& i : v.items()) out.push_back(i.as_int());
    return out;
  });
}

std::string File::architecture() const {
  return get_string("general.architecture").value_or("");
}

}  // namespace hearth::gguf

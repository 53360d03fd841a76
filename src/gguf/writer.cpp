#include "gguf/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "core/error.h"

namespace hearth::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF writer assumes a little-endian host");

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" as a little-endian u32

[[noreturn]] void fail(const std::string& what) { throw FormatError("gguf writer: " + what); }

// Byte destinations for the header encoder: one counts, one appends. The
// layout is sized with the first and encoded with the second, so the two can
// never disagree.
struct Counter {
  uint64_t n = 0;
  void bytes(const void*, size_t size) { n += size; }
};
struct Appender {
  std::vector<uint8_t>& out;
  void bytes(const void* p, size_t size) {
    if (size == 0) return;
    const size_t at = out.size();
    out.resize(at + size);
    std::memcpy(out.data() + at, p, size);
  }
};

template <typename Out, typename T>
void put(Out& out, T v) {
  out.bytes(&v, sizeof v);  // little-endian host: memory order is file order
}

template <typename Out>
void put_string(Out& out, const std::string& s) {
  put<Out, uint64_t>(out, s.size());
  out.bytes(s.data(), s.size());
}

template <typename Out>
void put_value(Out& out, const Value& v) {
  switch (v.type()) {
    case ValueType::STRING:
      put_string(out, v.as_string());
      return;
    case ValueType::ARRAY:
      put<Out, uint32_t>(out, static_cast<uint32_t>(v.element_type()));
      put<Out, uint64_t>(out, v.items().size());
      for (const Value& item : v.items()) put_value(out, item);
      return;
    default: {
      const uint64_t bits = v.raw_bits();  // low scalar_size bytes are the file's
      out.bytes(&bits, scalar_size(v.type()));
      return;
    }
  }
}

template <typename Out>
void put_header(Out& out, uint32_t version, const std::vector<KeyValue>& metadata,
                const std::vector<TensorSpec>& tensors, const std::vector<uint64_t>& offsets) {
  put<Out, uint32_t>(out, kMagic);
  put<Out, uint32_t>(out, version);
  put<Out, uint64_t>(out, tensors.size());
  put<Out, uint64_t>(out, metadata.size());
  for (const auto& [key, value] : metadata) {
    put_string(out, key);
    put<Out, uint32_t>(out, static_cast<uint32_t>(value.type()));
    put_value(out, value);
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorSpec& t = tensors[i];
    put_string(out, t.name);
    put<Out, uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (uint64_t ne : t.shape) put<Out, uint64_t>(out, ne);
    put<Out, uint32_t>(out, static_cast<uint32_t>(t.type));
    put<Out, uint64_t>(out, offsets[i]);
  }
}

// Levels of array nesting in v (0 for a scalar).
int array_depth(const Value& v) {
  if (v.type() != ValueType::ARRAY) return 0;
  int deepest = 0;
  for (const Value& item : v.items()) deepest = std::max(deepest, array_depth(item));
  return 1 + deepest;
}

uint64_t checked_align(uint64_t v, uint32_t alignment) {
  const std::optional<uint64_t> r = align_up(v, alignment);
  if (!r) fail("file would be larger than 2^64 bytes");
  return *r;
}

}  // namespace

// ---- Layout -------------------------------------------------------------------

Layout::Layout(std::vector<KeyValue> metadata, std::vector<TensorSpec> tensors, uint32_t version)
    : version_(version), metadata_(std::move(metadata)), tensors_(std::move(tensors)) {
  if (version_ != 2 && version_ != 3) {
    throw UnsupportedError("gguf writer: cannot write GGUF version " + std::to_string(version_) +
                           " (hearth writes versions 2 and 3)");
  }
  std::unordered_set<std::string_view> keys;
  const Value* alignment = nullptr;
  for (const auto& [key, value] : metadata_) {
    if (!keys.insert(key).second) fail("duplicate metadata key '" + key + "'");
    if (array_depth(value) > kMaxArrayNesting) {
      fail("metadata '" + key + "': arrays nested deeper than " +
           std::to_string(kMaxArrayNesting));
    }
    if (key == "general.alignment") alignment = &value;
  }
  try {
    alignment_ = alignment_from(alignment);
  } catch (const FormatError& e) {
    fail(e.what());
  }

  std::unordered_set<std::string_view> names;
  uint64_t data_size = 0;  // padded size of the data section so far
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TensorSpec& t = tensors_[i];
    const std::string where = "tensor " + std::to_string(i) + " '" + t.name + "': ";
    if (!names.insert(t.name).second) fail(where + "duplicate tensor name");
    TensorSize size;
    try {
      size = tensor_size(t.shape, t.type);
    } catch (const Error& e) {
      fail(where + e.what());
    }
    offsets_.push_back(data_size);
    sizes_.push_back(size.n_bytes);
    if (__builtin_add_overflow(data_size, size.n_bytes, &data_size)) {
      fail("file would be larger than 2^64 bytes");
    }
    data_size = checked_align(data_size, alignment_);
  }

  Counter header;
  put_header(header, version_, metadata_, tensors_, offsets_);
  data_offset_ = tensors_.empty() ? header.n : checked_align(header.n, alignment_);
  if (__builtin_add_overflow(data_offset_, data_size, &file_size_)) {
    fail("file would be larger than 2^64 bytes");
  }
}

Layout Layout::of(const File& file, uint32_t version) {
  std::vector<TensorSpec> tensors;
  tensors.reserve(file.tensors().size());
  for (const Tensor& t : file.tensors()) tensors.push_back({t.name, t.type, t.shape});
  return Layout(file.metadata(), std::move(tensors), version);
}

std::vector<uint8_t> Layout::encode_header() const {
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(data_offset_));
  Appender out{bytes};
  put_header(out, version_, metadata_, tensors_, offsets_);
  bytes.resize(static_cast<size_t>(data_offset_), 0);  // zero padding
  return bytes;
}

// ---- sinks ------------------------------------------------------------------------

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const uint8_t> bytes) = 0;
  virtual void commit() = 0;
};

namespace {

class MemorySink final : public ByteSink {
 public:
  explicit MemorySink(std::vector<uint8_t>& out) : out_(out) { out_.clear(); }
  void write(std::span<const uint8_t> bytes) override {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void commit() override {}

 private:
  std::vector<uint8_t>& out_;
};

// Writes to `<target>.tmp-<pid>-<n>` in the target's directory (so the final
// rename stays on one file system and is atomic), through a buffer so that
// small writes (padding, small tensors) do not each cost a system call.
class FileSink final : public ByteSink {
 public:
  explicit FileSink(std::filesystem::path target) : target_(std::move(target)) {
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; fd_ < 0; ++attempt) {
      temp_ = target_;
      temp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
      fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && (errno != EEXIST || attempt >= 100)) io_fail(temp_, "cannot create");
    }
    buffer_.reserve(kBufferSize);
  }

  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  void write(std::span<const uint8_t> bytes) override {
    if (buffer_.size() + bytes.size() > kBufferSize) flush();
    if (bytes.size() >= kBufferSize) {
      write_all(bytes);
    } else {
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    }
  }

  void commit() override {
    flush();
    if (::fsync(fd_) != 0) io_fail(temp_, "cannot sync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) io_fail(temp_, "cannot close");
    if (::rename(temp_.c_str(), target_.c_str()) != 0) io_fail(target_, "cannot rename into place");
    committed_ = true;
  }

 private:
  static constexpr size_t kBufferSize = size_t{1} << 20;

  [[noreturn]] static void io_fail(const std::filesystem::path& p, const char* what) {
    throw IoError(p.string() + ": " + what + ": " + std::strerror(errno));
  }

  void flush() {
    write_all(buffer_);
    buffer_.clear();
  }

  void write_all(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        io_fail(temp_, "cannot write");
      }
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
  }

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<uint8_t> buffer_;
};

}  // namespace

// ---- Writer ---------------------------------------------------------------------

Writer::Writer(const std::filesystem::path& path, Layout layout)
    : layout_(std::move(layout)), sink_(std::make_unique<FileSink>(path)) {
  sink_->write(layout_.encode_header());
}

Writer::Writer(std::vector<uint8_t>& out, Layout layout)
    : layout_(std::move(layout)), sink_(std::make_unique<MemorySink>(out)) {
  sink_->write(layout_.encode_header());
}

Writer::~Writer() = default;
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

void Writer::write_padding(uint64_t n) {
  static constexpr uint8_t kZeros[4096] = {};
  while (n > 0) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, sizeof kZeros));
    sink_->write({kZeros, chunk});
    n -= chunk;
  }
}

void Writer::write(std::span<const uint8_t> bytes) {
  if (committed_) throw Error("gguf writer: write after commit");
  const size_t n_tensors = layout_.tensors().size();
  while (!bytes.empty()) {
    if (current_ == n_tensors) {
      throw Error("gguf writer: " + std::to_string(bytes.size()) +
                  " bytes of tensor data beyond the last tensor");
    }
    const uint64_t size = layout_.tensor_bytes(current_);
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size - written_, bytes.size()));
    sink_->write(bytes.first(take));
    bytes = bytes.subspan(take);
    written_ += take;
    if (written_ == size) {
      const uint64_t end = layout_.tensor_offset(current_) + size;
      const uint64_t next = current_ + 1 < n_tensors ? layout_.tensor_offset(current_ + 1)
                                                     : layout_.file_size() - layout_.data_offset();
      write_padding(next - end);
      ++current_;
      written_ = 0;
    }
  }
}

void Writer::write_tensor(std::string_view name, std::span<const uint8_t> data) {
  const auto& tensors = layout_.tensors();
  if (current_ == tensors.size()) {
    throw Error("gguf writer: tensor '" + std::string(name) + "' written after the last tensor");
  }
  const TensorSpec& t = tensors[current_];
  if (t.name != name || written_ != 0) {
    throw Error("gguf writer: tensor '" + std::string(name) + "' written while tensor " +
                std::to_string(current_) + " '" + t.name + "' is due");
  }
  if (data.size() != layout_.tensor_bytes(current_)) {
    throw Error("gguf writer: tensor '" + t.name + "' has " + std::to_string(data.size()) +
                " bytes, expected " + std::to_string(layout_.tensor_bytes(current_)));
  }
  write(data);
}

void Writer::commit() {
  if (committed_) return;
  const auto& tensors = layout_.tensors();
  if (current_ != tensors.size()) {
    throw Error("gguf writer: tensor " + std::to_string(current_) + " '" +
                tensors[current_].name + "' is incomplete (" + std::to_string(written_) + " of " +
                std::to_string(layout_.tensor_bytes(current_)) + " bytes written)");
  }
  sink_->commit();
  committed_ = true;
}

// ---- whole files -------------------------------------------------------------------

namespace {
void copy_tensors(const File& file, Writer& w) {
  for (const Tensor& t : file.tensors()) w.write_tensor(t.name, {t.data, t.n_bytes});
  w.commit();
}
}  // namespace

void save(const File& file, const std::filesystem::path& path, uint32_t version) {
  Writer w(path, Layout::of(file, version ? version : file.version()));
  copy_tensors(file, w);
}

std::vector<uint8_t> encode(const File& file, uint32_t version) {
  std::vector<uint8_t> out;
  Writer w(out, Layout::of(file, version ? version : file.version()));
  copy_tensors(file, w);
  return out;
}

}  // namespace hearth::gguf

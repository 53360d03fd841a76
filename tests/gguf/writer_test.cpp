// The GGUF writer: byte-exact round trips of every fixture, streaming in
// chunks, v2 output, commit-or-nothing on disk, and refusal of anything the
// reader would reject.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "gguf/writer.h"
#include "test_data.h"
#include "test_util.h"

namespace hearth::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> fixtures() {
  std::vector<fs::path> files;
  for (const char* dir : {"tiny", "vocab"}) {
    for (const auto& e : fs::directory_iterator(hearth::test::data_path(dir))) {
      if (e.path().extension() == ".gguf") files.push_back(e.path());
    }
  }
  files.push_back(hearth::test::kStories);
  std::sort(files.begin(), files.end());
  return files;
}

class TempDir : public ::testing::Test {
 protected:
  fs::path dir_ = hearth::test::temp_dir("hearth-gguf-writer");
  ~TempDir() override { fs::remove_all(dir_); }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
};

using RoundTrip = TempDir;

TEST_F(RoundTrip, EveryFixtureIsWrittenBackByteForByte) {
  const std::vector<fs::path> files = fixtures();
  ASSERT_GE(files.size(), 26u);  // 15 tiny + 10 vocab + stories260K
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.filename().string());
    const File f = File::open(p);
    const fs::path out = dir_ / p.filename();
    save(f, out);
    const std::vector<uint8_t> original = hearth::test::read_bytes(p);
    const std::vector<uint8_t> written = hearth::test::read_bytes(out);
    ASSERT_EQ(written.size(), original.size());
    EXPECT_TRUE(written == original);
    EXPECT_EQ(Layout::of(f, f.version()).file_size(), original.size());
    fs::remove(out);
  }
  EXPECT_EQ(entries(), 0u);  // no temporary files left behind
}

TEST(Writer, SampleRoundTripsThroughTheReader) {
  const std::vector<uint8_t> bytes = test::sample_file();
  const Layout layout = test::sample_layout();
  EXPECT_EQ(bytes.size(), layout.file_size());
  const File f = File::parse(bytes, "sample.gguf");
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.metadata(), layout.metadata());  // same types and bits, nested arrays included
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.data_offset(), layout.data_offset());
  EXPECT_EQ(f.data_offset() % 32, 0u);
  for (size_t i = 0; i < 2; ++i) {
    const Tensor& t = f.tensors()[i];
    EXPECT_EQ(t.name, layout.tensors()[i].name);
    EXPECT_EQ(t.shape, layout.tensors()[i].shape);
    EXPECT_EQ(t.type, layout.tensors()[i].type);
    EXPECT_EQ(t.offset, layout.tensor_offset(i));
    const std::vector<uint8_t> want = test::sample_tensor_data(i, t.n_bytes);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), t.data));
  }
  EXPECT_EQ(f.tensors()[0].n_bytes, 68u);  // 2 blocks of 34
  EXPECT_EQ(f.tensors()[1].offset, 96u);   // 68 rounded up to 32
  // Padding is zeros.
  for (uint64_t i = f.data_offset() + 68; i < f.data_offset() + 96; ++i) EXPECT_EQ(bytes[i], 0);
  // And writing the parsed file again gives the same bytes.
  EXPECT_EQ(encode(f), bytes);
}

TEST(Writer, Float32BitsSurviveIncludingSignallingNaN) {
  const std::vector<uint8_t> bytes = test::sample_file();
  const File f = File::parse(bytes, "sample.gguf");
  const Value* v = f.find("t.f32_snan");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->type(), ValueType::F32);
  EXPECT_EQ(v->raw_bits(), test::kSignallingNaNBits);
  const uint8_t want[4] = {0x01, 0x00, 0xa0, 0x7f};
  const std::vector<uint8_t> again = encode(f);
  EXPECT_NE(std::search(again.begin(), again.end(), want, want + 4), again.end());
}

TEST(Writer, Version2HasTheSameLayout) {
  const std::vector<uint8_t> v3 = test::sample_file(3);
  const std::vector<uint8_t> v2 = test::sample_file(2);
  ASSERT_EQ(v2.size(), v3.size());
  EXPECT_EQ(v2[4], 2);
  EXPECT_TRUE(std::equal(v2.begin() + 8, v2.end(), v3.begin() + 8));
  EXPECT_EQ(File::parse(v2, "v2.gguf").version(), 2u);
  EXPECT_EQ(encode(File::parse(v3, "v3.gguf"), 2), v2);
  EXPECT_THROW(test::sample_layout(1), UnsupportedError);
  EXPECT_THROW(test::sample_layout(4), UnsupportedError);
}

TEST(Writer, StreamsTensorDataInAnyChunking) {
  const std::vector<uint8_t> want = test::sample_file();
  const Layout layout = test::sample_layout();
  std::vector<uint8_t> data;  // both tensors back to back, unpadded
  for (size_t i = 0; i < 2; ++i) {
    const auto d = test::sample_tensor_data(i, layout.tensor_bytes(i));
    data.insert(data.end(), d.begin(), d.end());
  }
  for (size_t chunk : {1u, 5u, 33u, 68u, 100u}) {
    std::vector<uint8_t> out;
    Writer w(out, layout);
    for (size_t at = 0; at < data.size(); at += chunk) {
      w.write(std::span(data).subspan(at, std::min(chunk, data.size() - at)));
    }
    EXPECT_EQ(w.current_tensor(), 2u);
    w.commit();
    EXPECT_EQ(out, want) << "chunk " << chunk;
  }
}

TEST(Writer, NoTensorsMeansNoPadding) {
  std::vector<KeyValue> md;
  md.emplace_back("general.architecture", Value::string("abc"));  // 8+20 + 4 + 8+3
  const Layout layout(md, {});
  EXPECT_EQ(layout.data_offset(), 24u + 43u);
  EXPECT_EQ(layout.file_size(), 67u);
  std::vector<uint8_t> out;
  Writer w(out, layout);
  w.commit();
  EXPECT_EQ(out.size(), 67u);
  EXPECT_EQ(File::parse(out, "v.gguf").architecture(), "abc");
}

TEST(Writer, HonoursGeneralAlignment) {
  std::vector<KeyValue> md;
  md.emplace_back("general.alignment", Value::unsigned_int(ValueType::U32, 256));
  const Layout layout(md, {{"a", TensorType::F32, {3}}, {"b", TensorType::F16, {5}}});
  EXPECT_EQ(layout.alignment(), 256u);
  EXPECT_EQ(layout.data_offset(), 256u);
  EXPECT_EQ(layout.tensor_offset(1), 256u);
  EXPECT_EQ(layout.file_size(), 256u * 3);
  std::vector<uint8_t> out;
  Writer w(out, layout);
  w.write_tensor("a", std::vector<uint8_t>(12, 1));
  w.write_tensor("b", std::vector<uint8_t>(10, 2));
  w.commit();
  const File f = File::parse(out, "aligned.gguf");
  EXPECT_EQ(f.alignment(), 256u);
  EXPECT_EQ(f.tensors()[1].data[9], 2);
}

template <typename E>
void expect_error(const std::function<void()>& fn, std::string_view fragment) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Writer, LayoutRejectsWhatTheReaderWouldReject) {
  using VT = ValueType;
  auto kv = [](const char* k, Value v) { return std::vector<KeyValue>{{k, std::move(v)}}; };
  expect_error<FormatError>([] { Layout({{"a", Value::boolean(true)}, {"a", Value::boolean(false)}}, {}); },
                            "gguf writer: duplicate metadata key 'a'");
  expect_error<FormatError>([&] { Layout(kv("general.alignment", Value::unsigned_int(VT::U64, 32)), {}); },
                            "general.alignment must be uint32, not uint64");
  expect_error<FormatError>([&] { Layout(kv("general.alignment", Value::unsigned_int(VT::U32, 24)), {}); },
                            "general.alignment 24 is not a power of two");
  Value deep = Value::array(VT::U8, {});
  for (int i = 0; i < kMaxArrayNesting; ++i) deep = Value::array(VT::ARRAY, {deep});
  expect_error<FormatError>([&] { Layout(kv("deep", deep), {}); }, "'deep': arrays nested deeper than 8");
  expect_error<FormatError>([] { Layout({}, {{"w", TensorType::F32, {4}}, {"w", TensorType::F32, {4}}}); },
                            "tensor 1 'w': duplicate tensor name");
  expect_error<FormatError>([] { Layout({}, {{"w", TensorType::F32, {}}}); }, "0 dimensions");
  expect_error<FormatError>([] { Layout({}, {{"w", TensorType::F32, {1, 1, 1, 1, 1}}}); },
                            "5 dimensions");
  expect_error<FormatError>([] { Layout({}, {{"w", TensorType::F32, {4, 0}}}); }, "dimension 1 is 0");
  expect_error<FormatError>([] { Layout({}, {{"w", TensorType::Q4_K, {128}}}); },
                            "tensor 0 'w': row length 128 is not a multiple of Q4_K's block size 256");
  const uint64_t big = uint64_t{1} << 31;
  expect_error<FormatError>([&] { Layout({}, {{"w", TensorType::F32, {big, big, big}}}); },
                            "element count overflows");
  // Each of these is 2^62 * 4 bytes > 2^64 in total.
  expect_error<FormatError>(
      [] { Layout({}, {{"a", TensorType::I8, {uint64_t{1} << 62}}, {"b", TensorType::I8, {uint64_t{1} << 62}},
                       {"c", TensorType::I8, {uint64_t{1} << 62}}, {"d", TensorType::I8, {uint64_t{1} << 62}}}); },
      "larger than 2^64 bytes");
}

TEST(Writer, ValueFactoriesRefuseValuesThatDoNotFit) {
  using VT = ValueType;
  EXPECT_THROW(Value::unsigned_int(VT::U8, 256), Error);
  EXPECT_THROW(Value::unsigned_int(VT::I32, 1), Error);
  EXPECT_THROW(Value::signed_int(VT::I8, 128), Error);
  EXPECT_THROW(Value::signed_int(VT::I16, -32769), Error);
  EXPECT_THROW(Value::signed_int(VT::U32, 1), Error);
  EXPECT_THROW(Value::floating(VT::F32, 1e300), Error);
  EXPECT_THROW(Value::floating(VT::U8, 1), Error);
  EXPECT_THROW(Value::array(VT::U8, {Value::string("x")}), Error);
  EXPECT_NO_THROW(Value::signed_int(VT::I8, -128));
  EXPECT_NO_THROW(Value::unsigned_int(VT::U16, 65535));
  EXPECT_EQ(Value::from_raw(VT::I16, 0xffff).as_int(), -1);
  EXPECT_EQ(Value::from_raw(VT::I16, 0xffff).raw_bits(), ~uint64_t{0});
  EXPECT_EQ(Value::from_raw(VT::U16, 0xffff).as_uint(), 65535u);
  EXPECT_THROW(Value::from_raw(VT::BOOL, 2), FormatError);
  EXPECT_THROW(Value::from_raw(VT::U8, 256), Error);
}

TEST(Writer, MisuseOfTheStreamIsAnError) {
  std::vector<uint8_t> out;
  Writer w(out, test::sample_layout());
  expect_error<Error>([&] { w.write_tensor("out", std::vector<uint8_t>(32)); },
                      "tensor 'out' written while tensor 0 'blk.q' is due");
  expect_error<Error>([&] { w.write_tensor("blk.q", std::vector<uint8_t>(67)); },
                      "tensor 'blk.q' has 67 bytes, expected 68");
  w.write(std::vector<uint8_t>(10));
  expect_error<Error>([&] { w.commit(); }, "tensor 0 'blk.q' is incomplete (10 of 68 bytes written)");
  expect_error<Error>([&] { w.write(std::vector<uint8_t>(58 + 32 + 1)); },
                      "1 bytes of tensor data beyond the last tensor");
}

using WriterFile = TempDir;

TEST_F(WriterFile, NothingAppearsUntilCommit) {
  const fs::path target = dir_ / "model.gguf";
  {
    Writer w(target, test::sample_layout());
    w.write(test::sample_tensor_data(0, 68));
    EXPECT_FALSE(fs::exists(target));
    EXPECT_EQ(entries(), 1u);  // the temporary file
  }  // abandoned: the temporary file is removed
  EXPECT_EQ(entries(), 0u);
}

TEST_F(WriterFile, CommitReplacesTheTargetAtomically) {
  const fs::path target = dir_ / "model.gguf";
  { std::ofstream(target) << "old contents"; }
  Writer w(target, test::sample_layout());
  for (size_t i = 0; i < 2; ++i) w.write(test::sample_tensor_data(i, w.layout().tensor_bytes(i)));
  EXPECT_EQ(hearth::test::read_text(target), "old contents");
  w.commit();
  EXPECT_EQ(hearth::test::read_bytes(target), test::sample_file());
  EXPECT_EQ(entries(), 1u);
}

TEST_F(WriterFile, UnwritableDirectoryIsAnIoErrorNamingThePath) {
  const fs::path target = dir_ / "no-such-dir" / "model.gguf";
  expect_error<IoError>([&] { Writer(target, test::sample_layout()); }, "no-such-dir/model.gguf.tmp-");
}

}  // namespace
}  // namespace hearth::gguf

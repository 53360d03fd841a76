// The safetensors reader: a valid file parses to views of its data; every
// hostile header is refused with a FormatError naming the file and, where
// there is one, the tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "gguf/safetensors.h"
#include "test_data.h"

namespace hearth::gguf {
namespace {

// 8-byte length + `header` + `data_bytes` bytes of data (0, 1, 2, ...).
std::vector<uint8_t> file_with(const std::string& header, size_t data_bytes, uint64_t claimed_length = UINT64_MAX) {
  std::vector<uint8_t> b;
  const uint64_t n = claimed_length == UINT64_MAX ? header.size() : claimed_length;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(n >> (8 * i)));
  b.insert(b.end(), header.begin(), header.end());
  for (size_t i = 0; i < data_bytes; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

void expect_error(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> parts) {
  try {
    (void)SafetensorsFile::parse(bytes, "hostile.safetensors");
    ADD_FAILURE() << "parsed";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("hostile.safetensors: ", 0), 0u) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

const std::string kTwo =
    R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2,3],"data_offsets":[8,20]},)"
    R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST(Safetensors, ParsesTensorsSortedWithViewsIntoTheData) {
  const auto bytes = file_with(kTwo, 20);
  const auto f = SafetensorsFile::parse(bytes, "ok.safetensors");
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors().begin()->first, "a");
  const auto* b = f.find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, SafetensorsDtype::F16);
  EXPECT_EQ(b->shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(b->n_elements(), 6u);
  EXPECT_EQ(b->data.size(), 12u);
  EXPECT_EQ(b->data.data(), bytes.data() + 8 + kTwo.size() + 8);
  EXPECT_EQ(b->data[0], 8);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.find("c"), nullptr);
  // A scalar (shape []) and an empty tensor are legal.
  const auto s = SafetensorsFile::parse(
      file_with(R"({"s":{"dtype":"BF16","shape":[],"data_offsets":[0,2]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[2,2]}})", 2),
      "scalar.safetensors");
  EXPECT_EQ(s.find("s")->n_elements(), 1u);
  EXPECT_EQ(s.find("e")->data.size(), 0u);
}

TEST(Safetensors, RefusesBadHeaderLengths) {
  expect_error({1, 2, 3}, {"only 3 bytes"});
  expect_error(file_with("{}", 0, uint64_t{1} << 40), {"exceeds the limit"});
  expect_error(file_with("{}", 0, UINT64_MAX - 1), {"exceeds the limit"});
  expect_error(file_with("{}", 0, 1000), {"runs past the end of the file"});
}

TEST(Safetensors, RefusesBadJson) {
  expect_error(file_with("{\"a\":", 0), {"not valid JSON"});
  expect_error(file_with("[1,2]", 0), {"not a JSON object"});
  expect_error(file_with("\xff\xfe", 0), {"not valid JSON"});
  expect_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
               {"repeats the key 'a'"});
  expect_error(file_with(R"({"__metadata__":{"k":1}})", 0), {"__metadata__ value 'k' is not a string"});
}

TEST(Safetensors, RefusesBadTensorEntries) {
  expect_error(file_with(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}})", 4), {"tensor 'w'", "unknown dtype 'F12'"});
  expect_error(file_with(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4), {"tensor 'w'", "no 'dtype'"});
  expect_error(file_with(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), {"tensor 'w'", "non-negative"});
  expect_error(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), {"tensor 'w'", "data_offsets"});
  expect_error(file_with(R"({"w":7})", 4), {"tensor 'w' is not an object"});
}

TEST(Safetensors, RefusesWrongSizesAndOffsets) {
  // shape x dtype size != span
  expect_error(file_with(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 16),
               {"tensor 'w'", "needs 16 bytes but data_offsets span 12"});
  // an element count that overflows
  expect_error(file_with(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
               {"tensor 'w'", "overflows"});
  // outside the file
  expect_error(file_with(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[4,20]}})", 16),
               {"tensor 'w'", "outside the file"});
  expect_error(file_with(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 16), {"tensor 'w'", "reversed"});
  // overlapping
  expect_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
               {"overlaps"});
}

}  // namespace
}  // namespace hearth::gguf

namespace hearth::gguf {
namespace {

// The fuzzer's seeds (fuzz/corpus/safetensors/) are valid files.
TEST(Safetensors, FuzzSeedsParse) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(hearth::test::repo_path("fuzz/corpus/safetensors"))) {
    EXPECT_NO_THROW((void)SafetensorsFile::open(e.path())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 3);
  const auto two = SafetensorsFile::open(hearth::test::repo_path("fuzz/corpus/safetensors/two-tensors.safetensors"));
  EXPECT_EQ(two.tensors().size(), 2u);
}

}  // namespace
}  // namespace hearth::gguf

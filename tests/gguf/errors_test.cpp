// Every way the GGUF reader rejects a file: hand-built hostile files, each
// checked for the error type and a message that names the file and the fault.
#include <gtest/gtest.h>

#include <limits>

#include "gguf/rules.h"
#include "test_util.h"

namespace hearth::gguf {
namespace {

using test::expect_parse_error;
using test::RawBytes;

constexpr uint32_t kF32 = 0, kQ8_0 = 8;

// A file with one tensor 'w' and `data_bytes` bytes of data after the header
// (padded to 32).
std::vector<uint8_t> one_tensor(std::initializer_list<uint64_t> shape, uint32_t type = kF32,
                                uint64_t offset = 0, size_t data_bytes = 32) {
  RawBytes b;
  b.header(1, 0).tensor("w", shape, type, offset).pad_to(32).zeros(data_bytes);
  return b.bytes;
}

TEST(GgufErrors, EveryTruncationOfAValidFileThrows) {
  const std::vector<uint8_t> full = test::sample_file();
  ASSERT_NO_THROW((void)File::parse(full, "hostile.gguf"));
  // The sample's last tensor ends exactly at the end of the file, so every
  // proper prefix is invalid.
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(n));
    try {
      (void)File::parse(prefix, "hostile.gguf");
      ADD_FAILURE() << "prefix of " << n << " bytes parsed";
    } catch (const Error& e) {
      const std::string msg = e.what();
      ASSERT_EQ(msg.rfind("hostile.gguf: ", 0), 0u) << msg;
      ASSERT_TRUE(msg.find("truncated") != std::string::npos ||
                  msg.find("not a GGUF file") != std::string::npos ||
                  msg.find("larger than the file can hold") != std::string::npos ||
                  msg.find("does not fit") != std::string::npos)
          << "prefix " << n << ": " << msg;
    }
  }
}

TEST(GgufErrors, EmptyAndTinyFiles) {
  expect_parse_error<FormatError>({}, {"not a GGUF file", "only 0 bytes"});
  expect_parse_error<FormatError>({'G', 'G', 'U'}, {"not a GGUF file", "only 3 bytes"});
}

TEST(GgufErrors, BadMagic) {
  RawBytes b;
  b.header(0, 0);
  b.bytes[3] = 'L';
  expect_parse_error<FormatError>(b.bytes, {"not a GGUF file", "bad magic"});
}

TEST(GgufErrors, UnsupportedVersions) {
  expect_parse_error<UnsupportedError>(RawBytes().header(0, 0, 1).bytes,
                                       {"GGUF version 1 is not supported"});
  expect_parse_error<UnsupportedError>(RawBytes().header(0, 0, 4).bytes,
                                       {"GGUF version 4 is not supported"});
  // Version 0 is just unknown, not a byte-swapped version.
  expect_parse_error<UnsupportedError>(RawBytes().header(0, 0, 0).bytes,
                                       {"GGUF version 0 is not supported"});
  // A big-endian v3 file stores the version as 00 00 00 03.
  expect_parse_error<UnsupportedError>(RawBytes().header(0, 0, 0x03000000).bytes,
                                       {"big-endian GGUF files are not supported"});
}

TEST(GgufErrors, HugeCounts) {
  expect_parse_error<FormatError>(RawBytes().header(0, uint64_t{1} << 60).bytes,
                                  {"metadata count 1152921504606846976 is larger than the file"});
  expect_parse_error<FormatError>(
      RawBytes().header(std::numeric_limits<uint64_t>::max(), 0).bytes,
      {"tensor count 18446744073709551615 is larger than the file"});
}

TEST(GgufErrors, StringLengthPastEndOfFile) {
  RawBytes key;
  key.header(0, 1).u64(1000).zeros(20);
  expect_parse_error<FormatError>(key.bytes, {"metadata entry 0", "truncated: metadata key",
                                              "needs 1000 bytes but only 20 remain"});
  RawBytes value;
  value.header(0, 1).key("k", ValueType::STRING).u64(std::numeric_limits<uint64_t>::max());
  expect_parse_error<FormatError>(value.bytes,
                                  {"metadata entry 0 'k'", "truncated: string value",
                                   "needs 18446744073709551615 bytes"});
}

TEST(GgufErrors, ArrayCountOverflow) {
  // 2^61 uint64s would be 2^64 bytes: the count check must not overflow.
  RawBytes b;
  b.header(0, 1).key("a", ValueType::ARRAY).u32(uint32_t(ValueType::U64)).u64(uint64_t{1} << 61);
  expect_parse_error<FormatError>(
      b.bytes, {"metadata entry 0 'a'", "array of 2305843009213693952 uint64 does not fit"});
  RawBytes s;
  s.header(0, 1).key("s", ValueType::ARRAY).u32(uint32_t(ValueType::STRING)).u64(1000).zeros(64);
  expect_parse_error<FormatError>(s.bytes, {"'s'", "array of 1000 string does not fit"});
}

// `levels` arrays nested in each other, the innermost holding one uint8.
std::vector<uint8_t> nested_arrays(int levels) {
  RawBytes b;
  b.header(0, 1).key("n", ValueType::ARRAY);
  for (int i = 1; i < levels; ++i) b.u32(uint32_t(ValueType::ARRAY)).u64(1);
  b.u32(uint32_t(ValueType::U8)).u64(1).u8(7);
  return b.bytes;
}

TEST(GgufErrors, NestingTooDeep) {
  const std::vector<uint8_t> ok = nested_arrays(kMaxArrayNesting);
  const File f = File::parse(ok, "ok.gguf");
  const Value* v = f.find("n");
  ASSERT_NE(v, nullptr);
  for (int i = 1; i < kMaxArrayNesting; ++i) v = &v->items().at(0);
  EXPECT_EQ(v->items().at(0).as_uint(), 7u);
  expect_parse_error<FormatError>(nested_arrays(kMaxArrayNesting + 1),
                                  {"metadata entry 0 'n'", "arrays nested deeper than 8"});
}

TEST(GgufErrors, InvalidValueTypes) {
  RawBytes b;
  b.header(0, 1).str("k").u32(13).u32(0);
  expect_parse_error<FormatError>(b.bytes,
                                  {"metadata entry 0 'k'", "value type 13 is not a GGUF value type"});
  RawBytes a;
  a.header(0, 1).key("k", ValueType::ARRAY).u32(99).u64(0);
  expect_parse_error<FormatError>(a.bytes, {"array element type 99 is not a GGUF value type"});
}

TEST(GgufErrors, BadBool) {
  RawBytes b;
  b.header(0, 2).kv_u32("x", 1).key("t.flag", ValueType::BOOL).u8(2);
  expect_parse_error<FormatError>(b.bytes,
                                  {"metadata entry 1 't.flag'", "bool value 2 is not 0 or 1"});
  RawBytes in_array;
  in_array.header(0, 1).key("flags", ValueType::ARRAY).u32(uint32_t(ValueType::BOOL)).u64(2).u8(1).u8(255);
  expect_parse_error<FormatError>(in_array.bytes, {"'flags'", "bool value 255"});
}

TEST(GgufErrors, DuplicateKey) {
  RawBytes b;
  b.header(0, 2).kv_u32("a", 1).kv_u32("a", 2);
  expect_parse_error<FormatError>(b.bytes, {"metadata entry 1 'a': duplicate key"});
}

TEST(GgufErrors, DuplicateTensorName) {
  RawBytes b;
  b.header(2, 0).tensor("w", {8}, kF32, 0).tensor("w", {8}, kF32, 32).pad_to(32).zeros(64);
  expect_parse_error<FormatError>(b.bytes, {"tensor 1 'w': duplicate tensor name"});
}

TEST(GgufErrors, DimensionCount) {
  expect_parse_error<FormatError>(one_tensor({}), {"tensor 0 'w'", "0 dimensions (must be 1 to 4)"});
  expect_parse_error<FormatError>(one_tensor({1, 1, 1, 1, 8}), {"tensor 0 'w'", "5 dimensions"});
  RawBytes huge;
  huge.header(1, 0).str("w").u32(0xffffffff).zeros(32);
  expect_parse_error<FormatError>(huge.bytes, {"4294967295 dimensions"});
}

TEST(GgufErrors, ZeroDimension) {
  expect_parse_error<FormatError>(one_tensor({8, 0}), {"tensor 0 'w'", "dimension 1 is 0"});
}

TEST(GgufErrors, ElementCountOverflow) {
  const uint64_t big = uint64_t{1} << 31;
  expect_parse_error<FormatError>(one_tensor({big, big, big}),
                                  {"tensor 0 'w'", "element count overflows"});
  expect_parse_error<FormatError>(one_tensor({~uint64_t{0}}),
                                  {"dimension 0 is 18446744073709551615"});
}

TEST(GgufErrors, UnknownTensorType) {
  expect_parse_error<UnsupportedError>(one_tensor({8}, 99),
                                       {"tensor 0 'w'", "unknown tensor type id 99"});
  // 4 and 5 were Q4_2 / Q4_3, removed from the format.
  expect_parse_error<UnsupportedError>(one_tensor({32}, 4), {"unknown tensor type id 4"});
}

TEST(GgufErrors, RowNotMultipleOfBlock) {
  expect_parse_error<FormatError>(one_tensor({16, 2}, kQ8_0),
                                  {"tensor 0 'w'", "row length 16 is not a multiple of Q8_0's "
                                                   "block size 32"});
}

TEST(GgufErrors, MisalignedOffset) {
  expect_parse_error<FormatError>(one_tensor({8}, kF32, 4, 64),
                                  {"tensor 0 'w'", "data offset 4 is not a multiple of the "
                                                   "alignment 32"});
}

TEST(GgufErrors, TensorDataPastEndOfFile) {
  expect_parse_error<FormatError>(one_tensor({8}, kF32, 0, 16),
                                  {"truncated: tensor 'w' needs 32 bytes at offset 0 of the data "
                                   "section, which has 16 bytes"});
  // An aligned offset near 2^64: offset + size must not wrap around.
  expect_parse_error<FormatError>(one_tensor({8}, kF32, ~uint64_t{31}, 64),
                                  {"tensor 'w' needs 32 bytes at offset 18446744073709551584"});
  // The header ends, but the padding before the data section is missing.
  RawBytes b;
  b.header(1, 0).tensor("w", {8}, kF32, 0);
  expect_parse_error<FormatError>(b.bytes, {"data section would start at byte 64"});
}

TEST(GgufErrors, BadAlignment) {
  RawBytes wrong_type;
  wrong_type.header(0, 1).key("general.alignment", ValueType::U64).u64(32);
  expect_parse_error<FormatError>(wrong_type.bytes,
                                  {"general.alignment must be uint32, not uint64"});
  expect_parse_error<FormatError>(RawBytes().header(0, 1).kv_u32("general.alignment", 0).bytes,
                                  {"general.alignment 0 is not a power of two"});
  expect_parse_error<FormatError>(RawBytes().header(0, 1).kv_u32("general.alignment", 48).bytes,
                                  {"general.alignment 48 is not a power of two"});
  // A valid alignment is honoured: offset 32 is misaligned for 64.
  RawBytes b;
  b.header(2, 1).kv_u32("general.alignment", 64);
  b.tensor("a", {8}, kF32, 0).tensor("b", {8}, kF32, 32).pad_to(64).zeros(128);
  expect_parse_error<FormatError>(b.bytes, {"tensor 1 'b'", "not a multiple of the alignment 64"});
}

TEST(GgufErrors, AlignUpNeverOverflows) {
  EXPECT_EQ(align_up(0, 32), 0u);
  EXPECT_EQ(align_up(33, 32), 64u);
  EXPECT_EQ(align_up(~uint64_t{31}, 32), ~uint64_t{31});
  EXPECT_EQ(align_up(~uint64_t{31} + 1, 32), std::nullopt);
  EXPECT_EQ(align_up(~uint64_t{0}, 2), std::nullopt);
}

// ---- typed getters --------------------------------------------------------------

class TypedGetters : public ::testing::Test {
 protected:
  std::vector<uint8_t> bytes_ = test::sample_file();
  File f_ = File::parse(bytes_, "sample.gguf");
};

template <typename F>
void expect_getter_error(F&& get, std::initializer_list<std::string_view> fragments) {
  try {
    (void)get();
    ADD_FAILURE() << "no error";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("sample.gguf: metadata '", 0), 0u) << msg;
    for (std::string_view f : fragments) {
      EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
    }
  }
}

TEST_F(TypedGetters, ReturnValuesOfTheRightType) {
  EXPECT_EQ(f_.architecture(), "llama");
  EXPECT_EQ(f_.get_uint("t.u32"), 4000000000u);
  EXPECT_EQ(f_.get_int("t.i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f_.get_int("t.i8"), -100);
  EXPECT_EQ(f_.get_uint("t.u8"), 200u);
  EXPECT_EQ(f_.get_float("t.f32"), static_cast<double>(1e-5f));
  EXPECT_EQ(f_.get_bool("t.bool"), true);
  EXPECT_EQ(f_.get_string("t.string"), "h\xc3\xa9llo\n");
  EXPECT_EQ(f_.get_string_array("t.strings"), (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(f_.get_uint("absent"), std::nullopt);
  EXPECT_EQ(f_.get_string_array("absent"), std::nullopt);
}

TEST_F(TypedGetters, WrongTypeNamesTheKey) {
  expect_getter_error([&] { return f_.get_uint("t.string"); },
                      {"'t.string'", "is string, expected an integer"});
  expect_getter_error([&] { return f_.get_string("t.u32"); }, {"'t.u32'", "is uint32, expected string"});
  expect_getter_error([&] { return f_.get_bool("t.u8"); }, {"'t.u8'", "expected bool"});
  expect_getter_error([&] { return f_.get_float("t.strings"); }, {"'t.strings'", "expected a number"});
  expect_getter_error([&] { return f_.get_uint("t.i8"); }, {"'t.i8'", "negative (-100)"});
  expect_getter_error([&] { return f_.get_int("t.u64"); }, {"'t.u64'", "does not fit int64"});
  expect_getter_error([&] { return f_.get_string_array("t.string"); },
                      {"'t.string'", "expected array"});
  expect_getter_error([&] { return f_.get_int_array("t.strings"); },
                      {"'t.strings'", "is string, expected an integer"});
  expect_getter_error([&] { return f_.get_string_array("t.nested"); }, {"'t.nested'", "is array"});
}

TEST(GgufErrors, FloatArrayOutOfFloat32Range) {
  RawBytes b;
  b.header(0, 1).key("scores", ValueType::ARRAY).u32(uint32_t(ValueType::F64)).u64(2);
  b.put(1.5).put(1e300);
  const File f = File::parse(b.bytes, "sample.gguf");
  expect_getter_error([&] { return f.get_float_array("scores"); },
                      {"'scores'", "does not fit float32"});
}

}  // namespace
}  // namespace hearth::gguf

#include "test_util.h"

#include <bit>

namespace hearth::gguf::test {

Layout sample_layout(uint32_t version) {
  auto strings = [](std::initializer_list<const char*> items) {
    std::vector<Value> v;
    for (const char* s : items) v.push_back(Value::string(s));
    return Value::array(ValueType::STRING, std::move(v));
  };
  std::vector<KeyValue> md;
  md.emplace_back("general.architecture", Value::string("llama"));
  md.emplace_back("general.alignment", Value::unsigned_int(ValueType::U32, 32));
  md.emplace_back("t.u8", Value::unsigned_int(ValueType::U8, 200));
  md.emplace_back("t.i8", Value::signed_int(ValueType::I8, -100));
  md.emplace_back("t.u16", Value::unsigned_int(ValueType::U16, 60000));
  md.emplace_back("t.i16", Value::signed_int(ValueType::I16, -30000));
  md.emplace_back("t.u32", Value::unsigned_int(ValueType::U32, 4000000000u));
  md.emplace_back("t.i32", Value::signed_int(ValueType::I32, -2000000000));
  md.emplace_back("t.u64", Value::unsigned_int(ValueType::U64, ~uint64_t{0}));
  md.emplace_back("t.i64", Value::signed_int(ValueType::I64, INT64_MIN));
  md.emplace_back("t.f32", Value::f32(1e-5f));
  md.emplace_back("t.f32_snan", Value::f32(std::bit_cast<float>(kSignallingNaNBits)));
  md.emplace_back("t.f64", Value::floating(ValueType::F64, -0.0));
  md.emplace_back("t.bool", Value::boolean(true));
  md.emplace_back("t.string", Value::string("h\xc3\xa9llo\n"));
  md.emplace_back("t.strings", strings({"a", "", "ccc"}));
  md.emplace_back("t.nested",
                  Value::array(ValueType::ARRAY,
                               {Value::array(ValueType::I32, {Value::signed_int(ValueType::I32, -1)}),
                                Value::array(ValueType::STRING, {}), strings({"x"})}));
  std::vector<TensorSpec> tensors = {{"blk.q", TensorType::Q8_0, {32, 2}},
                                     {"out", TensorType::F32, {8}}};
  return Layout(std::move(md), std::move(tensors), version);
}

std::vector<uint8_t> sample_tensor_data(size_t tensor_index, uint64_t n_bytes) {
  std::vector<uint8_t> data(static_cast<size_t>(n_bytes));
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + tensor_index + 1);
  return data;
}

std::vector<uint8_t> sample_file(uint32_t version) {
  std::vector<uint8_t> out;
  Writer w(out, sample_layout(version));
  for (size_t i = 0; i < w.layout().tensors().size(); ++i) {
    w.write(sample_tensor_data(i, w.layout().tensor_bytes(i)));
  }
  w.commit();
  return out;
}

}  // namespace hearth::gguf::test

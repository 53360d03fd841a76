// Every tensor type against the reference data in tests/data/dequant:
//  - dequantization is bit-identical to the reference (scalar and best table),
//  - our quantizer's RMS error on the original F32 tensor is at most
//    1.02 x the reference quantizer's (the bound issue #2 sets).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "quant/type_traits.h"
#include "test_data.h"

namespace hearth::quant {
namespace {

struct GoldenEntry {
  std::string model, tensor, type, file;
  double reference_rmse = 0;
  uint64_t n_elements = 0;
};

void PrintTo(const GoldenEntry& e, std::ostream* os) { *os << e.model << ":" << e.tensor << " (" << e.type << ")"; }

std::vector<GoldenEntry> load_index() {
  const auto j = nlohmann::json::parse(test::read_text(test::data_path("dequant/index.json")));
  std::vector<GoldenEntry> out;
  for (const auto& e : j) {
    out.push_back({e["model"], e["tensor"], e["type"], e["file"], e["reference_rmse"],
                   e["n_elements"]});
  }
  return out;
}

std::string entry_name(const testing::TestParamInfo<GoldenEntry>& info) {
  std::string s = info.param.model + "_" + info.param.tensor;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

class Golden : public testing::TestWithParam<GoldenEntry> {};

TEST_P(Golden, DequantizeIsBitIdentical) {
  const GoldenEntry& e = GetParam();
  const auto file = gguf::File::open(test::data_path("tiny/" + e.model));
  const gguf::Tensor* t = file.find_tensor(e.tensor);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(tensor_type_name(t->type), e.type);
  ASSERT_EQ(t->n_elements, e.n_elements);
  const std::vector<float> want = test::read_f32(test::data_path("dequant/" + e.file));
  ASSERT_EQ(want.size(), e.n_elements);

  for (const TypeTraits* tr : {&generic_traits(t->type), &traits(t->type)}) {
    std::vector<float> got(t->n_elements);
    tr->dequantize(t->data, got.data(), static_cast<int64_t>(t->n_elements));
    size_t mismatches = 0, first = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0 && mismatches++ == 0) first = i;
    }
    EXPECT_EQ(mismatches, 0u) << e.type << ": first mismatch at " << first << ": got "
                              << got[first] << " want " << want[first];
  }
}

TEST_P(Golden, QuantizerErrorWithinReference) {
  const GoldenEntry& e = GetParam();
  const auto src_file = gguf::File::open(test::data_path("tiny/tiny-llama-F32.gguf"));
  const gguf::Tensor* src = src_file.find_tensor(e.tensor);
  ASSERT_NE(src, nullptr);
  ASSERT_EQ(src->type, TensorType::F32);
  const auto type = tensor_type_from_name(e.type).value();
  const auto& layout = layout_of(type);
  const auto n_per_row = static_cast<int64_t>(src->row_length());
  const auto n_rows = static_cast<int64_t>(src->n_rows());
  const auto* x = reinterpret_cast<const float*>(src->data);

  std::vector<uint8_t> q(row_bytes(layout, static_cast<uint64_t>(n_per_row)) *
                         static_cast<size_t>(n_rows));
  const uint64_t written = quantize(type, x, q.data(), n_rows, n_per_row, nullptr);
  ASSERT_EQ(written, q.size());
  std::vector<float> y(src->n_elements);
  dequantize(type, q.data(), y.data(), static_cast<int64_t>(y.size()));
  double se = 0;
  for (size_t i = 0; i < y.size(); ++i) se += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  const double rmse = std::sqrt(se / static_cast<double>(y.size()));
  RecordProperty("rmse", std::to_string(rmse));
  RecordProperty("reference_rmse", std::to_string(e.reference_rmse));
  EXPECT_LE(rmse, 1.02 * e.reference_rmse)
      << e.type << " on " << e.tensor << ": rmse " << rmse << " vs reference " << e.reference_rmse;
}

INSTANTIATE_TEST_SUITE_P(Reference, Golden, testing::ValuesIn(load_index()), entry_name);

// F32 has no golden file: it must round-trip exactly.
TEST(GoldenF32, RoundTripsExactly) {
  const auto f = gguf::File::open(test::data_path("tiny/tiny-llama-F32.gguf"));
  const gguf::Tensor* t = f.find_tensor("blk.0.attn_k.weight");
  ASSERT_NE(t, nullptr);
  std::vector<float> q(t->n_elements), y(t->n_elements);
  const auto* x = reinterpret_cast<const float*>(t->data);
  quantize(TensorType::F32, x, q.data(), static_cast<int64_t>(t->n_rows()),
           static_cast<int64_t>(t->row_length()), nullptr);
  dequantize(TensorType::F32, q.data(), y.data(), static_cast<int64_t>(y.size()));
  EXPECT_EQ(std::memcmp(x, y.data(), y.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace hearth::quant

#include "model/imatrix.h"

#include <cstring>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace hearth::model {

namespace {

constexpr std::string_view kSum2Suffix = ".in_sum2";
constexpr std::string_view kCountsSuffix = ".counts";

std::vector<double> read_f32_tensor(const gguf::Tensor& t) {
  std::vector<double> out(t.n_elements);
  for (uint64_t i = 0; i < t.n_elements; ++i) {
    float v;
    std::memcpy(&v, t.data + i * sizeof(float), sizeof v);
    out[i] = v;
  }
  return out;
}

}  // namespace

std::vector<float> ImatrixEntry::importance() const {
  std::vector<float> out(sum2.size());
  for (int64_t m = 0; m < n_mat; ++m) {
    if (counts[m] <= 0) return {};
    for (int64_t i = 0; i < n_per_row; ++i) {
      out[m * n_per_row + i] = static_cast<float>(sum2[m * n_per_row + i] / counts[m]);
    }
  }
  return out;
}

const ImatrixEntry* Imatrix::find(std::string_view tensor) const {
  const auto it = entries.find(std::string(tensor));
  return it == entries.end() ? nullptr : &it->second;
}

Imatrix Imatrix::load(const std::filesystem::path& path) {
  const gguf::File f = gguf::File::open(path);
  const std::string where = "imatrix " + path.string() + ": ";
  if (f.get_string("general.type").value_or("") != "imatrix") {
    throw FormatError(where + "not an importance matrix (general.type is not \"imatrix\"); "
                      "make one with `hearth imatrix` or the reference's imatrix tool");
  }
  Imatrix m;
  m.datasets = f.get_string_array("imatrix.datasets").value_or(std::vector<std::string>{});
  m.chunk_count = static_cast<uint32_t>(f.get_uint("imatrix.chunk_count").value_or(0));
  m.chunk_size = static_cast<uint32_t>(f.get_uint("imatrix.chunk_size").value_or(0));
  for (const gguf::Tensor& t : f.tensors()) {
    if (!t.name.ends_with(kSum2Suffix)) continue;
    const std::string name = t.name.substr(0, t.name.size() - kSum2Suffix.size());
    const gguf::Tensor* c = f.find_tensor(name + std::string(kCountsSuffix));
    if (c == nullptr) throw FormatError(where + "tensor '" + t.name + "' has no '" + name + ".counts'");
    if (t.type != TensorType::F32 || c->type != TensorType::F32) {
      throw FormatError(where + "'" + name + "' must be stored as F32");
    }
    ImatrixEntry e;
    e.n_per_row = static_cast<int64_t>(t.row_length());
    e.n_mat = static_cast<int64_t>(t.n_rows());
    if (c->n_elements != static_cast<uint64_t>(e.n_mat)) {
      throw FormatError(where + "'" + name + ".counts' has " + std::to_string(c->n_elements) +
                        " values for " + std::to_string(e.n_mat) + " matrices");
    }
    e.sum2 = read_f32_tensor(t);
    e.counts = read_f32_tensor(*c);
    m.entries.emplace(name, std::move(e));
  }
  if (m.entries.empty()) throw FormatError(where + "holds no '*.in_sum2' tensors");
  return m;
}

void Imatrix::save(const std::filesystem::path& path) const {
  using gguf::Value;
  using gguf::ValueType;
  std::vector<Value> names;
  for (const auto& d : datasets) names.push_back(Value::string(d));
  std::vector<gguf::KeyValue> meta{
      {"general.type", Value::string("imatrix")},
      {"imatrix.datasets", Value::array(ValueType::STRING, std::move(names))},
      {"imatrix.chunk_count", Value::unsigned_int(ValueType::U32, chunk_count)},
      {"imatrix.chunk_size", Value::unsigned_int(ValueType::U32, chunk_size)},
  };
  std::vector<gguf::TensorSpec> specs;
  for (const auto& [name, e] : entries) {
    const auto rows = static_cast<uint64_t>(e.n_mat);
    specs.push_back({name + std::string(kSum2Suffix), TensorType::F32, {static_cast<uint64_t>(e.n_per_row), rows}});
    specs.push_back({name + std::string(kCountsSuffix), TensorType::F32, {1, rows}});
  }
  gguf::Writer w(path, gguf::Layout(std::move(meta), std::move(specs)));
  const auto write_f32 = [&w](const std::vector<double>& v) {
    std::vector<float> f(v.begin(), v.end());
    w.write({reinterpret_cast<const uint8_t*>(f.data()), f.size() * sizeof(float)});
  };
  for (const auto& [name, e] : entries) {
    write_f32(e.sum2);
    write_f32(e.counts);
  }
  w.commit();
}

}  // namespace hearth::model

#include "gguf/safetensors.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearth::gguf {

namespace {

struct DtypeInfo {
  SafetensorsDtype dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DtypeInfo, 15> kDtypes = {{
    {SafetensorsDtype::BOOL, "BOOL", 1},       {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::I8, "I8", 1},           {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
    {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1}, {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::U16, "U16", 2},         {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},       {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::U32, "U32", 4},         {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F64, "F64", 8},         {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::U64, "U64", 8},
}};

const DtypeInfo& info(SafetensorsDtype d) {
  for (const auto& i : kDtypes) {
    if (i.dtype == d) return i;
  }
  throw Error("unknown safetensors dtype");  // unreachable for valid enums
}

// Parses JSON, refusing duplicate keys at any depth (nlohmann would keep the
// last silently, so two tensors of one name could hide each other).
nlohmann::json parse_unique_keys(std::string_view text) {
  std::vector<std::set<std::string>> seen;
  auto cb = [&seen](int, nlohmann::json::parse_event_t ev, nlohmann::json& value) {
    using E = nlohmann::json::parse_event_t;
    if (ev == E::object_start) seen.emplace_back();
    if (ev == E::object_end && !seen.empty()) seen.pop_back();
    if (ev == E::key && !seen.empty() && !seen.back().insert(value.get<std::string>()).second) {
      throw FormatError("the header repeats the key '" + value.get<std::string>() + "'");
    }
    return true;
  };
  return nlohmann::json::parse(text.begin(), text.end(), cb);
}

// Product of the dimensions times `elem`, or false on overflow.
bool byte_size(const std::vector<uint64_t>& shape, size_t elem, uint64_t& out) {
  uint64_t n = elem;
  for (const uint64_t d : shape) {
    if (d != 0 && n > UINT64_MAX / d) return false;
    n *= d;
  }
  out = n;
  return true;
}

}  // namespace

std::string_view dtype_name(SafetensorsDtype d) { return info(d).name; }
size_t dtype_size(SafetensorsDtype d) { return info(d).size; }

uint64_t SafetensorsTensor::n_elements() const {
  uint64_t n = 1;
  for (const uint64_t d : shape) n *= d;
  return n;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile f;
  f.mapping_ = std::make_shared<MappedFile>(path);
  f.name_ = path.string();
  f.parse_all(f.mapping_->bytes());
  return f;
}

SafetensorsFile SafetensorsFile::parse(std::span<const uint8_t> bytes, std::string name) {
  SafetensorsFile f;
  f.name_ = std::move(name);
  f.parse_all(bytes);
  return f;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view tensor) const {
  const auto it = tensors_.find(std::string(tensor));
  return it == tensors_.end() ? nullptr : &it->second;
}

void SafetensorsFile::parse_all(std::span<const uint8_t> bytes) {
  auto fail = [this](const std::string& what) -> void { throw FormatError(name_ + ": " + what); };
  if (bytes.size() < 8) {
    fail("not a safetensors file (only " + std::to_string(bytes.size()) +
         " bytes, the 8-byte header length is missing)");
  }
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);  // little-endian host (checked in file.cpp)
  if (n > kMaxSafetensorsHeader) {
    fail("header length " + std::to_string(n) + " exceeds the limit of " +
         std::to_string(kMaxSafetensorsHeader) + " bytes (not a safetensors file?)");
  }
  if (n > bytes.size() - 8) {
    fail("header length " + std::to_string(n) + " runs past the end of the file (" +
         std::to_string(bytes.size()) + " bytes): the file is truncated or not safetensors");
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), n);
  nlohmann::json header;
  try {
    header = parse_unique_keys(text);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("the header is not valid JSON: ") + e.what());
  } catch (const FormatError& e) {
    fail(e.what());
  }
  if (!header.is_object()) fail("the header is not a JSON object");

  const std::span<const uint8_t> data = bytes.subspan(8 + n);
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // [begin, end) with tensor index
  std::vector<std::string> span_names;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) fail("__metadata__ is not an object of strings");
      for (const auto& [mk, mv] : entry.items()) {
        if (!mv.is_string()) fail("__metadata__ value '" + mk + "' is not a string");
        metadata_[mk] = mv.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!entry.is_object()) fail(where + " is not an object");
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!entry.contains(field)) fail(where + " has no '" + field + "'");
    }
    SafetensorsTensor t;
    t.name = key;
    const auto& dt = entry["dtype"];
    if (!dt.is_string()) fail(where + ": dtype is not a string");
    const auto known = std::find_if(kDtypes.begin(), kDtypes.end(),
                                    [&](const DtypeInfo& i) { return i.name == dt.get<std::string>(); });
    if (known == kDtypes.end()) fail(where + " has an unknown dtype '" + dt.get<std::string>() + "'");
    t.dtype = known->dtype;
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where + ": shape is not an array");
    for (const auto& d : shape) {
      if (!d.is_number_unsigned()) fail(where + ": shape holds a value that is not a non-negative integer");
      t.shape.push_back(d.get<uint64_t>());
    }
    const auto& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      fail(where + ": data_offsets is not a pair of non-negative integers");
    }
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end) fail(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
    if (end > data.size()) {
      fail(where + ": data_offsets end " + std::to_string(end) + " lies outside the file's " +
           std::to_string(data.size()) + " data bytes (truncated file?)");
    }
    uint64_t want = 0;
    if (!byte_size(t.shape, known->size, want)) fail(where + ": the shape's size overflows");
    if (want != end - begin) {
      fail(where + ": shape x " + std::string(known->name) + " needs " + std::to_string(want) +
           " bytes but data_offsets span " + std::to_string(end - begin));
    }
    t.data = data.subspan(begin, end - begin);
    spans.emplace_back(begin, end);
    span_names.push_back(key);
    tensors_.emplace(key, std::move(t));
  }

  // Overlap check: sort the spans and compare neighbours (empty spans never overlap).
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a] < spans[b]; });
  uint64_t reach = 0;
  size_t reach_from = 0;
  for (const size_t i : order) {
    if (spans[i].first == spans[i].second) continue;
    if (spans[i].first < reach) {
      fail("tensor '" + span_names[i] + "' overlaps tensor '" + span_names[reach_from] + "'");
    }
    reach = spans[i].second;
    reach_from = i;
  }
}

}  // namespace hearth::gguf

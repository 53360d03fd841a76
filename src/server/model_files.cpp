#include "server/model_files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/error.h"

namespace hearth::server {

namespace fs = std::filesystem;

namespace {

// Size and modification time; false when the file is gone.
bool describe(const fs::path& p, ModelFile& out) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return false;
  out.size = fs::file_size(p, ec);
  if (ec) return false;
  const auto mtime = fs::last_write_time(p, ec);
  if (!ec) {
    out.modified = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                       .count();
  }
  return true;
}

}  // namespace

ModelFiles::ModelFiles(std::vector<std::string> files, std::string dir) : files_(std::move(files)), dir_(std::move(dir)) {
  for (const auto& f : files_) {
    ModelFile m;
    if (!describe(f, m)) throw Error("model file " + f + " does not exist or is not a file");
  }
  std::error_code ec;
  if (!dir_.empty() && !fs::is_directory(dir_, ec)) throw Error("--models-dir " + dir_ + " is not a directory");
  rescan();
}

void ModelFiles::rescan() {
  std::vector<std::string> paths = files_;
  if (!dir_.empty()) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      if (e.path().extension() == ".gguf") found.push_back((fs::path(dir_) / e.path().filename()).string());
    }
    std::sort(found.begin(), found.end());
    paths.insert(paths.end(), found.begin(), found.end());
  }
  list_.clear();
  for (const auto& p : paths) {
    ModelFile m;
    m.name = fs::path(p).stem().string();
    m.path = p;
    if (find(m.name) || !describe(p, m)) continue;
    list_.push_back(std::move(m));
  }
}

const ModelFile* ModelFiles::find(std::string_view name_or_path) const {
  for (const auto& m : list_) {
    if (m.name == name_or_path || m.path == name_or_path) return &m;
  }
  return nullptr;
}

std::string ModelFiles::names() const {
  std::string out;
  for (const auto& m : list_) out += (out.empty() ? "" : ", ") + m.name;
  return out.empty() ? "none" : out;
}

}  // namespace hearth::server

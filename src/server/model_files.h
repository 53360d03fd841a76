// The model files `hearth serve` may load: those named on the command line
// and every *.gguf in --models-dir (read at start and again on demand, so a
// file copied in later can be served without a restart). A model's name is
// its file stem; its path, as listed, is accepted too. Only these files can
// be loaded: a client cannot make the server open a path of its choosing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::server {

struct ModelFile {
  std::string name;       // file stem: "stories260K"
  std::string path;       // as named on the command line, or DIR/NAME.gguf
  uint64_t size = 0;      // bytes
  int64_t modified = 0;   // Unix seconds
};

class ModelFiles {
 public:
  // Throws hearth::Error when a named file or the directory is missing.
  // dir empty: none. The first file of a name wins (command line first,
  // then the directory in name order).
  ModelFiles(std::vector<std::string> files, std::string dir);

  // Reads the directory again: new files appear, removed ones go.
  void rescan();

  const std::vector<ModelFile>& list() const { return list_; }
  // By name or listed path; null when neither.
  const ModelFile* find(std::string_view name_or_path) const;
  // "a, b, c" for error messages.
  std::string names() const;

 private:
  std::vector<std::string> files_;
  std::string dir_;
  std::vector<ModelFile> list_;
};

}  // namespace hearth::server

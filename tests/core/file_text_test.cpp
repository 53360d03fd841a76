#include "core/file_text.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/error.h"

namespace hearth {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("hearth_file_text_" + std::to_string(::getpid()) + "_" + name);
}

TEST(FileText, ReadsEveryByteOfARegularFile) {
  const auto p = temp_path("bytes");
  std::string bytes;
  for (uint32_t i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>(i * 7919u % 256u));  // NULs, high bytes
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(read_file_text(p, "test file"), bytes);
  std::ofstream(p, std::ios::binary | std::ios::trunc).flush();
  EXPECT_EQ(read_file_text(p, "test file"), "");
  std::filesystem::remove(p);
}

// A pipe has no size to go by (`--prompt-file <(...)`): read to its end.
TEST(FileText, ReadsAPipeToItsEnd) {
  const auto p = temp_path("fifo");
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";  // more than a pipe's buffer
  std::thread writer([&] { std::ofstream(p, std::ios::binary) << text; });
  const std::string got = read_file_text(p, "test pipe");
  writer.join();
  EXPECT_EQ(got, text);
  std::filesystem::remove(p);
}

// Sized zero like a /proc file, yet not empty.
TEST(FileText, ReadsAProcFile) {
  const std::string status = read_file_text("/proc/self/status", "status");
  EXPECT_NE(status.find("Name:"), std::string::npos) << status;
}

// A directory opens as a stream and claims an enormous size: a clear error,
// not an allocation of that size.
TEST(FileText, ADirectoryIsAClearError) {
  const auto dir = std::filesystem::temp_directory_path();
  try {
    read_file_text(dir, "gateway configuration");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": cannot read the gateway configuration: Is a directory");
  }
}

TEST(FileText, AMissingFileNamesItselfWhatAndWhy) {
  try {
    read_file_text("/nonexistent/p.txt", "prompt file");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/p.txt: cannot open the prompt file: No such file or directory");
  }
}

}  // namespace
}  // namespace hearth

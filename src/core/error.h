// Errors inside libhearth are exceptions carrying a message with context.
// Each layer adds its own context (file name, tensor name, line/column) and the
// CLI / HTTP boundary turns them into a clear message for the user.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Input that is malformed, truncated or hostile (a file, a request, a template).
class FormatError : public Error {
 public:
  using Error::Error;
};

// Input that is well-formed but uses something hearth does not implement.
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

// Operating-system failures (open, mmap, read, write), with errno text.
class IoError : public Error {
 public:
  using Error::Error;
};

// A request that does not fit the context window (never silently truncated).
class ContextFullError : public Error {
 public:
  using Error::Error;
};

}  // namespace hearth

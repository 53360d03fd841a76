// AuditLog: the writer of audit.h.
#include "gateway/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hearth::gateway {

namespace {

std::string os_error(const std::filesystem::path& path, const std::string& what) {
  return path.string() + ": " + what + " (" + std::strerror(errno) + ")";
}

// fsync of the directory holding `path`, so a newly created file's entry is durable.
void sync_directory(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(os_error(dir, "cannot open the audit log's directory to fsync it"));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError(os_error(dir, "fsync of the audit log's directory failed"));
}

// pread of exactly [start, end) of the file.
std::string read_range(int fd, const std::filesystem::path& path, off_t start, off_t end) {
  std::string bytes(static_cast<size_t>(end - start), '\0');
  if (::pread(fd, bytes.data(), bytes.size(), start) != static_cast<ssize_t>(bytes.size())) {
    throw IoError(os_error(path, "cannot read the audit log's last record"));
  }
  return bytes;
}

// The last line of a non-empty file (without its '\n'), read backwards in
// chunks so opening a large log costs one line, not the whole file. Sets
// `torn` when the file does not end in '\n'.
std::string read_last_line(int fd, const std::filesystem::path& path, off_t size, bool& torn) {
  torn = read_range(fd, path, size - 1, size) != "\n";
  std::string line;
  off_t pos = torn ? size : size - 1;  // the line's text ends here
  constexpr off_t kChunk = 4096;
  while (pos > 0) {
    const off_t start = pos > kChunk ? pos - kChunk : 0;
    const std::string chunk = read_range(fd, path, start, pos);
    const size_t nl = chunk.rfind('\n');
    if (nl != std::string::npos) return chunk.substr(nl + 1) + line;
    line.insert(0, chunk);
    pos = start;
  }
  return line;
}

}  // namespace

AuditLog::AuditLog(std::filesystem::path path, Clock clock) : path_(std::move(path)), clock_(std::move(clock)) {
  const bool existed = std::filesystem::exists(path_);
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw IoError(os_error(path_, "cannot open the audit log"));
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw IoError(os_error(path_, "cannot stat the audit log"));
    if (!existed) sync_directory(path_);
    last_hash_ = kAuditGenesis;
    if (st.st_size > 0) {
      bool torn = false;
      const std::string last = read_last_line(fd_, path_, st.st_size, torn);
      const std::string advice = " — run `hearth audit verify " + path_.string() +
                                 "`; appending is refused so the chain is not continued past damage";
      if (torn) throw FormatError(path_.string() + ": the last line is torn (no newline: a write was cut short)" + advice);
      AuditRecord r;
      try {
        r = parse_audit_record(last);
      } catch (const FormatError& e) {
        throw FormatError(path_.string() + ": the last record is corrupt: " + e.what() + advice);
      }
      last_seq_ = r.seq;
      last_hash_ = r.hash;
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t AuditLog::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

uint64_t AuditLog::append_request(const AuditEntry& entry) { return append("request", 0, entry); }

uint64_t AuditLog::append_completion(uint64_t request_seq, const AuditEntry& entry) {
  return append("completion", request_seq, entry);
}

uint64_t AuditLog::append(const std::string& type, uint64_t ref, const AuditEntry& entry) {
  std::lock_guard lock(mutex_);
  if (broken_) {
    throw IoError(path_.string() + ": an earlier write to the audit log failed; reopen it (and verify) before appending");
  }
  if (type == "completion" && (ref == 0 || ref > last_seq_)) {
    throw Error(path_.string() + ": completion for seq " + std::to_string(ref) + ", which is not in the audit log");
  }
  AuditRecord r;
  r.seq = last_seq_ + 1;
  r.time = format_rfc3339(clock_());
  r.type = type;
  r.ref = ref;
  r.entry = entry;
  r.prev_hash = last_hash_;
  const std::string line = seal_audit_record(r) + "\n";

  // One write per record (O_APPEND), then fsync: the record is durable
  // before the caller sends anything to the cloud.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      throw IoError(os_error(path_, "write to the audit log failed"));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) {
    broken_ = true;
    throw IoError(os_error(path_, "fsync of the audit log failed"));
  }
  last_seq_ = r.seq;
  last_hash_ = r.hash;
  return r.seq;
}

}  // namespace hearth::gateway

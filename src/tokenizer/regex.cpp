#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include "core/error.h"

namespace hearth::tokenizer {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Impl() { pcre2_code_free(code); }
};

Regex::Regex(std::string pattern) : pattern_(std::move(pattern)), impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(), options,
                              &err, &err_offset, nullptr);
  if (impl_->code == nullptr) {
    throw Error("tokenizer regex /" + pattern_ + "/ does not compile at offset " +
                std::to_string(err_offset) + ": " + pcre2_message(err));
  }
  // JIT is an optimisation only: without it the interpreter gives the same spans.
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;

void Regex::find_all(std::string_view subject, std::vector<Span>& out) const {
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(
      pcre2_match_data_create_from_pattern(impl_->code, nullptr));
  if (!md) throw Error("tokenizer regex: out of memory");
  const auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t start = 0;
  while (start < subject.size()) {
    const int rc = impl_->jit ? pcre2_jit_match(impl_->code, s, subject.size(), start, 0, md.get(), nullptr)
                              : pcre2_match(impl_->code, s, subject.size(), start, 0, md.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return;
    if (rc < 0) {
      throw Error("tokenizer regex /" + pattern_ + "/ failed on a " + std::to_string(subject.size()) +
                  "-byte text: " + pcre2_message(rc));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    const size_t begin = ov[0], end = ov[1];
    if (end > begin) {
      out.push_back({begin, end - begin});
      start = end;
    } else {
      ++start;  // an empty match: step on (no pattern here can match empty, but stay safe)
    }
  }
}

}  // namespace hearth::tokenizer
